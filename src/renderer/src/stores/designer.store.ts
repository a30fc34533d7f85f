import { create } from 'zustand'
import type { DesignCheck, DesignTarget, MoveVerdict } from '../../../shared/channels/clusters'
import type { ClusterSpecDocument } from '../../../shared/cluster-spec'
import type { AppErrorData } from '../../../shared/errors'
import type { Host, SpecProblem } from '../../../shared/types'
import { asError } from '../errors'

/** A move the designer refused: its sentence stays next to the place it was dropped on. */
export interface Rejection {
  hostId: string
  target: DesignTarget
  reasons: SpecProblem[]
}

/** One message of the designer, shown in the designer (not a toast): a save that did not happen. */
export interface DesignerNotice {
  kind: 'info' | 'error'
  text: string
  code?: string
}

interface DesignerState {
  /** The open cluster's check (clusters:check), at the revision it judged. */
  check: DesignCheck | undefined
  /** What moving one host (the one picked up, or whose menu is open) would do, per place. */
  verdicts: { clusterId: string; revision: number; hostId: string; list: MoveVerdict[] } | undefined
  rejection: Rejection | undefined
  notice: DesignerNotice | undefined
  saving: boolean
  refresh(clusterId: string): Promise<void>
  /** The verdicts for `hostId` at the current revision (asked once per revision and host). */
  verdictsFor(clusterId: string, hostId: string): Promise<MoveVerdict[] | undefined>
  /** Moves a host after its verdict allows it; a refused move saves nothing and keeps its reasons. */
  move(clusterId: string, host: Host, target: DesignTarget): Promise<void>
  /** Takes a node whose host the inventory lacks out of the spec. */
  removeRef(clusterId: string, ref: string): Promise<void>
  /** Saves an edited spec read at `revision`; the error (with `details.problems`) for the form. */
  saveSpec(clusterId: string, spec: ClusterSpecDocument, revision: number): Promise<AppErrorData | null>
  dismiss(): void
}

/**
 * The designer's state for the cluster on screen: the server's check of the saved spec (the canvas
 * draws only that, so it always shows what is saved), verdicts of moves, and the last refusal.
 * Every rule comes from main (clusters:check, clusters:check-move); this only asks and saves.
 */
export const useDesigner = create<DesignerState>((set, get) => {
  const fail = async (clusterId: string, raw: unknown) => {
    const error = asError(raw)
    if (error.code === 'CONFLICT') {
      set({
        notice: {
          kind: 'info',
          text: 'This cluster was changed elsewhere; the designer reloaded it. Redo your change if it still applies.',
        },
      })
    } else {
      set({ notice: { kind: 'error', text: error.message, code: error.code } })
    }
    await get().refresh(clusterId)
    return error
  }
  return {
    check: undefined,
    verdicts: undefined,
    rejection: undefined,
    notice: undefined,
    saving: false,
    refresh: async (clusterId) => {
      try {
        const check = await window.api.clusters.check(clusterId)
        const current = get().check
        // Answers can cross: never go back to an older revision of the same cluster.
        if (current && current.id === check.id && current.revision > check.revision) return
        set({ check })
      } catch (raw) {
        const error = asError(raw)
        set({ notice: { kind: 'error', text: error.message, code: error.code } })
      }
    },
    verdictsFor: async (clusterId, hostId) => {
      const revision = get().check?.revision
      const cached = get().verdicts
      if (cached && cached.clusterId === clusterId && cached.hostId === hostId && cached.revision === revision)
        return cached.list
      try {
        const list = await window.api.clusters.checkMove(clusterId, hostId)
        if (revision !== undefined) set({ verdicts: { clusterId, revision, hostId, list } })
        return list
      } catch (raw) {
        await fail(clusterId, raw)
        return undefined
      }
    },
    move: async (clusterId, host, target) => {
      const list = await get().verdictsFor(clusterId, host.id)
      const verdict = list?.find((v) => v.target === target)
      if (!verdict || verdict.current) return
      if (!verdict.allowed) {
        set({ rejection: { hostId: host.id, target, reasons: verdict.reasons } })
        return
      }
      const check = get().check
      set({ saving: true, rejection: undefined, notice: undefined })
      try {
        if (target === 'endpoint' && check) {
          const { spec } = check
          const port = spec.spec.endpoint.haproxy?.port ?? 6443
          const next = {
            ...spec,
            spec: { ...spec.spec, endpoint: { haproxy: { host: host.label ?? host.address, port } } },
          }
          await window.api.clusters.import(next, { expectedRevision: check.revision })
        } else if (target !== 'endpoint') {
          await window.api.clusters.setRole(clusterId, host.id, target)
        }
        await get().refresh(clusterId)
      } catch (raw) {
        await fail(clusterId, raw)
      } finally {
        set({ saving: false })
      }
    },
    removeRef: async (clusterId, ref) => {
      try {
        await window.api.clusters.setRole(clusterId, ref, 'none')
        await get().refresh(clusterId)
      } catch (raw) {
        await fail(clusterId, raw)
      }
    },
    saveSpec: async (clusterId, spec, revision) => {
      set({ saving: true, notice: undefined })
      try {
        await window.api.clusters.import(spec as unknown as Record<string, unknown>, { expectedRevision: revision })
        await get().refresh(clusterId)
        set({ notice: { kind: 'info', text: 'Spec saved.' } })
        return null
      } catch (raw) {
        const error = asError(raw)
        if (error.code === 'CONFLICT' || !error.details?.problems) return fail(clusterId, raw)
        return error
      } finally {
        set({ saving: false })
      }
    },
    dismiss: () => set({ rejection: undefined, notice: undefined }),
  }
})
