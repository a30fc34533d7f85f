import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path'
import { AppError } from '../../../shared/errors'
import type {
  ExpiryItem,
  IssuedKubeconfig,
  KubeconfigExportRequest,
  KubeconfigExportResult,
} from '../../../shared/types'
import { apiServerUrl, type ClusterRegistry } from '../clusters/cluster-registry'
import type { EventBus } from '../events'
import type { PkiService } from '../pki/pki-service'
import type { Registration, Secret } from '../secrets/secret'
import type { KeyValueStore } from '../store/key-value-store'
import { writeFileAtomic, writeFileExclusive } from '../vault/atomic-file'
import {
  mergeKubeconfig,
  parseKubeconfig,
  singleKubeconfig,
  stringifyKubeconfig,
  type KubeconfigEntry,
} from './kubeconfig-document'

const ISSUED_KEY = 'issued'
const DAY_MS = 86_400_000
/** kubeadm's ClusterAdminsGroupAndClusterRoleBinding: bound to cluster-admin by kubeadm init. */
export const CLUSTER_ADMINS_GROUP = 'kubeadm:cluster-admins'
/** Bypasses RBAC entirely; a client certificate cannot be revoked short of rotating the CA. */
export const BREAK_GLASS_GROUP = 'system:masters'

/** Validity of an in-memory kubeconfig unless the caller asks for less (or, up to a day, more). */
export const MINTED_MINUTES = 60
/** Flotilla acting for itself: the cluster's audit log tells it from a person's exported `flotilla-admin`. */
export const MINTED_USER = 'flotilla-app'
const MAX_MINTED_MINUTES = 24 * 60

export interface MintOptions {
  /** Common name; default MINTED_USER. */
  user?: string
  /** system:masters instead of kubeadm:cluster-admins (required for k3s, as for export). */
  breakGlass?: boolean
  /** Validity, default MINTED_MINUTES. */
  minutes?: number
}

/** A kubeconfig that exists only in this process (see KubeconfigService.mint). */
export interface MintedKubeconfig {
  /** Name of its cluster, user and context: `flotilla-<cluster>`. */
  name: string
  server: string
  /** The CA the API server's certificate must chain to. */
  caPem: string
  certPem: string
  key: Secret
  user: string
  groups: string[]
  serial: string
  notAfter: string
  /** The key's registration with the redactor: release it once the key is dropped and expired. */
  redaction: Registration
}

export interface KubeconfigServiceDeps {
  clusters: ClusterRegistry
  pki: PkiService
  store: KeyValueStore
  events: EventBus
  env?: NodeJS.ProcessEnv
  home?: string
  now?: () => Date
}

/**
 * Admin kubeconfigs minted offline: a client certificate signed by the cluster's CA (nothing is
 * sent to the cluster), written to a new 0600 file or merged into the user's kubeconfig. Every one
 * issued is recorded (serial, subject, expiry) for the expiry dashboard.
 */
export class KubeconfigService {
  readonly #d: KubeconfigServiceDeps

  constructor(deps: KubeconfigServiceDeps) {
    this.#d = deps
  }

  async export(clusterId: string, request: KubeconfigExportRequest): Promise<KubeconfigExportResult> {
    const cluster = this.#d.clusters.get(clusterId)
    const breakGlass = request.breakGlass === true
    requireBreakGlassForK3s(cluster.flavour, breakGlass)
    const target = request.merge ? this.mergeTarget() : this.#resolve(request.out!)
    // Check before minting: a refused export must not leave a record of a certificate never written.
    if (!request.merge && !request.overwrite && existsSync(target)) throw fileExists(target)
    // An admin credential lands only in a folder the user already has (a typo must not create
    // one), unless they asked for it. Merging keeps creating ~/.kube, the standard place.
    if (!request.merge && !request.mkdir && !existsSync(dirname(target))) throw missingFolder(target)
    const existing = request.merge ? this.#readExisting(target) : null

    const { user, groups, leaf, name, server, caPem } = await this.#adminLeaf(clusterId, {
      user: request.user,
      breakGlass,
      validity: { days: request.days ?? 365 },
    })
    const entry: KubeconfigEntry = { name, server, caPem, certPem: leaf.certPem, keyPem: leaf.keyPem.reveal() }

    let backupPath: string | undefined
    let currentContextChanged: boolean
    if (request.merge) {
      const useContext = request.useContext ?? false
      const doc = mergeKubeconfig(existing?.doc ?? {}, entry, useContext)
      currentContextChanged = doc['current-context'] !== existing?.doc['current-context']
      if (existing) backupPath = this.#backup(target, existing.raw)
      this.#write(target, stringifyKubeconfig(doc), true)
    } else {
      currentContextChanged = true
      this.#write(target, stringifyKubeconfig(singleKubeconfig(entry)), request.overwrite === true)
    }

    const issued: IssuedKubeconfig = {
      id: randomUUID(),
      clusterId,
      serial: leaf.info.serial,
      subject: leaf.info.subject,
      user,
      groups,
      breakGlass,
      notBefore: leaf.info.notBefore,
      notAfter: leaf.info.notAfter,
      issuedAt: this.#now().toISOString(),
      destination: request.merge ? 'merge' : 'file',
      path: target,
    }
    this.#d.store.set(ISSUED_KEY, [...this.#all(), issued])
    this.#d.events.emit('pki:changed', { clusterId })
    return {
      path: target,
      context: entry.name,
      ...(backupPath ? { backupPath } : {}),
      currentContextChanged,
      issued,
      warnings: exportWarnings(breakGlass, cluster.flavour === 'k3s'),
    }
  }

  /**
   * An admin (or named-user) kubeconfig for Flotilla's own use, in memory only: nothing is written
   * (no file, no temp file, no record) and the key stays a Secret. Short-lived (default 60 minutes)
   * because it cannot be revoked. Not added to `issued()`: that list tracks credentials that left
   * Flotilla (files a person holds); this one dies with the process within the hour, and one per
   * client would bury those and the expiry dashboard.
   */
  async mint(clusterId: string, options: MintOptions = {}): Promise<MintedKubeconfig> {
    const cluster = this.#d.clusters.get(clusterId)
    const breakGlass = options.breakGlass === true
    requireBreakGlassForK3s(cluster.flavour, breakGlass)
    const minutes = options.minutes ?? MINTED_MINUTES
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MINTED_MINUTES) {
      throw new AppError(
        'INTERNAL',
        `An in-memory kubeconfig is valid 1 to ${MAX_MINTED_MINUTES} minutes, not ${minutes}.`,
      )
    }
    const { user, groups, leaf, name, server, caPem } = await this.#adminLeaf(clusterId, {
      user: options.user ?? MINTED_USER,
      breakGlass,
      validity: { minutes },
    })
    return {
      name,
      server,
      caPem,
      certPem: leaf.certPem,
      key: leaf.keyPem,
      user,
      groups,
      serial: leaf.info.serial,
      notAfter: leaf.info.notAfter,
      redaction: leaf.redaction,
    }
  }

  /** Signs the admin client certificate both kinds of kubeconfig carry, with what goes around it. */
  async #adminLeaf(
    clusterId: string,
    o: { user: string | undefined; breakGlass: boolean; validity: { days: number } | { minutes: number } },
  ) {
    const cluster = this.#d.clusters.get(clusterId)
    const user = o.user ?? (o.breakGlass ? 'flotilla-break-glass' : 'flotilla-admin')
    const groups = [o.breakGlass ? BREAK_GLASS_GROUP : CLUSTER_ADMINS_GROUP]
    const roles = this.#d.pki.roles(clusterId)
    const leaf = await this.#d.pki.issue(clusterId, {
      caRole: roles.clientCa,
      subject: { commonName: user, organizations: groups },
      ...o.validity,
      extKeyUsage: ['clientAuth'],
    })
    const caPem = this.#d.pki.show(clusterId)!.cas.find((c) => c.role === roles.serverCa)!.pem
    return { user, groups, leaf, name: `flotilla-${cluster.name}`, server: apiServerUrl(cluster), caPem }
  }

  /** Issued kubeconfigs, newest first; all clusters with null. */
  issued(clusterId: string | null): IssuedKubeconfig[] {
    if (clusterId !== null) this.#d.clusters.get(clusterId)
    return this.#all()
      .filter((k) => clusterId === null || k.clusterId === clusterId)
      .sort((a, b) => b.issuedAt.localeCompare(a.issuedAt))
  }

  /** Expiry of every issued kubeconfig whose cluster still exists. */
  expiry(): ExpiryItem[] {
    const names = new Map(this.#d.clusters.list().map((c) => [c.id, c.name]))
    const now = this.#now().getTime()
    return this.#all()
      .filter((k) => names.has(k.clusterId))
      .map((k) => ({
        clusterId: k.clusterId,
        clusterName: names.get(k.clusterId)!,
        kind: 'kubeconfig' as const,
        name: k.subject,
        serial: k.serial,
        notAfter: k.notAfter,
        daysLeft: Math.round((Date.parse(k.notAfter) - now) / DAY_MS),
      }))
  }

  /** Replaces the records of a cluster with those from a backup. */
  restoreRecords(clusterId: string, records: IssuedKubeconfig[]): void {
    this.#d.store.set(ISSUED_KEY, [...this.#all().filter((k) => k.clusterId !== clusterId), ...records])
  }

  /** `$KUBECONFIG`'s first file, else `~/.kube/config` (what kubectl writes to). */
  mergeTarget(): string {
    const env = this.#d.env ?? process.env
    const first = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p.trim() !== '')
    const path = first ? this.#resolve(first) : join(this.#home(), '.kube', 'config')
    // Follow a symlinked kubeconfig: replacing the link with a file would surprise its owner.
    return existsSync(path) ? realpathSync(path) : path
  }

  #readExisting(path: string): { raw: Buffer; doc: ReturnType<typeof singleKubeconfig> } | null {
    let raw: Buffer
    try {
      raw = readFileSync(path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw new AppError('STORAGE', `Flotilla could not read ${path}.`)
    }
    const doc = parseKubeconfig(raw.toString('utf8'))
    if (!doc) {
      throw new AppError('KUBECONFIG_INVALID', `${path} is not a kubeconfig Flotilla can read; it was left untouched.`)
    }
    return { raw, doc }
  }

  #backup(path: string, raw: Buffer): string {
    const stamp = this.#now().toISOString().replace(/[:.]/g, '-')
    for (let n = 0; ; n++) {
      const backup = `${path}.flotilla-backup-${stamp}${n ? `-${n}` : ''}`
      try {
        writeFileExclusive(backup, raw)
        return backup
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n > 20) {
          throw new AppError('STORAGE', `Flotilla could not back up ${path}; nothing was changed.`)
        }
      }
    }
  }

  #write(path: string, text: string, replace: boolean): void {
    try {
      if (replace) writeFileAtomic(path, Buffer.from(text, 'utf8'))
      else writeFileExclusive(path, Buffer.from(text, 'utf8'))
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST') throw fileExists(path)
      throw new AppError('STORAGE', `Flotilla could not write ${path} (${code ?? 'error'}).`)
    }
  }

  #resolve(path: string): string {
    if (path === '~' || path.startsWith('~/')) return join(this.#home(), path.slice(1))
    return isAbsolute(path) ? path : resolve(path)
  }

  #home(): string {
    return this.#d.home ?? homedir()
  }

  #all(): IssuedKubeconfig[] {
    const raw = this.#d.store.get(ISSUED_KEY)
    return Array.isArray(raw) ? (raw as IssuedKubeconfig[]) : []
  }

  #now(): Date {
    return this.#d.now?.() ?? new Date()
  }
}

/** k3s binds no kubeadm:cluster-admins group: its only admin credential is break-glass. */
function requireBreakGlassForK3s(flavour: string, breakGlass: boolean): void {
  if (flavour === 'k3s' && !breakGlass) {
    throw new AppError(
      'INVALID_INPUT',
      'k3s has no kubeadm:cluster-admins binding, so an admin kubeconfig for k3s must be a break-glass (system:masters) credential. Confirm break-glass to mint one.',
      { fields: { breakGlass: 'Required for k3s.' } },
    )
  }
}

function fileExists(path: string): AppError {
  return new AppError(
    'FILE_EXISTS',
    `${path} already exists and was not replaced. Choose another file or allow replacing it.`,
    {
      fields: { out: 'Already exists.' },
    },
  )
}

function missingFolder(path: string): AppError {
  return new AppError(
    'INVALID_INPUT',
    `The folder ${dirname(path)} does not exist, so ${path} was not written. Check the path, or allow creating the folder (CLI: --mkdir).`,
    { fields: { out: 'Its folder does not exist.' } },
  )
}

/** What the user must read before handing the file around. */
export function exportWarnings(breakGlass: boolean, k3s: boolean): string[] {
  const warnings = ['Anyone with a copy of this kubeconfig is a cluster admin until it expires: keep it private.']
  if (breakGlass) {
    warnings.push(
      `Break-glass credential (${BREAK_GLASS_GROUP}): it bypasses RBAC and cannot be revoked without replacing the cluster CA.${k3s ? ' k3s has no narrower admin group.' : ''}`,
    )
  }
  return warnings
}
