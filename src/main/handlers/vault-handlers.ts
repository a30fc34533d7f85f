import type { VaultInvoke } from '../../shared/channels/vault'
import type { Services } from '../app'
import { Secret } from '../services/secrets/secret'
import type { HandlersOf } from '../transport/dispatcher'

/** Passphrases arrive as strings (they crossed a transport); they become Secrets at once. */
export function vaultHandlers({ vault, pkiBackup, redactor }: Services): HandlersOf<VaultInvoke> {
  const secret = (value: string) => {
    redactor.register(value)
    return new Secret(value)
  }
  return {
    'vault:status': () => vault.status(),
    'vault:setup': (mode, passphrase) =>
      vault.setup(mode, mode === 'passphrase' && passphrase !== null ? secret(passphrase) : undefined),
    'vault:unlock': (passphrase) => vault.unlock(secret(passphrase)),
    'vault:lock': () => vault.lock(),
    'vault:rotate': () => vault.rotate(),
    'vault:backup': (path, passphrase, overwrite) => pkiBackup.backup(path, secret(passphrase), overwrite),
    'vault:restore': (path, passphrase, replace) => pkiBackup.restore(path, secret(passphrase), replace),
  }
}
