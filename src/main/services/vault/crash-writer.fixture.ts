/**
 * Child process for vault-crash.test.ts: writes the vault in a tight loop and prints each counter
 * value once its write has returned, until it is killed with SIGKILL.
 */
import { vaultIn } from './test-support'

const [dir, passphrase] = process.argv.slice(2) as [string, string]
const vault = vaultIn(dir, { passphrase })
let n = Number((await vault.get('counter').catch(() => undefined))?.reveal() ?? 0)
process.stdout.write(`ready ${n}\n`)
for (;;) {
  n++
  const value = n
  // Sizes vary from write to write, so a torn file could not pass for a whole one.
  await vault.update((s) => {
    s.counter = String(value)
    s.padding = 'p'.repeat((value * 7919) % 20_000)
  })
  process.stdout.write(`${value}\n`)
}
