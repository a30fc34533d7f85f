import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt as scryptCb } from 'node:crypto'
import { AppError } from '../../../shared/errors'
import type { Secret } from '../secrets/secret'

/**
 * The building blocks of Flotilla's encrypted files (the vault and its backups): a checksummed text
 * envelope, AES-256-GCM sealing and scrypt key derivation. Node's own crypto only.
 *
 * An envelope is three lines: `<MAGIC> <version>`, a JSON body, `sha256:<hex of the body line>`.
 * The plain checksum is not a security measure (GCM authenticates the secrets); it lets a damaged or
 * truncated file be told apart from a wrong passphrase, so each gets its own error code.
 */

/** Ciphertext, 96-bit IV and 128-bit GCM tag, base64. */
export interface Sealed {
  iv: string
  tag: string
  data: string
}

/** scrypt parameters, stored in the file so they can be raised later without breaking old files. */
export interface ScryptParams {
  name: 'scrypt'
  N: number
  r: number
  p: number
  /** base64, 16 bytes. */
  salt: string
}

/** Cost used for new files: N=2^17, r=8 (128 MiB, about half a second), the OWASP recommendation. */
export const DEFAULT_SCRYPT_COST = { N: 2 ** 17, r: 8, p: 1 } as const
export type ScryptCost = { N: number; r: number; p: number }

/**
 * The most a file may ask for: twice what Flotilla writes, in memory (128·N·r bytes) and in work
 * (N·r·p). The parameters come from the file being opened, so without a cap a crafted backup or
 * vault could make Flotilla allocate gigabytes (N=2^22, r=64 is 32 GiB) or spin for minutes.
 */
export const MAX_SCRYPT = {
  N: 2 * DEFAULT_SCRYPT_COST.N,
  r: 2 * DEFAULT_SCRYPT_COST.r,
  p: 2 * DEFAULT_SCRYPT_COST.p,
  memoryBytes: 2 * 128 * DEFAULT_SCRYPT_COST.N * DEFAULT_SCRYPT_COST.r,
  work: 2 * DEFAULT_SCRYPT_COST.N * DEFAULT_SCRYPT_COST.r * DEFAULT_SCRYPT_COST.p,
} as const

/**
 * Refuses scrypt parameters outside what Flotilla writes (times the margin above), before any
 * memory is allocated: VAULT_CORRUPT naming the limit, since Flotilla never wrote such a file.
 */
export function checkScryptCost(cost: ScryptCost, what: string): void {
  const { N, r, p } = cost
  const integers = [N, r, p].every((v) => Number.isSafeInteger(v) && v >= 1)
  // scrypt needs N to be a power of two above 1.
  if (!integers || N < 2 || (N & (N - 1)) !== 0) throw corrupt(what, 'its key-derivation parameters are invalid')
  if (N > MAX_SCRYPT.N || r > MAX_SCRYPT.r || p > MAX_SCRYPT.p || 128 * N * r > MAX_SCRYPT.memoryBytes) {
    throw corrupt(
      what,
      `its key-derivation parameters (scrypt N=${N}, r=${r}, p=${p}) ask for more memory than Flotilla ever uses (at most N=${MAX_SCRYPT.N}, r=${MAX_SCRYPT.r}, p=${MAX_SCRYPT.p}, ${MAX_SCRYPT.memoryBytes / 2 ** 20} MiB)`,
    )
  }
  if (N * r * p > MAX_SCRYPT.work) {
    throw corrupt(
      what,
      `its key-derivation parameters (scrypt N=${N}, r=${r}, p=${p}) ask for more work than Flotilla ever uses (N·r·p at most ${MAX_SCRYPT.work})`,
    )
  }
}

const KEY_BYTES = 32

/** Encodes `body` as an envelope file. */
export function encodeEnvelope(magic: string, version: number, body: unknown): Buffer {
  const json = JSON.stringify(body)
  return Buffer.from(`${magic} ${version}\n${json}\nsha256:${sha256Hex(json)}\n`, 'utf8')
}

/**
 * Decodes an envelope: checks the magic line, version and checksum and parses the body. Anything
 * off (truncated, a flipped byte, another file) is `corrupt(reason)`.
 */
export function decodeEnvelope(raw: Buffer, magic: string, version: number, what: string): unknown {
  const text = raw.toString('utf8')
  const lines = text.split('\n')
  if (lines.length !== 4 || lines[3] !== '') throw corrupt(what, 'it is truncated or has extra data')
  const [head, json, sum] = lines as [string, string, string]
  const match = new RegExp(`^${magic} (\\d+)$`).exec(head)
  if (!match) throw corrupt(what, `it is not a ${what}`)
  if (Number(match[1]) !== version) {
    throw corrupt(what, `it has format version ${match[1]}, and this Flotilla reads version ${version}`)
  }
  if (sum !== `sha256:${sha256Hex(json)}`) throw corrupt(what, 'its checksum does not match (damaged or altered)')
  try {
    return JSON.parse(json) as unknown
  } catch {
    throw corrupt(what, 'its contents are not readable')
  }
}

/** The VAULT_CORRUPT error for `what` ("vault file", "backup"). */
export function corrupt(what: string, reason: string): AppError {
  return new AppError(
    'VAULT_CORRUPT',
    `The ${what} cannot be used because ${reason}. Nothing was read from it; restore from a backup or the previous generation.`,
    { reason },
  )
}

/** AES-256-GCM with a fresh random IV; `aad` binds the ciphertext to its header fields. */
export function seal(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(aad, 'utf8'))
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') }
}

/** Opens a sealed value; returns null when the key is wrong or the data was altered (GCM failed). */
export function unseal(key: Buffer, sealed: Sealed, aad: string): Buffer | null {
  try {
    const iv = Buffer.from(sealed.iv, 'base64')
    const tag = Buffer.from(sealed.tag, 'base64')
    if (iv.length !== 12 || tag.length !== 16) return null
    const decipher = createDecipheriv('aes-256-gcm', key, iv)
    decipher.setAAD(Buffer.from(aad, 'utf8'))
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()])
  } catch {
    return null
  }
}

/** Fresh scrypt parameters (random salt) at the given cost. */
export function newScryptParams(cost: ScryptCost = DEFAULT_SCRYPT_COST): ScryptParams {
  return { name: 'scrypt', ...cost, salt: randomBytes(16).toString('base64') }
}

/** Derives a 32-byte key from a passphrase (in the thread pool, so the event loop keeps running). */
export function deriveKey(passphrase: Secret, params: ScryptParams, what = 'file'): Promise<Buffer> {
  const { N, r, p } = params
  checkScryptCost(params, what)
  // scrypt needs 128·N·r bytes (plus a little): never allow more than the checked cost needs.
  const maxmem = 128 * N * r + 1024 * 1024
  return new Promise((resolve, reject) =>
    scryptCb(
      Buffer.from(passphrase.reveal().normalize('NFC'), 'utf8'),
      Buffer.from(params.salt, 'base64'),
      KEY_BYTES,
      { N, r, p, maxmem },
      (error, key) => (error ? reject(corrupt(what, 'its key-derivation parameters are invalid')) : resolve(key)),
    ),
  )
}

/** A new random 32-byte data key. */
export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES)
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}
