import type { ClusterSpecDocument, NodeRole } from '../cluster-spec'

/** Which Kubernetes distribution a cluster runs: decides the CA set and the admin group. */
export type ClusterFlavour = 'kubeadm' | 'k3s'

/**
 * A cluster as Flotilla records it: its spec (the declarative document the UI, CLI and YAML files
 * edit) and, derived from the spec on every save, the name, flavour and control-plane endpoint the
 * PKI and kubeconfigs use.
 */
export interface Cluster {
  /** Stable id, generated when the record is created. */
  id: string
  /** RFC 1123 label, unique among clusters: used in file and kubeconfig names (`flotilla-<name>`). */
  name: string
  flavour: ClusterFlavour
  /** Control-plane endpoint (load balancer or first server): host name, IPv4 or IPv6 without brackets. */
  endpointHost: string
  endpointPort: number
  /** ISO timestamp. */
  createdAt: string
  /** The flotilla/v1alpha1 document; the fields above follow it. */
  spec: ClusterSpecDocument
  /** Grows by one on every saved change: an edit of a spec read earlier names it (CONFLICT if stale). */
  revision: number
  /** ISO timestamp of the last saved change. */
  updatedAt: string
  /** What `apply` built: absent until its first change on a host. */
  build?: ClusterBuild
}

/**
 * The build record (issue 13): `building` from the first change an apply makes (what the member
 * hosts then carry is this cluster's, not an old cluster's leftovers), `built` once an apply
 * finished with every step done. The endpoint cannot change after that.
 */
export interface ClusterBuild {
  state: 'building' | 'built'
  /** Inventory ids of the hosts the build works on (nodes and the HAProxy host). */
  members: string[]
  /** The Kubernetes version installed, e.g. "1.32.4". */
  kubernetesVersion?: string
  startedAt: string
  builtAt?: string
}

/** What the user types to create a cluster record. `endpoint` is `host:port` (port defaults to 6443). */
export interface ClusterInput {
  name: string
  flavour: ClusterFlavour
  endpoint: string
}

/** Options when removing a cluster record. */
export interface ClusterRemoveOptions {
  /** Also delete its certificate authorities and their keys (irreversible without a backup). */
  deletePki?: boolean
}

/** A role `clusters:set-role` gives a host; 'none' takes the host out of the cluster's nodes. */
export type SpecRole = NodeRole | 'none'

/** A cluster's spec and the revision it was read at (pass it back as `expectedRevision`). */
export interface ClusterSpecView {
  id: string
  spec: ClusterSpecDocument
  revision: number
}

/** What a spec edit (import, set-role) did. */
export interface ClusterSpecSaved extends ClusterSpecView {
  /** A new cluster record was made (import of a name not known yet). */
  created: boolean
  /** False when the spec was already so: nothing written, the revision is unchanged. */
  changed: boolean
}

export interface ClusterImportOptions {
  /** The revision the caller read; CONFLICT when the cluster was saved since (or removed). */
  expectedRevision?: number
  /** Names the source in problem sentences ("homelab.yaml line 7: …"). */
  fileName?: string
}
