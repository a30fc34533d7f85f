import { createHash, X509Certificate } from 'node:crypto'
import type { CertificateInfo } from '../../../shared/types'
import { algorithmOf } from './keys'

/** Public facts about a PEM certificate, read back with Node's X509Certificate (not our builder). */
export function describeCertificate(pem: string, role: string, file: string): CertificateInfo {
  const cert = new X509Certificate(pem)
  return {
    role,
    file,
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    serial: cert.serialNumber.toUpperCase(),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    fingerprintSha256: cert.fingerprint256,
    keyAlgorithm: algorithmOf(cert.publicKey),
    isCa: cert.ca,
    pem,
  }
}

/**
 * kubeadm's `--discovery-token-ca-cert-hash`: SHA-256 over the DER SubjectPublicKeyInfo of the CA
 * (RFC 7469 style), as `sha256:<hex>`. Same bytes as
 * `openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256sum`, for RSA and ECDSA alike.
 */
export function discoveryHash(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' })
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`
}

/**
 * The CA hash in a k3s secure token (`K10<hash>::…`) when custom CA certificates are used:
 * SHA-256 of the root certificate's DER bytes (k3s docs, "Custom CA Certificates").
 */
export function k3sTokenCaHash(rootPem: string): string {
  return createHash('sha256').update(new X509Certificate(rootPem).raw).digest('hex')
}

/** "O=a\nCN=b" (Node's form) → "O=a, CN=b" (one line, like `openssl -nameopt oneline` minus spaces). */
function oneLine(name: string): string {
  return name.split('\n').join(', ')
}
