import type { VaultInvoke } from '../../shared/channels/vault'
import type { Services } from '../app'
import { Secret } from '../services/secrets/secret'
import type { HandlersOf } from '../transport/dispatcher'

/**
 * Passphrases arrive as strings (they crossed a transport); they become Secrets at once. The vault
 * holds its own passphrase with the redactor until it is locked; a backup passphrase is masked
 * only while its backup or restore runs, so the redactor does not keep it for the whole run.
 */
export function vaultHandlers({ vault, pkiBackup, redactor }: Services): HandlersOf<VaultInvoke> {
  const whileMasked = async <T>(value: string, work: (secret: Secret) => Promise<T>): Promise<T> => {
    const registration = redactor.register(value)
    try {
      return await work(new Secret(value))
    } finally {
      registration.release()
    }
  }
  return {
    'vault:status': () => vault.status(),
    'vault:setup': (mode, passphrase) =>
      vault.setup(mode, mode === 'passphrase' && passphrase !== null ? new Secret(passphrase) : undefined),
    'vault:unlock': (passphrase) => vault.unlock(new Secret(passphrase)),
    'vault:lock': () => vault.lock(),
    'vault:rotate': () => vault.rotate(),
    'vault:backup': (path, passphrase, overwrite) =>
      whileMasked(passphrase, (secret) => pkiBackup.backup(path, secret, overwrite)),
    'vault:restore': (path, passphrase, replace) =>
      whileMasked(passphrase, (secret) => pkiBackup.restore(path, secret, replace)),
  }
}
