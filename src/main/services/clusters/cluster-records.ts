/**
 * The stored form of the cluster records (clusters.json): which schema version the file holds and
 * the migrations from older ones. A migration is a pure function of what was read, idempotent
 * (running it on migrated records changes nothing), so a reader may apply it in memory and the
 * next write persists it; a crash between writing the records and the version marker is harmless.
 */
import { clusterSpecSchema, SPEC_API_VERSION, SPEC_KIND } from '../../../shared/cluster-spec'
import { AppError } from '../../../shared/errors'
import type { Cluster } from '../../../shared/types'

/** The keys in the store file. `clusters` keeps its name and array shape from version 1. */
export const CLUSTERS_KEY = 'clusters'
export const SCHEMA_KEY = 'schemaVersion'

/**
 * 1: name, flavour, endpoint (no key in the file: version 1 wrote no marker).
 * 2: every record holds its spec, a revision and updatedAt.
 */
export const CLUSTERS_SCHEMA_VERSION = 2

/**
 * The Kubernetes minor a version-1 record gets. Those records were made before Flotilla installed
 * anything (the engine comes after the spec), so no running cluster can contradict it; 1.32 is the
 * minor Flotilla's recipes and documentation target. It is a plain spec field: `flotilla clusters
 * import` changes it before the first plan.
 */
export const MIGRATED_KUBERNETES_VERSION = '1.32'

/** The records as the current schema has them, whatever version the file holds. */
export function migrateClusters(version: unknown, raw: unknown): Cluster[] {
  const from = version === undefined ? 1 : version
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 1) {
    throw new AppError('STORAGE', 'The cluster records file has a schema version Flotilla does not understand.')
  }
  if (from > CLUSTERS_SCHEMA_VERSION) {
    throw new AppError(
      'STORAGE',
      `The cluster records were written by a newer Flotilla (schema ${from}; this one knows up to ${CLUSTERS_SCHEMA_VERSION}). Update Flotilla to use them; nothing was changed.`,
    )
  }
  const records = Array.isArray(raw) ? (raw as Record<string, unknown>[]) : []
  // Per record, not per file: a file whose version marker lags its records (crash between the
  // two writes) migrates only what still needs it.
  return records.map((record) => (isV2(record) ? (record as unknown as Cluster) : fromV1(record as unknown as V1)))
}

interface V1 {
  id: string
  name: string
  flavour: Cluster['flavour']
  endpointHost: string
  endpointPort: number
  createdAt: string
}

function isV2(record: Record<string, unknown>): boolean {
  return typeof record.spec === 'object' && record.spec !== null && typeof record.revision === 'number'
}

/** A version-1 record becomes a spec without nodes whose endpoint is the address it recorded. */
function fromV1(record: V1): Cluster {
  const parsed = clusterSpecSchema.safeParse({
    apiVersion: SPEC_API_VERSION,
    kind: SPEC_KIND,
    metadata: { name: record.name },
    spec: {
      flavour: record.flavour,
      kubernetesVersion: MIGRATED_KUBERNETES_VERSION,
      endpoint: { address: formatEndpoint(record.endpointHost, record.endpointPort) },
    },
  })
  if (!parsed.success) {
    // Only a hand-edited file gets here: version 1 checked names and endpoints with the same rules.
    throw new AppError(
      'STORAGE',
      `The cluster record "${String(record.name).slice(0, 64)}" in the cluster records file is damaged (${parsed.error.issues[0]?.message ?? 'invalid'}); fix or remove it. Nothing was changed.`,
    )
  }
  return { ...record, spec: parsed.data, revision: 1, updatedAt: record.createdAt }
}

/** `host:port`, an IPv6 host in brackets. */
export function formatEndpoint(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}
