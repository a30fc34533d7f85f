import { z } from 'zod'
import type { ClusterSpecDocument, NodeRole } from '../cluster-spec'
import type {
  Cluster,
  ClusterImportOptions,
  ClusterInput,
  ClusterRemoveOptions,
  ClusterSpecSaved,
  ClusterSpecView,
  SpecProblem,
  SpecRole,
} from '../types'
import { idSchema, normaliseAddress } from '../schemas'
import { channel, type SchemasOf } from './define'

export interface ClustersInvoke {
  /** Every cluster record, oldest first. */
  'clusters:list': { args: []; result: Cluster[] }
  /** Create a cluster record; CLUSTER_EXISTS for a name already used. */
  'clusters:create': { args: [input: ClusterInput]; result: Cluster }
  /** Forget a cluster; CLUSTER_HAS_PKI unless `deletePki` when it still has certificate authorities. */
  'clusters:remove': { args: [id: string, options: ClusterRemoveOptions]; result: void }
  /** A cluster's spec and its revision. */
  'clusters:spec': { args: [id: string]; result: ClusterSpecView }
  /**
   * Create or update (by metadata.name) a cluster from a spec: YAML text or the object. Problems
   * are INVALID_INPUT with `details.problems` ({path, line?, message}); CONFLICT for a stale
   * `expectedRevision`.
   */
  'clusters:import': {
    args: [source: string | Record<string, unknown>, options: ClusterImportOptions]
    result: ClusterSpecSaved
  }
  /** Give an inventory host one role in the spec (replacing its roles), or 'none' to drop the node. */
  'clusters:set-role': { args: [id: string, hostRef: string, role: SpecRole]; result: ClusterSpecSaved }
  /** The spec as canonical YAML (what `import` reads back unchanged). */
  'clusters:export': { args: [id: string]; result: string }
  /** The designer's view of the stored spec: where each host sits, its problems and quorum (nothing probed). */
  'clusters:check': { args: [id: string]; result: DesignCheck }
  /** What moving one inventory host to each place would do: allowed or not, and the problems it brings. */
  'clusters:check-move': { args: [id: string, host: string]; result: MoveVerdict[] }
}

export interface ClustersEvents {
  /** The cluster records changed. */
  'clusters:changed': { clusters: Cluster[] }
}

/** The Kubernetes API port both kubeadm and k3s use by default. */
export const DEFAULT_API_PORT = 6443

const NAME_HELP = 'Cluster names use lower-case letters, digits and "-" (like a DNS label, 63 at most), e.g. "homelab".'

export const clusterNameSchema = z
  .string({ error: 'Name is required.' })
  .trim()
  .toLowerCase()
  .min(1, 'Name is required.')
  .max(63, NAME_HELP)
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, NAME_HELP)

const ENDPOINT_HELP =
  'Enter the control-plane endpoint as host:port, e.g. 192.168.1.10:6443, k8s.home.arpa:6443 or [fd00::10]:6443.'

/**
 * Splits `host[:port]` (IPv6 in brackets when a port follows) into a normalised host and a port.
 * Returns null when either part is invalid.
 */
export function parseEndpoint(raw: string): { host: string; port: number } | null {
  const value = raw.trim()
  let host = value
  let port = String(DEFAULT_API_PORT)
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value)
  if (bracketed) {
    host = bracketed[1]!
    port = bracketed[2] ?? port
  } else if (value.split(':').length === 2) {
    ;[host, port] = value.split(':') as [string, string]
  }
  const address = normaliseAddress(host)
  const portNumber = /^\d{1,5}$/.test(port) ? Number(port) : NaN
  if (address === null || !(portNumber >= 1 && portNumber <= 65535)) return null
  return { host: address, port: portNumber }
}

export const endpointSchema = z
  .string({ error: 'Endpoint is required.' })
  .trim()
  .min(1, 'Endpoint is required.')
  .max(260, ENDPOINT_HELP)
  .refine((v) => parseEndpoint(v) !== null, ENDPOINT_HELP)

export const clusterInputSchema = z.strictObject({
  name: clusterNameSchema,
  flavour: z.enum(['kubeadm', 'k3s'], { error: 'Flavour is kubeadm or k3s.' }),
  endpoint: endpointSchema,
})

export const clusterRemoveSchema = z.strictObject({ deletePki: z.boolean().optional() })

/** Spec files are small; this bounds what a caller can make the parser chew on. */
const SPEC_TEXT_MAX = 1_000_000

export const clusterImportSchema = z.strictObject({
  expectedRevision: z.number().int().min(1, 'A revision is a whole number from 1.').optional(),
  fileName: z.string().max(4096).optional(),
})

/** The roles of cluster-spec.ts's NODE_ROLES and 'none' (spelled here: that file imports this one). */
const specRoleSchema = z.enum(['control-plane', 'worker', 'etcd', 'none'], {
  error: 'A role is control-plane, worker, etcd, or none (to take the host out).',
})

export const clustersSchemas = {
  'clusters:list': channel([]),
  'clusters:create': channel(['input'], clusterInputSchema),
  'clusters:remove': channel(['id', 'options'], idSchema, clusterRemoveSchema),
  'clusters:spec': channel(['id'], idSchema),
  'clusters:import': channel(
    ['source', 'options'],
    z.union([z.string().max(SPEC_TEXT_MAX, 'That spec is too large.'), z.record(z.string(), z.unknown())], {
      error: 'Give the spec as YAML text or as an object.',
    }),
    clusterImportSchema,
  ),
  'clusters:set-role': channel(
    ['id', 'host', 'role'],
    idSchema,
    z.string({ error: 'Name a host.' }).trim().min(1, 'Name a host.').max(253, 'That host name is too long.'),
    specRoleSchema,
  ),
  'clusters:export': channel(['id'], idSchema),
  'clusters:check': channel(['id'], idSchema),
  'clusters:check-move': channel(
    ['id', 'host'],
    idSchema,
    z.string({ error: 'Name a host.' }).trim().min(1, 'Name a host.').max(253, 'That host name is too long.'),
  ),
} satisfies SchemasOf<ClustersInvoke>

/** Where the designer can put a host: a node role, the HAProxy endpoint, or back among the unassigned. */
export const DESIGN_TARGETS = ['control-plane', 'worker', 'etcd', 'endpoint', 'none'] as const
export type DesignTarget = (typeof DESIGN_TARGETS)[number]

/**
 * The stored spec as the designer draws it, judged against the inventory's last known facts (the
 * plan probes again; nothing is probed here): the spec and revision judged, where each node's and
 * the endpoint's host resolved, the adopted hosts in neither place, and the validator's findings.
 */
export interface DesignCheck {
  id: string
  revision: number
  spec: ClusterSpecDocument
  /** Each spec node in order, with its inventory host when the reference resolves to exactly one. */
  nodes: { ref: string; hostId?: string; roles: NodeRole[] }[]
  /** The HAProxy endpoint's inventory host, when the endpoint is one and it resolves. */
  endpointHostId?: string
  /** Adopted inventory hosts that are neither a node nor the endpoint, in inventory order. */
  unassigned: string[]
  problems: SpecProblem[]
  /** e.g. "3 control planes: survives 1 failure (etcd needs 2 of 3 up)." */
  quorum: string
  /** The Kubernetes minors this Flotilla installs, oldest first. */
  kubernetesVersions: string[]
}

/**
 * What moving a host to `target` would do. Refused when it brings a blocking problem that comes
 * with the place (too little RAM for a control plane, a port clash); problems of the host itself
 * (not trusted or identified yet, leftovers to reset) do not refuse a move: they are `notes`.
 */
export interface MoveVerdict {
  target: DesignTarget
  /** The host is there already. */
  current: boolean
  allowed: boolean
  /** Why the move is refused (empty when allowed). */
  reasons: SpecProblem[]
  /** Other problems the move brings for this host. */
  notes: SpecProblem[]
}
