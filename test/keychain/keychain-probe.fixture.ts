/**
 * Child process for keychain.test.ts. `probe`: prints what the keychain probe and a keychain-mode
 * vault setup do in this process's environment. `read <dir> <service>`: prints a secret read back
 * from a keychain-mode vault (another process than the one that wrote it).
 */
import { OsKeychain } from '../../src/main/services/vault/os-keychain'
import { vaultIn } from '../../src/main/services/vault/test-support'

const [command, dir, service] = process.argv.slice(2) as [string, string, string]
const keychain = new OsKeychain({ service })
if (command === 'probe') {
  const probe = await keychain.probe()
  const setup = await vaultIn(dir, { keychain })
    .setup('keychain')
    .then(
      () => 'created',
      (error: { code: string }) => error.code,
    )
  process.stdout.write(JSON.stringify({ probe, setup }))
} else {
  const secret = await vaultIn(dir, { keychain }).get('pki/c/ca.key')
  process.stdout.write(JSON.stringify({ value: secret?.reveal() ?? null }))
}
