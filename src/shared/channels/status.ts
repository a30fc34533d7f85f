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
