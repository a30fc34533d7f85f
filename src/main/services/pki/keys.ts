import { generateKeyPair, type KeyObject } from 'node:crypto'
import { AppError } from '../../../shared/errors'
import type { KeyAlgorithm } from '../../../shared/types'

export interface KeyPair {
  privateKey: KeyObject
  publicKey: KeyObject
}

/**
 * A new key pair from Node's native crypto (OpenSSL), generated in libuv's thread pool: several
 * run in parallel and the event loop stays free. Ed25519 is deliberately absent — kubeadm only
 * loads RSA or ECDSA keys.
 */
export function generateKey(algorithm: KeyAlgorithm): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: KeyObject, privateKey: KeyObject) =>
      error ? reject(error) : resolve({ publicKey, privateKey })
    if (algorithm === 'ECDSA-P256') generateKeyPair('ec', { namedCurve: 'prime256v1' }, done)
    else generateKeyPair('rsa', { modulusLength: rsaBits(algorithm), publicExponent: 0x10001 }, done)
  })
}

function rsaBits(algorithm: KeyAlgorithm): number {
  return Number(algorithm.slice('RSA-'.length))
}

/** The kubeadm algorithm name of a key; INTERNAL for anything Flotilla would not have made. */
export function algorithmOf(key: KeyObject): KeyAlgorithm {
  const details = key.asymmetricKeyDetails ?? {}
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'ECDSA-P256'
  if (key.asymmetricKeyType === 'rsa' && [2048, 3072, 4096].includes(details.modulusLength ?? 0)) {
    return `RSA-${details.modulusLength}` as KeyAlgorithm
  }
  throw new AppError('INTERNAL', 'A key has a type Flotilla does not use (only RSA and ECDSA P-256).')
}

/** PKCS#8 PEM: what the vault stores; kubeadm, k3s, etcd and openssl all read it. */
export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string
}

/** SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), the format of kubeadm's sa.pub. */
export function publicKeyPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }) as string
}
