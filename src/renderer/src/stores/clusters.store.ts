import { create } from 'zustand'
import type { AppErrorData } from '../../../shared/errors'
import type { Cluster, ClusterInput, Host } from '../../../shared/types'
import { asError } from '../errors'
import { useToasts } from './toasts.store'

interface ClustersState {
  clusters: Cluster[]
  loaded: boolean
  load(): Promise<void>
  /** Resolves to the new cluster, or the error (its `details.fields` go next to the form fields). */
  create(input: ClusterInput): Promise<Cluster | AppErrorData>
  remove(id: string, deletePki: boolean): Promise<AppErrorData | null>
  /**
   * A new cluster for the designer: kubeadm with the default version, CNI and subnets, and its
   * endpoint either an address the user runs or HAProxy on an inventory host. Resolves like create.
   */
  createForDesign(input: NewClusterInput): Promise<Cluster | AppErrorData>
}

export interface NewClusterInput {
  name: string
  endpoint: { address: string } | { haproxy: Pick<Host, 'address' | 'label'> }
}

let subscribed = false

/** Cluster records: a snapshot on load, then live `clusters:changed` events. */
export const useClusters = create<ClustersState>((set, get) => ({
  clusters: [],
  loaded: false,
  load: async () => {
    if (!subscribed) {
      subscribed = true
      window.api.clusters.onChanged(({ clusters }) => set({ clusters }))
    }
    try {
      set({ clusters: await window.api.clusters.list(), loaded: true })
    } catch (error) {
      set({ loaded: true })
      useToasts.getState().error(asError(error))
    }
  },
  create: async (input) => {
    try {
      const cluster = await window.api.clusters.create(input)
      if (!get().clusters.some((c) => c.id === cluster.id)) set({ clusters: [...get().clusters, cluster] })
      return cluster
    } catch (raw) {
      const error = asError(raw)
      if (!error.details?.fields) useToasts.getState().error(error)
      return error
    }
  },
  createForDesign: async ({ name, endpoint }) => {
    if ('address' in endpoint) return get().create({ name, flavour: 'kubeadm', endpoint: endpoint.address })
    // clusters:create makes the record with main's defaults (version, CNI, subnets) but knows only
    // address endpoints: create it at the HAProxy host's own address (where HAProxy will listen, so
    // the record is true even if the second step fails), then make the endpoint that host's HAProxy.
    const { address, label } = endpoint.haproxy
    const at = address.includes(':') ? `[${address}]:6443` : `${address}:6443`
    const created = await get().create({ name, flavour: 'kubeadm', endpoint: at })
    if (!('id' in created)) return created
    try {
      const spec = {
        ...created.spec,
        spec: { ...created.spec.spec, endpoint: { haproxy: { host: label ?? address, port: 6443 } } },
      }
      await window.api.clusters.import(spec, { expectedRevision: created.revision })
      return created
    } catch (raw) {
      const error = asError(raw)
      useToasts.getState().error(error)
      return created
    }
  },
  remove: async (id, deletePki) => {
    try {
      await window.api.clusters.remove(id, { deletePki })
      set({ clusters: get().clusters.filter((c) => c.id !== id) })
      return null
    } catch (raw) {
      return asError(raw)
    }
  },
}))
