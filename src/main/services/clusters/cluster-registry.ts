import { clusterSpecSchema, SPEC_API_VERSION, SPEC_KIND, type ClusterSpecDocument } from '../../../shared/cluster-spec'
import { AppError } from '../../../shared/errors'
import { parseEndpoint } from '../../../shared/channels/clusters'
import type {
  ClusterBuild,
  Cluster,
  ClusterImportOptions,
  ClusterInput,
  ClusterSpecSaved,
  ClusterSpecView,
  Host,
  SpecRole,
} from '../../../shared/types'
import type { EventBus } from '../events'
import type { KeyValueStore } from '../store/key-value-store'
import { watchFile, type WatchFileOptions } from '../store/watch-file'
import { withFileLock } from '../vault/file-lock'
import {
  CLUSTERS_KEY,
  CLUSTERS_SCHEMA_VERSION,
  formatEndpoint,
  MIGRATED_KUBERNETES_VERSION,
  migrateClusters,
  SCHEMA_KEY,
} from './cluster-records'
import { hostName, resolveHostRef } from './host-ref'
import { readSpecObject, readSpecYaml } from './spec-yaml'

export interface ClusterRegistryOptions {
  /** The inventory, to resolve an haproxy endpoint's host and set-role's host. */
  hosts?: () => readonly Host[]
  now?: () => Date
  newId?: () => string
}

/**
 * The cluster records: each holds its spec (the flotilla/v1alpha1 document), a revision, and the
 * fields the PKI and kubeconfigs hang off (id, name, flavour, endpoint), derived from the spec on
 * every save. The CLI and a running app share the file, so every write is a read-modify-write
 * under a cross-process lock; an edit of a spec read earlier names the revision it read and gets
 * CONFLICT when someone saved since; a running app watches the file (`watch`) to learn of saves
 * made elsewhere. Inputs arrive validated by the contract schemas.
 */
export class ClusterRegistry {
  readonly #hosts: () => readonly Host[]
  readonly #now: () => Date
  readonly #newId: () => string
  /** The records as this process last saw or wrote them (JSON), to tell outside changes. */
  #seen: string | undefined

  constructor(
    private readonly store: KeyValueStore,
    private readonly events: EventBus,
    options: ClusterRegistryOptions = {},
  ) {
    this.#hosts = options.hosts ?? (() => [])
    this.#now = options.now ?? (() => new Date())
    this.#newId = options.newId ?? (() => globalThis.crypto.randomUUID())
  }

  /** Every record in the current schema (older files are migrated in memory; the next write saves it). */
  list(): Cluster[] {
    return migrateClusters(this.store.get(SCHEMA_KEY), this.store.get(CLUSTERS_KEY))
  }

  /** The cluster with this id; CLUSTER_NOT_FOUND otherwise. */
  get(id: string): Cluster {
    const cluster = this.list().find((c) => c.id === id)
    if (!cluster) throw notFound(id)
    return cluster
  }

  /** The cluster with this id or name (for the CLI), or undefined. */
  find(ref: string): Cluster | undefined {
    const clusters = this.list()
    return clusters.find((c) => c.id === ref) ?? clusters.find((c) => c.name === ref.trim().toLowerCase())
  }

  spec(id: string): ClusterSpecView {
    const { spec, revision } = this.get(id)
    return { id, spec, revision }
  }

  /** A record from name, flavour and endpoint: a spec with that address endpoint and no nodes. */
  async create(input: ClusterInput): Promise<Cluster> {
    const endpoint = parseEndpoint(input.endpoint)
    if (!endpoint)
      throw new AppError('INVALID_INPUT', 'That endpoint is not valid.', { fields: { endpoint: 'Invalid.' } })
    const spec = clusterSpecSchema.parse({
      apiVersion: SPEC_API_VERSION,
      kind: SPEC_KIND,
      metadata: { name: input.name },
      spec: {
        flavour: input.flavour,
        kubernetesVersion: MIGRATED_KUBERNETES_VERSION,
        endpoint: { address: formatEndpoint(endpoint.host, endpoint.port) },
      },
    })
    return this.#update((clusters) => {
      if (clusters.some((c) => c.name === spec.metadata.name)) {
        throw new AppError('CLUSTER_EXISTS', `A cluster named "${spec.metadata.name}" already exists.`, {
          fields: { name: 'Already used by another cluster.' },
        })
      }
      const cluster = this.#record(spec, { id: this.#newId(), createdAt: this.#now().toISOString(), revision: 1 })
      return { clusters: [...clusters, cluster], result: cluster }
    })
  }

  /**
   * Creates or updates (by metadata.name) a cluster from a spec: YAML text (problems with lines)
   * or the object. An unchanged spec writes nothing. With `expectedRevision`, a cluster saved
   * since (or removed) is a CONFLICT and nothing changes.
   */
  async import(
    source: string | Record<string, unknown>,
    options: ClusterImportOptions = {},
  ): Promise<ClusterSpecSaved> {
    const spec =
      typeof source === 'string'
        ? readSpecYaml(source, options.fileName ?? 'the spec')
        : readSpecObject(source, options.fileName ?? 'the spec')
    return this.#update((clusters) => {
      const index = clusters.findIndex((c) => c.name === spec.metadata.name)
      const current = clusters[index]
      if (options.expectedRevision !== undefined) checkRevision(spec.metadata.name, current, options.expectedRevision)
      if (!current) {
        const cluster = this.#record(spec, { id: this.#newId(), createdAt: this.#now().toISOString(), revision: 1 })
        return { clusters: [...clusters, cluster], result: saved(cluster, true, true) }
      }
      return this.#edit(clusters, index, spec)
    })
  }

  /**
   * Gives a host exactly one role (replacing the roles its node had: `set-role attic-pi worker`
   * makes it a worker only; a node with several roles comes from a file or the UI), or removes
   * its node with 'none'. The host must be in the inventory, except to remove a node that names a
   * host the inventory no longer has. A node matches when it names the same inventory host by
   * any of its names (label, address, id).
   */
  async setRole(id: string, hostRef: string, role: SpecRole): Promise<ClusterSpecSaved> {
    return this.#update((clusters) => {
      const index = clusters.findIndex((c) => c.id === id)
      const cluster = clusters[index]
      if (!cluster) throw notFound(id)
      const next = nodesWithRole(cluster.spec.spec.nodes, hostRef, role, this.#hosts())
      const spec = { ...cluster.spec, spec: { ...cluster.spec.spec, nodes: next } }
      return this.#edit(clusters, index, spec)
    })
  }

  /** Adds a record as it came from a backup (same id), replacing one with the same id or name. */
  async restore(cluster: Cluster): Promise<void> {
    // A backup from before the spec holds version-1 records: migrate it like the file.
    const [incoming] = migrateClusters(undefined, [cluster])
    await this.#update((clusters) => {
      const replaced = clusters.filter((c) => c.id === incoming!.id || c.name === incoming!.name)
      // Later than anything an editor may have read, so a stale edit gets CONFLICT.
      const revision = Math.max(incoming!.revision, ...replaced.map((c) => c.revision + 1))
      const others = clusters.filter((c) => !replaced.includes(c))
      return { clusters: [...others, { ...incoming!, revision }], result: undefined }
    })
  }

  /** Records what apply built (or is building); the spec is unchanged. */
  async recordBuild(id: string, build: ClusterBuild): Promise<Cluster> {
    return this.#update((clusters) => {
      const index = clusters.findIndex((c) => c.id === id)
      if (index < 0) throw notFound(id)
      const cluster: Cluster = {
        ...clusters[index]!,
        build,
        revision: clusters[index]!.revision + 1,
        updatedAt: this.#now().toISOString(),
      }
      return { clusters: clusters.map((c, i) => (i === index ? cluster : c)), result: cluster }
    })
  }

  async remove(id: string): Promise<void> {
    await this.#update((clusters) => {
      if (!clusters.some((c) => c.id === id)) throw notFound(id)
      return { clusters: clusters.filter((c) => c.id !== id), result: undefined }
    })
  }

  /**
   * Emits 'clusters:changed' when another process (the CLI) changes the records. Returns the
   * function that stops watching.
   */
  watch(options: WatchFileOptions & { onChecked?: () => void } = {}): () => void {
    this.#seen ??= this.#snapshot()
    const check = () => {
      let clusters: Cluster[]
      try {
        clusters = this.list()
      } catch {
        // Half-edited by hand or from a newer Flotilla: the next change tells again.
        return
      }
      const now = JSON.stringify(clusters)
      if (now === this.#seen) return
      this.#seen = now
      this.events.emit('clusters:changed', { clusters })
    }
    return watchFile(
      this.store.path,
      () => {
        check()
        // Tests: lets them wait until the watcher has looked, instead of sleeping.
        options.onChecked?.()
      },
      options,
    )
  }

  /** Replaces record `index` with `spec`, one revision later; nothing when the spec is the same. */
  #edit(
    clusters: Cluster[],
    index: number,
    spec: ClusterSpecDocument,
  ): { clusters?: Cluster[]; result: ClusterSpecSaved } {
    const current = clusters[index]!
    if (JSON.stringify(spec) === JSON.stringify(current.spec)) return { result: saved(current, false, false) }
    const cluster = this.#record(spec, { ...current, revision: current.revision + 1 })
    if (current.build) cluster.build = current.build
    return { clusters: clusters.map((c, i) => (i === index ? cluster : c)), result: saved(cluster, false, true) }
  }

  /** The record for `spec`: name, flavour and endpoint derived from it. */
  #record(spec: ClusterSpecDocument, base: Pick<Cluster, 'id' | 'createdAt' | 'revision'>): Cluster {
    const endpoint = this.#endpoint(spec)
    return {
      id: base.id,
      name: spec.metadata.name,
      flavour: spec.spec.flavour,
      endpointHost: endpoint.host,
      endpointPort: endpoint.port,
      createdAt: base.createdAt,
      spec,
      revision: base.revision,
      updatedAt: this.#now().toISOString(),
    }
  }

  /** The API endpoint's host and port: the address given, or the HAProxy host's inventory address. */
  #endpoint(spec: ClusterSpecDocument): { host: string; port: number } {
    const { haproxy, address } = spec.spec.endpoint
    if (haproxy) {
      const matches = resolveHostRef(haproxy.host, this.#hosts())
      if (matches.length > 1) throw ambiguous(haproxy.host, matches, 'spec.endpoint.haproxy.host')
      if (!matches[0]) {
        const message = `The endpoint's HAProxy host "${haproxy.host}" is not in the inventory. Add it first (flotilla hosts add <address> --label ${haproxy.host} --user <user>), or give an address endpoint; nothing was saved.`
        throw new AppError('INVALID_INPUT', message, {
          problems: [{ path: 'spec.endpoint.haproxy.host', message }],
        })
      }
      return { host: matches[0].address, port: haproxy.port }
    }
    // The schema accepted it, so it parses.
    return parseEndpoint(address!)!
  }

  /**
   * Read-modify-write under the cross-process lock: `change` sees the records as they are now
   * (not as this process last read them) and returns the new list (none: nothing to write).
   */
  async #update<T>(change: (clusters: Cluster[]) => { clusters?: Cluster[]; result: T }): Promise<T> {
    return withFileLock(
      `${this.store.path}.lock`,
      async () => {
        const { clusters, result } = change(this.list())
        if (clusters) this.#save(clusters)
        return result
      },
      { what: 'the cluster records' },
    )
  }

  #save(clusters: Cluster[]): void {
    // Records first: a reader between the two writes migrates per record, which is a no-op here.
    this.store.set(CLUSTERS_KEY, clusters)
    if (this.store.get(SCHEMA_KEY) !== CLUSTERS_SCHEMA_VERSION) this.store.set(SCHEMA_KEY, CLUSTERS_SCHEMA_VERSION)
    this.#seen = JSON.stringify(clusters)
    this.events.emit('clusters:changed', { clusters })
  }

  #snapshot(): string | undefined {
    try {
      return JSON.stringify(this.list())
    } catch {
      return undefined
    }
  }
}

/**
 * The spec's nodes after giving `hostRef` exactly `role` (setRole's edit, also used to judge a move
 * before it is made: design-check.ts). A node matches when it names the same inventory host by any
 * of its names; a host the inventory lacks can only be taken out.
 */
export function nodesWithRole(
  nodes: ClusterSpecDocument['spec']['nodes'],
  hostRef: string,
  role: SpecRole,
  hosts: readonly Host[],
): ClusterSpecDocument['spec']['nodes'] {
  const matches = resolveHostRef(hostRef, hosts)
  if (matches.length > 1) throw ambiguous(hostRef, matches)
  const target = matches[0]
  const sameHost = (ref: string) =>
    target
      ? resolveHostRef(ref, hosts).some((h) => h.id === target.id)
      : ref.trim().toLowerCase() === hostRef.trim().toLowerCase()
  const at = nodes.findIndex((n) => sameHost(n.host))
  if (role === 'none') return at >= 0 ? nodes.filter((_, i) => i !== at) : nodes
  if (at >= 0) return nodes.map((n, i) => (i === at ? { ...n, roles: [role] } : n))
  if (!target) {
    throw new AppError(
      'HOST_NOT_FOUND',
      `"${hostRef}" is not in the inventory. Add it first (flotilla hosts add <address> --label ${hostRef} --user <user>), then give it a role.`,
    )
  }
  return [...nodes, { host: hostName(target), roles: [role] }]
}

/** `https://host:port` for a cluster's API (IPv6 in brackets). */
export function apiServerUrl(cluster: Pick<Cluster, 'endpointHost' | 'endpointPort'>): string {
  const host = cluster.endpointHost.includes(':') ? `[${cluster.endpointHost}]` : cluster.endpointHost
  return `https://${host}:${cluster.endpointPort}`
}

function saved(cluster: Cluster, created: boolean, changed: boolean): ClusterSpecSaved {
  return { id: cluster.id, spec: cluster.spec, revision: cluster.revision, created, changed }
}

function checkRevision(name: string, current: Cluster | undefined, expected: number): void {
  if (!current) {
    throw new AppError('CONFLICT', `${name} was removed since you read it; nothing was saved.`, { revision: null })
  }
  if (current.revision !== expected) {
    throw new AppError(
      'CONFLICT',
      `${name} was changed elsewhere since you read it (you read revision ${expected}, it is now at ${current.revision}); nothing was saved. Read it again (flotilla clusters export ${name}) and redo your change.`,
      { revision: current.revision },
    )
  }
}

function ambiguous(ref: string, matches: Host[], path?: string): AppError {
  const names = matches.map((h) => `${hostName(h)} (id ${h.id})`).join(', ')
  const message = `"${ref}" names several hosts: ${names}. Use a label or id that names one.`
  return new AppError('INVALID_INPUT', message, path ? { problems: [{ path, message }] } : undefined)
}

function notFound(ref: string): AppError {
  return new AppError('CLUSTER_NOT_FOUND', `No cluster "${ref.slice(0, 64)}" (it may have been removed).`)
}
