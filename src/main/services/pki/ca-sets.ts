import type { ClusterFlavour, KeyAlgorithm } from '../../../shared/types'
import { createCertificate } from './certificate-builder'
import { generateKey, privateKeyPem, publicKeyPem, type KeyPair } from './keys'

/**
 * The CA sets kubeadm and k3s expect, file for file (domain.md §1, §7).
 *
 * kubeadm (`/etc/kubernetes/pki`): ca, etcd/ca, front-proxy-ca with the CNs kubeadm gives them, and
 * the service-account pair sa.key/sa.pub. k3s (`/var/lib/rancher/k3s/server/tls`, custom CA
 * support): server-ca, client-ca, request-header-ca, etcd/server-ca, etcd/peer-ca named the way
 * k3s names the CAs it generates itself (`k3s-server-ca@<unix time>` …), and service.key.
 */
export interface CaBlueprint {
  role: string
  /** Certificate path relative to the certificate directory. */
  file: string
  keyFile: string
  commonName: string
  /** kubeadm puts the CN in a DNS SAN of its CAs; k3s does not (its CNs contain "@"). */
  dnsSan: boolean
}

export interface ServiceAccountBlueprint {
  keyFile: string
  /** kubeadm ships the public half as a file; k3s derives it from service.key. */
  publicFile: string | null
}

export interface FlavourBlueprint {
  cas: CaBlueprint[]
  serviceAccount: ServiceAccountBlueprint
  /** CA that signs admin client certificates (and whose hash joining nodes pin). */
  clientCa: string
  /** CA whose certificate kubeconfigs embed to verify the API server. */
  serverCa: string
}

/** kubeadm: CA notBefore backdated 5 minutes. We backdate every certificate by an hour: a Pi has
 * no RTC and boots with the time fake-hwclock saved at shutdown until NTP answers, and a
 * certificate "not yet valid" there fails in confusing ways. An earlier notBefore costs nothing. */
export const BACKDATE_MS = 60 * 60_000
/** kubeadm's `caCertificateValidityPeriod` default, 87600h; k3s also makes 10-year CAs. */
export const CA_VALIDITY_DAYS = 3650
const DAY_MS = 86_400_000

export function blueprintFor(flavour: ClusterFlavour, now: Date): FlavourBlueprint {
  if (flavour === 'kubeadm') {
    return {
      cas: [
        { role: 'cluster-ca', file: 'ca.crt', keyFile: 'ca.key', commonName: 'kubernetes', dnsSan: true },
        { role: 'etcd-ca', file: 'etcd/ca.crt', keyFile: 'etcd/ca.key', commonName: 'etcd-ca', dnsSan: true },
        {
          role: 'front-proxy-ca',
          file: 'front-proxy-ca.crt',
          keyFile: 'front-proxy-ca.key',
          commonName: 'front-proxy-ca',
          dnsSan: true,
        },
      ],
      serviceAccount: { keyFile: 'sa.key', publicFile: 'sa.pub' },
      clientCa: 'cluster-ca',
      serverCa: 'cluster-ca',
    }
  }
  const at = Math.floor(now.getTime() / 1000)
  const ca = (role: string, file: string, cn: string): CaBlueprint => ({
    role,
    file: `${file}.crt`,
    keyFile: `${file}.key`,
    commonName: `${cn}@${at}`,
    dnsSan: false,
  })
  return {
    cas: [
      ca('server-ca', 'server-ca', 'k3s-server-ca'),
      ca('client-ca', 'client-ca', 'k3s-client-ca'),
      ca('request-header-ca', 'request-header-ca', 'k3s-request-header-ca'),
      ca('etcd-server-ca', 'etcd/server-ca', 'etcd-server-ca'),
      ca('etcd-peer-ca', 'etcd/peer-ca', 'etcd-peer-ca'),
    ],
    serviceAccount: { keyFile: 'service.key', publicFile: null },
    clientCa: 'client-ca',
    serverCa: 'server-ca',
  }
}

/** A generated CA: certificate (public) and key (secret, PKCS#8 PEM). */
export interface GeneratedCa {
  blueprint: CaBlueprint
  certPem: string
  keyPem: string
}

export interface GeneratedCaSet {
  cas: GeneratedCa[]
  serviceAccount: { blueprint: ServiceAccountBlueprint; keyPem: string; publicKeyPem: string }
}

/**
 * Generates a flavour's whole CA set: all keys at once in the thread pool, then one self-signed
 * certificate per CA with kubeadm's profile — CA:TRUE (critical), keyUsage digitalSignature +
 * keyEncipherment + keyCertSign (critical), SubjectKeyIdentifier, DNS SAN = CN, 10 years.
 */
export async function generateCaSet(
  flavour: ClusterFlavour,
  algorithm: KeyAlgorithm,
  now: Date,
): Promise<GeneratedCaSet> {
  const blueprint = blueprintFor(flavour, now)
  // k3s's own generator always makes an RSA-2048 service key; kubeadm follows encryptionAlgorithm.
  const saAlgorithm: KeyAlgorithm = flavour === 'k3s' ? 'RSA-2048' : algorithm
  const [sa, ...caKeys] = await Promise.all([
    generateKey(saAlgorithm),
    ...blueprint.cas.map(() => generateKey(algorithm)),
  ])
  const cas = blueprint.cas.map((ca, i) => ({
    blueprint: ca,
    certPem: selfSignedCa(ca, caKeys[i]!, now),
    keyPem: privateKeyPem(caKeys[i]!.privateKey),
  }))
  return {
    cas,
    serviceAccount: {
      blueprint: blueprint.serviceAccount,
      keyPem: privateKeyPem(sa!.privateKey),
      publicKeyPem: publicKeyPem(sa!.publicKey),
    },
  }
}

function selfSignedCa(ca: CaBlueprint, key: KeyPair, now: Date): string {
  return createCertificate({
    subject: { commonName: ca.commonName },
    publicKey: key.publicKey,
    signer: { key: key.privateKey },
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    isCa: true,
    keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
    dnsNames: ca.dnsSan ? [ca.commonName] : [],
  })
}
