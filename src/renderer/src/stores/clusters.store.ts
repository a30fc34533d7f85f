import { create } from 'zustand'
import type { AppErrorData } from '../../../shared/errors'
import type { Cluster, ClusterInput } from '../../../shared/types'
import { asError } from '../errors'
import { useToasts } from './toasts.store'

interface ClustersState {
  clusters: Cluster[]
  loaded: boolean
  load(): Promise<void>
  /** Resolves to the new cluster, or the error (its `details.fields` go next to the form fields). */
  create(input: ClusterInput): Promise<Cluster | AppErrorData>
  remove(id: string, deletePki: boolean): Promise<AppErrorData | null>
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
