import { createPrivateKey } from 'node:crypto'
import { AppError } from '../../../shared/errors'
import type { Cluster, ClusterPki, ExpiryItem, JoinToken, KeyAlgorithm, PkiInitOptions } from '../../../shared/types'
import type { ClusterRegistry } from '../clusters/cluster-registry'
import type { EventBus } from '../events'
import type { OperationContext } from '../operations/registry'
import { Secret, type Redactor, type Registration } from '../secrets/secret'
import type { KeyValueStore } from '../store/key-value-store'
import type { Vault } from '../vault/vault'
import { BACKDATE_MS, blueprintFor, generateCaSet } from './ca-sets'
import { createCertificate, type ExtKeyUsage, type SubjectSpec } from './certificate-builder'
import { describeCertificate, discoveryHash, k3sTokenCaHash } from './certificate-info'
import { newBootstrapToken } from './join-token'
import { generateKey, privateKeyPem } from './keys'

const RECORDS_KEY = 'clusters'
const DAY_MS = 86_400_000

/** A leaf certificate to issue from one of a cluster's CAs, valid for `days` or (short-lived) `minutes`. */
export type LeafRequest = {
  /** Role of the signing CA, e.g. `cluster-ca`, `etcd-ca`, `client-ca`. */
  caRole: string
  subject: SubjectSpec
  extKeyUsage: ExtKeyUsage[]
  dnsNames?: string[]
  ipAddresses?: string[]
} & ({ days: number; minutes?: undefined } | { minutes: number; days?: undefined })

/** An issued leaf: its certificate, its key (secret, PKCS#8 PEM) and the facts the UI shows. */
export interface IssuedLeaf {
  certPem: string
  keyPem: Secret
  info: ReturnType<typeof describeCertificate>
  caPem: string
  /** The key's registration with the redactor; release it once the key is dropped and its certificate expired. */
  redaction: Registration
}

export interface PkiServiceDeps {
  clusters: ClusterRegistry
  vault: Vault
  store: KeyValueStore
  events: EventBus
  redactor: Redactor
  now?: () => Date
}

/** Vault name of a cluster's key file, e.g. `pki/<id>/etcd/ca.key`. */
export function secretName(clusterId: string, keyFile: string): string {
  return `${secretPrefix(clusterId)}${keyFile}`
}

export function secretPrefix(clusterId: string): string {
  return `pki/${clusterId}/`
}

/**
 * Per cluster: the CA set (certificates in the `pki` store, keys only in the vault), leaf
 * certificates signed offline with those CAs, the discovery hash, join tokens and expiry dates.
 */
export class PkiService {
  readonly #d: PkiServiceDeps

  constructor(deps: PkiServiceDeps) {
    this.#d = deps
  }

  /** The cluster's PKI, or null before `init`. */
  show(clusterId: string): ClusterPki | null {
    this.#d.clusters.get(clusterId)
    return this.#records()[clusterId] ?? null
  }

  /** Every cluster's PKI record (for backups). */
  records(): Record<string, ClusterPki> {
    return this.#records()
  }

  /** Creates the cluster's CA set; PKI_EXISTS if it has one (a CA is never silently replaced). */
  async init(clusterId: string, options: PkiInitOptions, ctx?: OperationContext): Promise<ClusterPki> {
    const cluster = this.#d.clusters.get(clusterId)
    if (this.#records()[clusterId]) {
      throw new AppError(
        'PKI_EXISTS',
        `${cluster.name} already has certificate authorities; they are kept as they are.`,
      )
    }
    const algorithm: KeyAlgorithm = options.algorithm ?? (cluster.flavour === 'k3s' ? 'ECDSA-P256' : 'RSA-2048')
    const now = this.#now()
    ctx?.progress({ step: `Generating ${algorithm} keys`, done: 0, total: 3 })
    const set = await generateCaSet(cluster.flavour, algorithm, now)
    ctx?.throwIfCancelled()
    ctx?.progress({ step: 'Encrypting the keys into the vault', done: 1, total: 3 })
    await this.#d.vault.update((secrets) => {
      for (const ca of set.cas) secrets[secretName(clusterId, ca.blueprint.keyFile)] = ca.keyPem
      secrets[secretName(clusterId, set.serviceAccount.blueprint.keyFile)] = set.serviceAccount.keyPem
    })
    ctx?.progress({ step: 'Saving the certificates', done: 2, total: 3 })
    const blueprint = blueprintFor(cluster.flavour, now)
    const cas = set.cas.map((ca) => describeCertificate(ca.certPem, ca.blueprint.role, ca.blueprint.file))
    const serverCa = cas.find((c) => c.role === blueprint.serverCa)!
    const record: ClusterPki = {
      clusterId,
      flavour: cluster.flavour,
      algorithm,
      createdAt: now.toISOString(),
      cas,
      serviceAccount: {
        file: set.serviceAccount.blueprint.publicFile ?? set.serviceAccount.blueprint.keyFile,
        publicKeyPem: set.serviceAccount.publicKeyPem,
        keyAlgorithm: cluster.flavour === 'k3s' ? 'RSA-2048' : algorithm,
      },
      discoveryHash: discoveryHash(serverCa.pem),
      ...(cluster.flavour === 'k3s' ? { k3sTokenCaHash: k3sTokenCaHash(serverCa.pem) } : {}),
    }
    this.#save({ ...this.#records(), [clusterId]: record }, clusterId)
    ctx?.log(`Created ${cas.length} CAs for ${cluster.name} (${algorithm}); discovery hash ${record.discoveryHash}`)
    return record
  }

  /** Signs a leaf certificate with one of the cluster's CAs; the new key uses the cluster's algorithm. */
  async issue(clusterId: string, request: LeafRequest): Promise<IssuedLeaf> {
    const pki = this.#require(clusterId)
    const ca = pki.cas.find((c) => c.role === request.caRole)
    if (!ca) throw new AppError('INTERNAL', `This cluster has no ${request.caRole}.`)
    const keyFile = blueprintFor(pki.flavour, new Date(pki.createdAt)).cas.find((b) => b.role === ca.role)!.keyFile
    const caKey = await this.#d.vault.get(secretName(clusterId, keyFile))
    if (!caKey) {
      throw new AppError(
        'VAULT_KEY_MISSING',
        `The vault does not hold the ${ca.role} key of this cluster; restore a backup.`,
      )
    }
    const key = await generateKey(pki.algorithm)
    const now = this.#now()
    const certPem = createCertificate({
      subject: request.subject,
      publicKey: key.publicKey,
      signer: { key: createPrivateKey(caKey.reveal()), certPem: ca.pem },
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(
        now.getTime() + (request.days !== undefined ? request.days * DAY_MS : request.minutes * 60_000),
      ),
      isCa: false,
      // kubeadm's leaf profile (pki_helpers.go NewSignedCert): these two plus the ExtKeyUsage.
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: request.extKeyUsage,
      dnsNames: request.dnsNames ?? [],
      ipAddresses: request.ipAddresses ?? [],
    })
    const keyPem = privateKeyPem(key.privateKey)
    const redaction = this.#d.redactor.register(keyPem)
    return {
      certPem,
      keyPem: new Secret(keyPem),
      info: describeCertificate(certPem, 'leaf', ''),
      caPem: ca.pem,
      redaction,
    }
  }

  /** The CA whose certificate kubeconfigs embed and the CA that signs admin client certificates. */
  roles(clusterId: string): { serverCa: string; clientCa: string } {
    const pki = this.#require(clusterId)
    const { serverCa, clientCa } = blueprintFor(pki.flavour, new Date(pki.createdAt))
    return { serverCa, clientCa }
  }

  /** Expiry of every CA of every cluster. */
  caExpiry(clusters: Cluster[]): ExpiryItem[] {
    const records = this.#records()
    const now = this.#now().getTime()
    return clusters.flatMap((cluster) =>
      (records[cluster.id]?.cas ?? []).map((ca) => ({
        clusterId: cluster.id,
        clusterName: cluster.name,
        kind: 'ca' as const,
        name: ca.role,
        serial: ca.serial,
        notAfter: ca.notAfter,
        daysLeft: Math.round((Date.parse(ca.notAfter) - now) / DAY_MS),
      })),
    )
  }

  /** A fresh bootstrap token and the discovery hash for `kubeadm join`. */
  joinToken(clusterId: string): JoinToken {
    const pki = this.#require(clusterId)
    const token = newBootstrapToken()
    this.#d.redactor.register(token)
    return { token, caCertHash: pki.discoveryHash }
  }

  /** Deletes the cluster's PKI record and its keys from the vault. */
  async remove(clusterId: string): Promise<void> {
    const records = this.#records()
    if (!records[clusterId]) return
    await this.#d.vault.update((secrets) => {
      for (const name of Object.keys(secrets)) if (name.startsWith(secretPrefix(clusterId))) delete secrets[name]
    })
    const { [clusterId]: _removed, ...rest } = records
    this.#save(rest, clusterId)
  }

  /** Puts back a record from a backup (its keys are restored into the vault separately). */
  restoreRecord(record: ClusterPki): void {
    this.#save({ ...this.#records(), [record.clusterId]: record }, record.clusterId)
  }

  /** Forgets a record without touching the vault (used when a backup replaces a cluster). */
  dropRecord(clusterId: string): void {
    const { [clusterId]: _dropped, ...rest } = this.#records()
    this.#save(rest, clusterId)
  }

  #require(clusterId: string): ClusterPki {
    const pki = this.show(clusterId)
    if (!pki) {
      const name = this.#d.clusters.get(clusterId).name
      throw new AppError('PKI_NOT_INITIALISED', `${name} has no certificate authorities yet. Create them first.`)
    }
    return pki
  }

  #records(): Record<string, ClusterPki> {
    const raw = this.#d.store.get(RECORDS_KEY)
    return raw && typeof raw === 'object' ? (raw as Record<string, ClusterPki>) : {}
  }

  #save(records: Record<string, ClusterPki>, clusterId: string): void {
    this.#d.store.set(RECORDS_KEY, records)
    this.#d.events.emit('pki:changed', { clusterId })
  }

  #now(): Date {
    return this.#d.now?.() ?? new Date()
  }
}
