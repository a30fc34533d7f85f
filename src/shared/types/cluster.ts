/** Which Kubernetes distribution a cluster runs: decides the CA set and the admin group. */
export type ClusterFlavour = 'kubeadm' | 'k3s'

/**
 * A cluster as Flotilla records it. Today: its name, flavour and control-plane endpoint, which is
 * all the PKI and kubeconfigs need; the cluster designer adds nodes and topology later.
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
