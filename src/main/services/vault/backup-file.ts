import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import type { Secret } from '../secrets/secret'
import { writeFileAtomic, writeFileExclusive } from './atomic-file'
import {
  corrupt,
  decodeEnvelope,
  DEFAULT_SCRYPT_COST,
  deriveKey,
  encodeEnvelope,
  newScryptParams,
  seal,
  unseal,
  type ScryptCost,
} from './envelope'

/**
 * A backup: one self-contained file, sealed with a key derived (scrypt) from a backup passphrase,
 * so it opens on any computer without the keychain it came from. It holds every vault secret and
 * the public records needed to use them again (clusters, PKI, issued kubeconfigs).
 */
export const BACKUP_MAGIC = 'FLOTILLA-BACKUP'
export const BACKUP_VERSION = 1
const AAD = `flotilla-backup:${BACKUP_VERSION}`

/** What a backup contains once opened. `records` is owned by whoever wrote it (the PKI). */
export interface BackupContent {
  createdAt: string
  secrets: Record<string, string>
  records: unknown
}

const bodySchema = z.strictObject({
  kdf: z.strictObject({
    name: z.literal('scrypt'),
    // Only the types here: checkScryptCost bounds the values with an error that names the limit.
    N: z.number().int(),
    r: z.number().int(),
    p: z.number().int(),
    salt: z.string(),
  }),
  sealed: z.strictObject({ iv: z.string(), tag: z.string(), data: z.string() }),
})
const contentSchema = z.strictObject({
  createdAt: z.string(),
  secrets: z.record(z.string(), z.string()),
  records: z.unknown(),
})

/** Encrypts and writes a backup; FILE_EXISTS unless `overwrite` when the path is taken. */
export async function writeBackupFile(
  path: string,
  passphrase: Secret,
  content: BackupContent,
  options: { overwrite: boolean; cost?: ScryptCost },
): Promise<number> {
  const kdf = newScryptParams(options.cost ?? DEFAULT_SCRYPT_COST)
  const key = await deriveKey(passphrase, kdf)
  const sealed = seal(key, Buffer.from(JSON.stringify(content), 'utf8'), AAD)
  key.fill(0)
  const data = encodeEnvelope(BACKUP_MAGIC, BACKUP_VERSION, { kdf, sealed })
  try {
    if (options.overwrite) writeFileAtomic(path, data)
    else writeFileExclusive(path, data)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') {
      throw new AppError('FILE_EXISTS', `${path} already exists. Choose another name or allow replacing it.`, {
        fields: { path: 'Already exists.' },
      })
    }
    throw new AppError('STORAGE', `Flotilla could not write the backup to ${path} (${code ?? 'error'}).`)
  }
  return data.length
}

/** Reads and decrypts a backup: VAULT_CORRUPT when damaged, VAULT_PASSPHRASE when the passphrase is wrong. */
export async function readBackupFile(path: string, passphrase: Secret): Promise<BackupContent> {
  let raw: Buffer
  try {
    raw = readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new AppError('STORAGE', `Flotilla could not read ${path} (${code ?? 'error'}).`, {
      fields: { path: code === 'ENOENT' ? 'No such file.' : 'Cannot be read.' },
    })
  }
  const parsed = bodySchema.safeParse(decodeEnvelope(raw, BACKUP_MAGIC, BACKUP_VERSION, 'backup'))
  if (!parsed.success) throw corrupt('backup', 'its header is not what Flotilla writes')
  const key = await deriveKey(passphrase, parsed.data.kdf, 'backup')
  const plain = unseal(key, parsed.data.sealed, AAD)
  key.fill(0)
  if (!plain) {
    throw new AppError('VAULT_PASSPHRASE', 'That passphrase does not open this backup.', {
      fields: { passphrase: 'Wrong passphrase.' },
    })
  }
  try {
    const content = contentSchema.safeParse(JSON.parse(plain.toString('utf8')))
    if (content.success) return content.data as BackupContent
  } catch {
    // fall through
  }
  throw corrupt('backup', 'its decrypted contents are not readable')
}
