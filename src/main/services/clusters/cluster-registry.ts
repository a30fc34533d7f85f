import { AppError } from '../../../shared/errors'
import { parseEndpoint } from '../../../shared/channels/clusters'
import type { Cluster, ClusterInput } from '../../../shared/types'
import type { EventBus } from '../events'
import type { KeyValueStore } from '../store/key-value-store'

const CLUSTERS_KEY = 'clusters'

/**
 * The cluster records: name, flavour and control-plane endpoint. Small on purpose: the PKI and
 * kubeconfigs hang off a cluster id; the cluster designer extends the record later. Inputs arrive
 * validated by the contract schemas; this service owns ids, name uniqueness and persistence.
 */
export class ClusterRegistry {
  constructor(
    private readonly store: KeyValueStore,
    private readonly events: EventBus,
    private readonly now: () => Date = () => new Date(),
    private readonly newId: () => string = () => globalThis.crypto.randomUUID(),
  ) {}

  list(): Cluster[] {
    const raw = this.store.get(CLUSTERS_KEY)
    return Array.isArray(raw) ? (raw as Cluster[]) : []
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

  create(input: ClusterInput): Cluster {
    const clusters = this.list()
    const endpoint = parseEndpoint(input.endpoint)
    if (!endpoint)
      throw new AppError('INVALID_INPUT', 'That endpoint is not valid.', { fields: { endpoint: 'Invalid.' } })
    if (clusters.some((c) => c.name === input.name)) {
      throw new AppError('CLUSTER_EXISTS', `A cluster named "${input.name}" already exists.`, {
        fields: { name: 'Already used by another cluster.' },
      })
    }
    const cluster: Cluster = {
      id: this.newId(),
      name: input.name,
      flavour: input.flavour,
      endpointHost: endpoint.host,
      endpointPort: endpoint.port,
      createdAt: this.now().toISOString(),
    }
    this.#save([...clusters, cluster])
    return cluster
  }

  /** Adds a record as it came from a backup (same id), replacing one with the same id or name. */
  restore(cluster: Cluster): void {
    const others = this.list().filter((c) => c.id !== cluster.id && c.name !== cluster.name)
    this.#save([...others, cluster])
  }

  remove(id: string): void {
    const clusters = this.list()
    if (!clusters.some((c) => c.id === id)) throw notFound(id)
    this.#save(clusters.filter((c) => c.id !== id))
  }

  #save(clusters: Cluster[]): void {
    this.store.set(CLUSTERS_KEY, clusters)
    this.events.emit('clusters:changed', { clusters })
  }
}

/** `https://host:port` for a cluster's API (IPv6 in brackets). */
export function apiServerUrl(cluster: Pick<Cluster, 'endpointHost' | 'endpointPort'>): string {
  const host = cluster.endpointHost.includes(':') ? `[${cluster.endpointHost}]` : cluster.endpointHost
  return `https://${host}:${cluster.endpointPort}`
}

function notFound(ref: string): AppError {
  return new AppError('CLUSTER_NOT_FOUND', `No cluster "${ref.slice(0, 64)}" (it may have been removed).`)
}
