import { createHmac } from 'node:crypto'
import { z } from 'zod'
import type { VaultMode } from '../../../shared/types'
import {
  checkScryptCost,
  corrupt,
  decodeEnvelope,
  encodeEnvelope,
  seal,
  unseal,
  type ScryptParams,
  type Sealed,
} from './envelope'

/**
 * The vault file: a header saying how the data key is protected, and the secrets sealed with it.
 *
 * - keychain mode: the 32-byte data key lives in the OS keychain under `vault-data-key:<keyId>`.
 * - passphrase mode: the data key is sealed with a key derived from the passphrase (scrypt; the
 *   parameters and salt are in the header), so changing the data key never needs the KDF again.
 *
 * Only that 32-byte key goes to the keychain (44 base64 characters): it fits every backend,
 * including Windows Credential Manager's 2560-byte limit, which a PEM CA key would not.
 *
 * `check` is an HMAC of the key id under the data key: with it a key from the keychain that does not
 * belong to this file is reported as such instead of as damage.
 */
export const VAULT_MAGIC = 'FLOTILLA-VAULT'
export const VAULT_VERSION = 1

export interface VaultHeader {
  mode: VaultMode
  keyId: string
  generation: number
  writtenAt: string
  check: string
  kdf?: ScryptParams
  wrappedKey?: Sealed
}

/** The decrypted contents: secret name → value. */
export interface VaultPayload {
  secrets: Record<string, string>
}

export interface VaultFile {
  header: VaultHeader
  payload: Sealed
}

const sealedSchema = z.strictObject({ iv: z.string(), tag: z.string(), data: z.string() })
const scryptSchema = z.strictObject({
  name: z.literal('scrypt'),
  // Only the types here: checkScryptCost bounds the values with an error that names the limit.
  N: z.number().int(),
  r: z.number().int(),
  p: z.number().int(),
  salt: z.string().min(1),
})
const fileSchema = z.strictObject({
  header: z.strictObject({
    mode: z.enum(['keychain', 'passphrase']),
    keyId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
    generation: z.number().int().min(1),
    writtenAt: z.string(),
    check: z.string().regex(/^[0-9a-f]{32}$/),
    kdf: scryptSchema.optional(),
    wrappedKey: sealedSchema.optional(),
  }),
  payload: sealedSchema,
})
const payloadSchema = z.strictObject({ secrets: z.record(z.string(), z.string()) })

/** Parses and checks a vault file's bytes (not its ciphertext); VAULT_CORRUPT when anything is off. */
export function parseVaultFile(raw: Buffer): VaultFile {
  const body = decodeEnvelope(raw, VAULT_MAGIC, VAULT_VERSION, 'vault file')
  const parsed = fileSchema.safeParse(body)
  if (!parsed.success) throw corrupt('vault file', 'its header is not what Flotilla writes')
  const file = parsed.data as VaultFile
  if (file.header.mode === 'passphrase' && (!file.header.kdf || !file.header.wrappedKey)) {
    throw corrupt('vault file', 'its passphrase parameters are missing')
  }
  if (file.header.kdf) checkScryptCost(file.header.kdf, 'vault file')
  return file
}

/** Seals the payload with the data key and encodes the whole file. */
export function buildVaultFile(header: VaultHeader, payload: VaultPayload, dataKey: Buffer): Buffer {
  const sealed = seal(dataKey, Buffer.from(JSON.stringify(payload), 'utf8'), payloadAad(header))
  return encodeEnvelope(VAULT_MAGIC, VAULT_VERSION, { header, payload: sealed } satisfies VaultFile)
}

/** Opens the payload; VAULT_CORRUPT when GCM fails (the key was already checked against `check`). */
export function openVaultFile(file: VaultFile, dataKey: Buffer): VaultPayload {
  const plain = unseal(dataKey, file.payload, payloadAad(file.header))
  if (!plain) throw corrupt('vault file', 'its encrypted contents do not authenticate (damaged or altered)')
  try {
    const parsed = payloadSchema.safeParse(JSON.parse(plain.toString('utf8')))
    if (parsed.success) return parsed.data
  } catch {
    // fall through
  }
  throw corrupt('vault file', 'its decrypted contents are not readable')
}

/** `check` for a data key: proves a key belongs to this vault without decrypting anything. */
export function keyCheck(dataKey: Buffer, keyId: string): string {
  return createHmac('sha256', dataKey).update(`flotilla-vault-check:${keyId}`).digest('hex').slice(0, 32)
}

/** Additional data for the sealed data key (passphrase mode). */
export function wrappedKeyAad(keyId: string): string {
  return `flotilla-vault-key:${VAULT_VERSION}:${keyId}`
}

/** The header fields the payload is bound to: moving a payload under another header fails GCM. */
function payloadAad(h: VaultHeader): string {
  return `flotilla-vault:${VAULT_VERSION}:${h.mode}:${h.keyId}:${h.generation}:${h.writtenAt}`
}

/** Keychain account holding the data key with this id. */
export function keychainAccount(keyId: string): string {
  return `vault-data-key:${keyId}`
}
