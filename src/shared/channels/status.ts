import { z } from 'zod'
import { idSchema } from '../schemas'
import { channel, type SchemasOf } from './define'

/**
 * `clusters:status` (issue 13 §4): what a built cluster looks like right now, part by part. Each
 * part says whether it could be reached; a part that could not is `reachable: false` with the
 * reason, and the others are still answered. `healthy` is true only when every part was reached
 * and everything in it is well (every node Ready, every backend UP, every etcd member healthy).
 */
export interface ClusterStatus {
  cluster: string
  /** When the status was taken (ISO). */
  at: string
  healthy: boolean
  /** The cluster's endpoint as nodes and kubeconfigs use it. */
  endpoint: { host: string; port: number; kind: 'haproxy' | 'address' }
  nodes: StatusPart<NodeStatus>
  /** The endpoint's backend servers (HAProxy's `show stat`); not reachable for an `address` endpoint. */
  backends: StatusPart<BackendStatus>
  /** etcd's members, asked through a control plane's local etcd. */
  etcd: StatusPart<EtcdMemberStatus>
}

/** One part of the status: its items, or why it could not be read. */
export type StatusPart<T> =
  | { reachable: true; items: T[]; /** Where it was read (a host or the endpoint). */ source: string }
  | { reachable: false; reason: string; items?: undefined; source?: string }

export interface NodeStatus {
  name: string
  /** From the `node-role.kubernetes.io/<role>` labels (empty: a worker kubeadm did not label). */
  roles: string[]
  ready: boolean
  /** `key[=value]:Effect`. */
  taints: string[]
  kubeletVersion: string
  /** The InternalIP, when the node reports one. */
  address?: string
  unschedulable?: boolean
}

export interface BackendStatus {
  /** HAProxy's backend (proxy) name. */
  backend: string
  server: string
  /** HAProxy's status column: UP, DOWN, MAINT, `UP 1/2` (going down), `no check`… */
  status: string
  up: boolean
  /** The server's address:port, when HAProxy lists it. */
  address?: string
}

export interface EtcdMemberStatus {
  id: string
  /** Empty for a member that was added but has not started yet. */
  name: string
  peerURLs: string[]
  clientURLs: string[]
  learner: boolean
  healthy: boolean
  /** Why it is not healthy (or what it answered). */
  detail?: string
}

export interface StatusInvoke {
  /**
   * Operation: the status of a cluster (by name or id): nodes, endpoint backends, etcd members;
   * changes nothing (an operation: it logs in to hosts, and sudo may ask for a password).
   */
  'clusters:status': { args: [opId: string, cluster: string]; result: ClusterStatus }
}

export const statusSchemas = {
  'clusters:status': channel(
    ['opId', 'cluster'],
    idSchema,
    z.string().trim().min(1, 'Name the cluster.').max(253, 'That cluster name is too long.'),
  ),
} satisfies SchemasOf<StatusInvoke>

/**
 * Flotilla's own reachability probe of one node's machine (a TCP connect from this computer to the
 * kubelet's port): it answers within seconds of a power cut, long before the API's node-monitor
 * grace period (40 s by default) turns the Node NotReady. It says whether the machine answers, not
 * whether Kubernetes is well: a refused connection still means the machine is on.
 */
export interface NodeProbe {
  hostId: string
  address: string
  port: number
  answering: boolean
  /** A sentence: what answered, or what did not. */
  detail: string
  /** When the probe ended (ISO). */
  at: string
}

/**
 * One node of the spec as the live view draws it: the inventory's facts (name, OS), the API's Node
 * (by the name kubeadm registers: the host's lower-cased hostname) and Flotilla's probe, and the one
 * state they add up to, with a sentence saying which source says what.
 */
export interface LiveNode {
  hostId: string
  /** The host's name in Flotilla. */
  host: string
  /** The Node's name (the host's hostname as identified), when known. */
  nodeName?: string
  /** Roles in the spec. */
  specRoles: string[]
  /** From the host's last identification. */
  os?: string
  arch?: string
  model?: string
  /** The API's Node, when the API listed one of that name. */
  node?: NodeStatus
  probe?: NodeProbe
  /**
   * ready: the API says Ready and the machine answers; not-answering: Flotilla's probe gets no reply
   * (whatever the API still says); not-ready: the API says NotReady; missing: the API lists no such
   * Node; unknown: neither source has answered yet.
   */
  state: 'ready' | 'not-answering' | 'not-ready' | 'missing' | 'unknown'
  /** Which source says what, e.g. "The API still says Ready; Flotilla's probe: no reply in 1.5 s". */
  stateDetail: string
}

/** What `clusters:live` carries: the status parts, each with when it was last read, plus the nodes. */
export interface LiveStatus extends ClusterStatus {
  /** The spec's nodes with facts, Node, probe and state. */
  members: LiveNode[]
  /** When each part was last read (ISO); absent until its first read ended. */
  readAt: { nodes?: string; backends?: string; etcd?: string; probes?: string }
  /** How often each part is read, in milliseconds (the view says so). */
  everyMs: { nodes: number; backends: number; etcd: number; probes: number }
}

/** `clusters:taint`: the control-plane taint of one node, removed (dev cluster) or restored. */
export type TaintAction = 'remove-control-plane' | 'restore-control-plane'

export interface TaintResult {
  node: string
  action: TaintAction
  /** False when the node already was as asked (nothing written). */
  changed: boolean
  /** The node's taints after it (`key[=value]:Effect`). */
  taints: string[]
  /** One sentence for the view. */
  message: string
}

export interface LiveInvoke {
  /**
   * Starts (or renews) a live watch of a cluster: while at least one watch lives, Flotilla reads the
   * parts in the background (no operation, nothing in the tray) and sends `clusters:live`. A watch is
   * a lease: it lapses `leaseMs` after the last call, so a closed window or a dropped web client
   * stops the reads without saying goodbye; the view calls again every `leaseMs / 3`.
   */
  'clusters:watch': { args: [cluster: string, watchId: string]; result: { leaseMs: number } }
  /** Ends a watch at once (the view unmounts). Unknown ids are ignored. */
  'clusters:unwatch': { args: [watchId: string]; result: void }
  /**
   * Removes both control-plane NoSchedule taints (`node-role.kubernetes.io/control-plane` and the
   * legacy `…/master`) from one node, or restores `control-plane:NoSchedule`, through the API with
   * the resourceVersion it read (a conflict: read again once).
   */
  'clusters:taint': { args: [cluster: string, node: string, action: TaintAction]; result: TaintResult }
}

export interface LiveEvents {
  /** A watched cluster's latest live status (a part was read again). */
  'clusters:live': { clusterId: string; status: LiveStatus }
}

const clusterRefSchema = z.string().trim().min(1, 'Name the cluster.').max(253, 'That cluster name is too long.')

export const liveSchemas = {
  'clusters:watch': channel(['cluster', 'watchId'], clusterRefSchema, idSchema),
  'clusters:unwatch': channel(['watchId'], idSchema),
  'clusters:taint': channel(
    ['cluster', 'node', 'action'],
    clusterRefSchema,
    z.string().trim().min(1, 'Name the node.').max(253, 'That node name is too long.'),
    z.enum(['remove-control-plane', 'restore-control-plane']),
  ),
} satisfies SchemasOf<LiveInvoke>
