import { z } from 'zod'
import type { VaultBackupResult, VaultMode, VaultRestoreResult, VaultStatus } from '../types'
import { MAX_PASSPHRASE_LENGTH, MIN_PASSPHRASE_LENGTH, PASSPHRASE_TOO_LONG, PASSPHRASE_TOO_SHORT } from '../schemas'
import { channel, sensitiveChannel, type SchemasOf } from './define'

export interface VaultInvoke {
  /** Where the vault is, how its key is protected and which keychain backend this computer has. */
  'vault:status': { args: []; result: VaultStatus }
  /** Create the vault: data key in the OS keychain, or wrapped with a passphrase (at least 8 characters). */
  'vault:setup': { args: [mode: VaultMode, passphrase: string | null]; result: VaultStatus }
  /** Give the passphrase of a passphrase-mode vault; VAULT_PASSPHRASE when it does not open it. */
  'vault:unlock': { args: [passphrase: string]; result: VaultStatus }
  /** Forget the data key held in memory (passphrase mode asks again). */
  'vault:lock': { args: []; result: VaultStatus }
  /** New random data key; everything is re-encrypted and the old key is removed. */
  'vault:rotate': { args: []; result: VaultStatus }
  /** Write every secret and the clusters' PKI records to one file, encrypted with a backup passphrase. */
  'vault:backup': { args: [path: string, passphrase: string, overwrite: boolean]; result: VaultBackupResult }
  /** Restore a backup (also on another computer); `replace` lets it overwrite clusters with another CA. */
  'vault:restore': { args: [path: string, passphrase: string, replace: boolean]; result: VaultRestoreResult }
}

export interface VaultEvents {
  /** The vault was created, unlocked, locked, rotated or restored. */
  'vault:changed': { status: VaultStatus }
}

/** A path on the computer running Flotilla's services; `~/` means the user's home. */
export const filePathSchema = z
  .string({ error: 'A file path is required.' })
  .trim()
  .min(1, 'A file path is required.')
  .max(4096, 'That path is too long.')
  .refine((v) => !v.includes('\0'), 'A path cannot contain a NUL character.')

/** New passphrases: the one rule of ../schemas (MIN_PASSPHRASE_LENGTH), also applied by the vault itself. */
export const newPassphraseSchema = z
  .string({ error: 'A passphrase is required.' })
  .min(MIN_PASSPHRASE_LENGTH, PASSPHRASE_TOO_SHORT)
  .max(MAX_PASSPHRASE_LENGTH, PASSPHRASE_TOO_LONG)

export const passphraseSchema = z
  .string({ error: 'A passphrase is required.' })
  .min(1, 'A passphrase is required.')
  .max(1024, 'That passphrase is too long (1024 characters at most).')

export const vaultSchemas = {
  'vault:status': channel([]),
  'vault:setup': sensitiveChannel(
    ['mode', 'passphrase'],
    z.enum(['keychain', 'passphrase'], { error: 'Mode is keychain or passphrase.' }),
    newPassphraseSchema.nullable(),
  ),
  'vault:unlock': sensitiveChannel(['passphrase'], passphraseSchema),
  'vault:lock': channel([]),
  'vault:rotate': channel([]),
  'vault:backup': sensitiveChannel(
    ['path', 'passphrase', 'overwrite'],
    filePathSchema,
    newPassphraseSchema,
    z.boolean(),
  ),
  'vault:restore': sensitiveChannel(['path', 'passphrase', 'replace'], filePathSchema, passphraseSchema, z.boolean()),
} satisfies SchemasOf<VaultInvoke>
