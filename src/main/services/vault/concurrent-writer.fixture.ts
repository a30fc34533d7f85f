/**
 * Child process for vault-concurrency.test.ts (and the keychain suite): waits for "go" on stdin,
 * then makes `count` updates to the vault, each adding its own name and incrementing a shared
 * counter (a read-change-write that loses increments whenever two processes overwrite each other).
 * With a keychain service name as fifth argument, the vault is a keychain-mode one.
 */
import { OsKeychain } from './os-keychain'
import { vaultIn } from './test-support'

const [dir, passphrase, name, count, service] = process.argv.slice(2) as [string, string, string, string, string?]
const vault = service ? vaultIn(dir, { keychain: new OsKeychain({ service }) }) : vaultIn(dir, { passphrase })
await vault.get('counter') // derive the key now, so the writers start together
process.stdout.write('ready\n')
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()))
for (let i = 0; i < Number(count); i++) {
  await vault.update((s) => {
    s[`${name}-${i}`] = 'x'
    s.counter = String(Number(s.counter ?? 0) + 1)
  })
}
process.stdout.write('done\n')
process.exit(0)
