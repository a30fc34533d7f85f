import type { ClusterFlavour } from './cluster'

/** Key algorithms kubeadm v1beta4 accepts (`encryptionAlgorithm`); never Ed25519 (kubeadm rejects it). */
export const KEY_ALGORITHMS = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256'] as const
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number]

/** One certificate as the UI shows it: public facts only. */
export interface CertificateInfo {
  /** Role in the CA set, e.g. `cluster-ca`, `etcd-ca`, `server-ca`. */
  role: string
  /** Path relative to the node's certificate directory, e.g. `etcd/ca.crt`. */
  file: string
  /** Distinguished name in OpenSSL's one-line form, e.g. `CN=kubernetes`. */
  subject: string
  issuer: string
  /** Hex, upper case, as `openssl x509 -serial` prints it. */
  serial: string
  /** ISO timestamps. */
  notBefore: string
  notAfter: string
  /** SHA-256 of the DER certificate, colon-separated hex (as browsers and openssl show it). */
  fingerprintSha256: string
  keyAlgorithm: KeyAlgorithm
  isCa: boolean
  /** The certificate itself (PEM). Public. */
  pem: string
}

/** A cluster's certificate authorities and service-account key, as held on this computer. */
export interface ClusterPki {
  clusterId: string
  flavour: ClusterFlavour
  algorithm: KeyAlgorithm
  /** ISO timestamp. */
  createdAt: string
  cas: CertificateInfo[]
  /** The service-account signing key's public half (`sa.pub` / derived from `service.key`). */
  serviceAccount: { file: string; publicKeyPem: string; keyAlgorithm: KeyAlgorithm }
  /** kubeadm: `--discovery-token-ca-cert-hash` value, `sha256:<hex of the CA's SPKI>` (k3s: of server-ca). */
  discoveryHash: string
  /** k3s only: the CA hash of a secure token (`K10<hash>::…`), SHA-256 of server-ca's DER. */
  k3sTokenCaHash?: string
}

/** Something with an expiry date, for the expiry dashboard. */
export interface ExpiryItem {
  clusterId: string
  clusterName: string
  kind: 'ca' | 'kubeconfig'
  /** CA role or kubeconfig subject. */
  name: string
  serial: string
  notAfter: string
  /** Days left, rounded (negative once expired). */
  daysLeft: number
}

/** A kubeadm join credential: bootstrap token and the CA hash to pin. */
export interface JoinToken {
  /** `[a-z0-9]{6}.[a-z0-9]{16}`; a secret — show it once, never log it. */
  token: string
  caCertHash: string
}

/** Options for creating a cluster's PKI. */
export interface PkiInitOptions {
  /** Default: RSA-2048 for kubeadm (its default), ECDSA-P256 for k3s (what k3s generates itself). */
  algorithm?: KeyAlgorithm
}

/** A kubeconfig Flotilla issued: recorded so the expiry dashboard can warn before it lapses. */
export interface IssuedKubeconfig {
  id: string
  clusterId: string
  /** Hex serial of the client certificate. */
  serial: string
  /** e.g. `O=kubeadm:cluster-admins, CN=flotilla-admin`. */
  subject: string
  user: string
  groups: string[]
  breakGlass: boolean
  notBefore: string
  notAfter: string
  issuedAt: string
  destination: 'file' | 'merge'
  /** The file written or merged into. */
  path: string
}

/** How to export an admin kubeconfig. */
export interface KubeconfigExportRequest {
  /** Write a new file here (never overwrites unless `overwrite`). Exclusive with `merge`. */
  out?: string
  /** Merge into `$KUBECONFIG`'s first file or `~/.kube/config` (backed up first). */
  merge?: boolean
  /** Validity in days (default 365). */
  days?: number
  /** Client certificate CN (default `flotilla-admin`). */
  user?: string
  /** Mint an O=system:masters credential that bypasses RBAC. Required on k3s (no kubeadm group there). */
  breakGlass?: boolean
  /** Replace an existing `out` file (explicitly). */
  overwrite?: boolean
  /** Switch the current context to the new one (default: true for a new file, false for a merge). */
  useContext?: boolean
  /** Create `out`'s missing parent folders (mode 0700); without it a missing folder is refused. */
  mkdir?: boolean
}

/** What an export did. */
export interface KubeconfigExportResult {
  path: string
  context: string
  /** Copy of the previous kubeconfig when merging into an existing file. */
  backupPath?: string
  currentContextChanged: boolean
  issued: IssuedKubeconfig
  /** Sentences to show: break-glass, "a copy grants admin". */
  warnings: string[]
}
