import { randomBytes } from 'node:crypto'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/**
 * A kubeadm bootstrap token, `[a-z0-9]{6}.[a-z0-9]{16}` (token id . token secret), from the OS
 * CSPRNG. Rejection sampling keeps every character uniform: bytes ≥ 252 (7·36) are dropped rather
 * than folded, which would favour the first characters of the alphabet.
 */
export function newBootstrapToken(): string {
  return `${randomString(6)}.${randomString(16)}`
}

/** The format kubeadm and k3s accept for bootstrap tokens. */
export const BOOTSTRAP_TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/

function randomString(length: number): string {
  let out = ''
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 252 && out.length < length) out += ALPHABET[byte % 36]
    }
  }
  return out
}
