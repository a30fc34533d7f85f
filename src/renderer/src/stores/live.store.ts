import { create } from 'zustand'
import type { LiveStatus, TaintAction } from '../../../shared/channels/status'
import type { AppErrorData } from '../../../shared/errors'
import type { ExpiryItem } from '../../../shared/types'
import { asError } from '../errors'

/** The last taint action's outcome on a cluster, shown next to its buttons. */
export interface TaintOutcome {
  action: TaintAction
  ok: boolean
  /** One sentence per node (what changed or why not). */
  lines: string[]
}

interface LiveState {
  /** Per cluster id: the latest `clusters:live` snapshot. */
  status: Record<string, LiveStatus>
  /** Per cluster id: when this window received it (ms), for "updated 2 s ago". */
  receivedAt: Record<string, number>
  /** Per cluster id: why the watch could not start (or renew). */
  error: Record<string, AppErrorData | undefined>
  /** Per cluster id: CA and issued kubeconfig expiry (pki:expiry, the Security screen's data). */
  expiry: Record<string, ExpiryItem[]>
  taintBusy: Record<string, TaintAction | undefined>
  taintOutcome: Record<string, TaintOutcome | undefined>
  /** Starts watching a cluster (a renewed lease) until the returned function is called. */
  watch(cluster: { id: string; name: string }): () => void
  loadExpiry(clusterId: string): Promise<void>
  /** Removes or restores the control-plane taint on every control-plane node of the snapshot. */
  setTaints(cluster: { id: string; name: string }, action: TaintAction): Promise<void>
}

let subscribed = false

/**
 * The live cluster view's data. Snapshots arrive by event while a view watches; the watch is a
 * lease this store renews (a closed window simply stops renewing, and the reads stop in main).
 */
export const useLive = create<LiveState>((set, get) => ({
  status: {},
  receivedAt: {},
  error: {},
  expiry: {},
  taintBusy: {},
  taintOutcome: {},
  watch: (cluster) => {
    if (!subscribed) {
      subscribed = true
      window.api.clusters.onLive(({ clusterId, status }) =>
        set((s) => ({
          status: { ...s.status, [clusterId]: status },
          receivedAt: { ...s.receivedAt, [clusterId]: Date.now() },
          error: { ...s.error, [clusterId]: undefined },
        })),
      )
    }
    const watchId = globalThis.crypto.randomUUID()
    let timer: ReturnType<typeof setInterval> | undefined
    let stopped = false
    const renew = async () => {
      try {
        const { leaseMs } = await window.api.clusters.watch(cluster.name, watchId)
        if (!timer && !stopped) timer = setInterval(() => void renew(), leaseMs / 3)
      } catch (error) {
        set((s) => ({ error: { ...s.error, [cluster.id]: asError(error) } }))
      }
    }
    void renew()
    return () => {
      stopped = true
      clearInterval(timer)
      void window.api.clusters.unwatch(watchId).catch(() => undefined)
    }
  },
  loadExpiry: async (clusterId) => {
    try {
      const all = await window.api.pki.expiry()
      set((s) => ({ expiry: { ...s.expiry, [clusterId]: all.filter((e) => e.clusterId === clusterId) } }))
    } catch {
      // The vault may be locked: the certificates panel says so by showing none.
      set((s) => ({ expiry: { ...s.expiry, [clusterId]: [] } }))
    }
  },
  setTaints: async (cluster, action) => {
    const planes = (get().status[cluster.id]?.members ?? []).filter(
      (m) => m.specRoles.includes('control-plane') && (m.node?.name ?? m.nodeName),
    )
    set((s) => ({ taintBusy: { ...s.taintBusy, [cluster.id]: action } }))
    const lines: string[] = []
    let ok = true
    for (const plane of planes) {
      try {
        lines.push((await window.api.clusters.taint(cluster.name, plane.node?.name ?? plane.nodeName!, action)).message)
      } catch (error) {
        ok = false
        lines.push(asError(error).message)
      }
    }
    if (planes.length === 0) {
      ok = false
      lines.push('No control-plane node is known yet: wait for the API to list the nodes.')
    }
    set((s) => ({
      taintBusy: { ...s.taintBusy, [cluster.id]: undefined },
      taintOutcome: { ...s.taintOutcome, [cluster.id]: { action, ok, lines } },
    }))
  },
}))
