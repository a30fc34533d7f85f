import { create } from 'zustand'
import type { ReviewedPlan } from '../../../shared/channels/apply'
import { newOpId } from '../../../shared/bridge'
import type { AppErrorData } from '../../../shared/errors'
import type { OpProgress, PlanView } from '../../../shared/types'
import { asError } from '../errors'
import { useNav } from './nav.store'
import { useRun } from './run.store'

/** One cluster's plan as the review shows it: being computed (with its progress), ready, or failed. */
export interface PlanRun {
  opId: string
  state: 'computing' | 'ready' | 'failed'
  plan?: PlanView
  error?: AppErrorData
  /** plan:compute's progress while it runs. */
  step: string
  done: number
  total: number
}

interface PlanState {
  /** Per cluster name. */
  plans: Record<string, PlanRun>
  /** Computes the plan (an operation that changes nothing) and keeps it for the review. */
  compute(cluster: string): Promise<PlanView | undefined>
  /** Applies the reviewed plan (its pins) and opens the run view on the new operation. */
  apply(cluster: string, plan: PlanView): string
  /**
   * Retry and resume: plan again (fresh facts) and apply that plan; the engine re-checks every step
   * and only does what is still to do. Only when the new plan has exactly the steps of the run
   * (`runSteps`, which the user reviewed): a plan with other steps, or a blocked one, opens the
   * review instead ("show, then do"), which shows what is new or why it is blocked.
   */
  replanAndApply(cluster: string, runSteps: readonly string[]): Promise<void>
}

/** What apply:run needs to run exactly the plan that was reviewed. */
export function reviewedPins(plan: PlanView): ReviewedPlan {
  return {
    specHash: plan.specHash,
    factsFingerprint: plan.factsFingerprint,
    hosts: Object.fromEntries(plan.hosts.map((h) => [h.hostId, h.factsHash])),
  }
}

/** A refusal of apply:run because the plan is not the reviewed one (the engine's words start so). */
export function isStalePlan(error: Pick<AppErrorData, 'message'> | undefined): boolean {
  return !!error && /^re-plan\b/.test(error.message)
}

/** The plan has exactly these steps (ids are stable across plans of the same spec and hosts). */
export function sameSteps(plan: Pick<PlanView, 'steps'>, stepIds: readonly string[]): boolean {
  const known = new Set(stepIds)
  return plan.steps.length === known.size && plan.steps.every((s) => known.has(s.id))
}

/** Operations of plan:compute being followed: opId → cluster name. */
const computing = new Map<string, string>()
let subscribed = false

export const usePlan = create<PlanState>((set, get) => {
  const patch = (cluster: string, opId: string, change: Partial<PlanRun>) => {
    const run = get().plans[cluster]
    // Only the newest computation of a cluster writes (an older one may end later).
    if (run?.opId === opId) set({ plans: { ...get().plans, [cluster]: { ...run, ...change } } })
  }
  const onProgress = (p: OpProgress) => {
    const cluster = computing.get(p.opId)
    if (cluster && p.line === undefined && !p.nodeId && !p.stepState)
      patch(cluster, p.opId, { step: p.step, done: p.done, total: p.total })
  }
  return {
    plans: {},
    compute: async (cluster) => {
      if (!subscribed) {
        subscribed = true
        window.api.ops.onProgress(onProgress)
      }
      const opId = newOpId()
      computing.set(opId, cluster)
      set({
        plans: {
          ...get().plans,
          [cluster]: { opId, state: 'computing', step: 'Starting', done: 0, total: 4 },
        },
      })
      try {
        const plan = await window.api.plan.compute(cluster, {}, { opId })
        patch(cluster, opId, { state: 'ready', plan })
        return plan
      } catch (error) {
        patch(cluster, opId, { state: 'failed', error: asError(error) })
        return undefined
      } finally {
        computing.delete(opId)
      }
    },
    apply: (cluster, plan) => {
      const opId = newOpId()
      // The run view follows the operation from its id; the call itself answers only at the end.
      window.api.apply.run(cluster, { reviewed: reviewedPins(plan) }, { opId }).catch((error: unknown) => {
        useRun.getState().startFailed(opId, error)
      })
      useNav.getState().open({ screen: 'clusters', cluster, view: 'run', opId })
      return opId
    },
    replanAndApply: async (cluster, runSteps) => {
      const plan = await get().compute(cluster)
      if (!plan || plan.blocked || !sameSteps(plan, runSteps)) {
        useNav.getState().open({ screen: 'clusters', cluster, view: 'plan' })
        return
      }
      get().apply(cluster, plan)
    },
  }
})
