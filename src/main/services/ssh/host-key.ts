import { createHash } from 'node:crypto'
import type { PinnedHostKey } from '../../../shared/types'

export type { PinnedHostKey }

/** OpenSSH's SHA256 fingerprint of a key blob: sha256, base64, padding stripped. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

/** The key type named at the start of an SSH wire-format key blob (RFC 4253 §6.6). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown'
  const length = blob.readUInt32BE(0)
  if (length === 0 || length > 64 || blob.length < 4 + length) return 'unknown'
  return blob.subarray(4, 4 + length).toString('latin1')
}

/** Same key? Compared on the blob, never on a fingerprint string. */
export function sameKey(pinned: Pick<PinnedHostKey, 'blob'>, blob: Buffer): boolean {
  return Buffer.from(pinned.blob, 'base64').equals(blob)
}

export function pinnedFrom(blob: Buffer, source: PinnedHostKey['source'], now = new Date()): PinnedHostKey {
  return {
    type: keyTypeOf(blob),
    fingerprint: fingerprintOf(blob),
    blob: blob.toString('base64'),
    trustedAt: now.toISOString(),
    source,
  }
}
