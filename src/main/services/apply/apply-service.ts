/**
 * `apply:run` end to end (issue 13 §2): under the cluster's apply lock, recompute the plan (fresh
 * facts), refuse it unless it is exactly the one the user reviewed, then let the runner check and
 * apply every step. Nothing here knows a recipe: any step the planner makes runs unchanged.
 */
import { AppError } from '../../../shared/errors'
import type { ApplyResult, ReviewedPlan } from '../../../shared/channels/apply'
import type { ClusterBuild } from '../../../shared/types'
import type { OperationContext } from '../operations/registry'
import { planFingerprint } from '../plan/fingerprint'
import type { Plan } from '../plan/planner'
import type { PlanRequest, PlanService } from '../plan/plan-service'
import type { ApplyLocks } from './apply-lock'
import { runPlanSteps, type RunnerOptions } from './runner'

/**
 * Facts older than this are probed again before apply: the last look at a host before changing it
 * (a reviewed plan of a host that changed since is refused).
 */
export const APPLY_MAX_PROBE_AGE_MS = 60_000

export interface ApplyServiceOptions {
  plans: Pick<PlanService, 'compute'>
  locks: ApplyLocks
  runner: Omit<RunnerOptions, 'ctx' | 'hostName' | 'consented' | 'parallel' | 'resolve' | 'api'>
  /** The cluster's resolver and API runner (engine-env.ts). */
  env?: (clusterId: string) => Pick<RunnerOptions, 'resolve' | 'api'>
  /** Where the build is recorded (building before the first change, built at the end). */
  builds?: { recordBuild(id: string, build: ClusterBuild): Promise<unknown>; get(id: string): { build?: ClusterBuild } }
  now?: () => Date
  /** After the run: probe the hosts it changed, so what Flotilla knows of them is what they now are. */
  afterRun?: (hostIds: string[], ctx: OperationContext) => Promise<void>
}

export interface ApplyRequest extends Omit<PlanRequest, 'checks'> {
  reviewed: ReviewedPlan
  parallel?: number
  /** The stored cluster the spec is (its PKI, its build record). */
  clusterId?: string
}

export class ApplyService {
  constructor(private readonly options: ApplyServiceOptions) {}

  async apply(request: ApplyRequest, ctx: OperationContext): Promise<ApplyResult> {
    const cluster = request.spec.metadata.name
    const lock = await this.options.locks.acquire(cluster, ctx.id)
    try {
      if (lock.tookOver) {
        ctx.log(
          `The apply lock of ${cluster} was left by process ${lock.tookOver.pid} (started ${lock.tookOver.startedAt}), which is gone: taken over.`,
        )
      }
      const { plan } = await this.options.plans.compute(
        { ...request, maxProbeAgeMs: request.maxProbeAgeMs ?? APPLY_MAX_PROBE_AGE_MS },
        ctx,
      )
      refuseUnreviewed(plan, request.reviewed)
      const names = new Map(plan.hosts.map((h) => [h.host.id, h.name]))
      const hostName = (id: string) => names.get(id) ?? id
      ctx.log(`Applying ${plan.steps.length} steps on ${plan.hosts.length} hosts.`)
      const { clusterId } = request
      const now = () => (this.options.now?.() ?? new Date()).toISOString()
      const builds = clusterId ? this.options.builds : undefined
      const previous = clusterId && builds ? builds.get(clusterId).build : undefined
      const members = plan.hosts.map((h) => h.host.id)
      if (clusterId && builds && (!previous || members.some((m) => !previous.members.includes(m)))) {
        // Before the first change: from here on, what these hosts carry is this cluster's.
        await builds.recordBuild(clusterId, {
          state: previous?.state ?? 'building',
          members: [...new Set([...(previous?.members ?? []), ...members])],
          ...(plan.kubernetes.patch ? { kubernetesVersion: plan.kubernetes.patch } : {}),
          startedAt: previous?.startedAt ?? now(),
          ...(previous?.builtAt ? { builtAt: previous.builtAt } : {}),
        })
      }
      const run = await runPlanSteps(plan.steps, {
        ...this.options.runner,
        ...(clusterId && this.options.env ? this.options.env(clusterId) : {}),
        ctx,
        hostName,
        // The reviewed plan showed these steps with their consent, and the request carries it.
        consented: new Set(plan.steps.filter((s) => s.consent).map((s) => s.id)),
        ...(request.parallel !== undefined ? { parallel: request.parallel } : {}),
      })
      const changed = [...new Set(plan.steps.filter((s) => run.applied.includes(s.id)).map((s) => s.hostId))]
      if (changed.length && this.options.afterRun) await this.options.afterRun(changed, ctx)
      for (const h of plan.hosts) {
        const failure = run.failures.find((f) => f.hostId === h.host.id)
        ctx.itemResult?.(
          h.host.id,
          failure ? { ok: false, message: failure.error.message, code: failure.error.code } : { ok: true },
          h.name,
        )
      }
      const ids = (state: string) => plan.steps.filter((s) => run.outcomes.get(s.id) === state).map((s) => s.id)
      const complete = run.failures.length === 0 && ids('blocked').length === 0
      const buildsCluster = plan.steps.some((s) => s.id.endsWith('/cluster-ready'))
      if (clusterId && builds && complete && buildsCluster) {
        const current = builds.get(clusterId).build
        if (current?.state !== 'built') {
          await builds.recordBuild(clusterId, {
            state: 'built',
            members: current?.members ?? members,
            ...(plan.kubernetes.patch ? { kubernetesVersion: plan.kubernetes.patch } : {}),
            startedAt: current?.startedAt ?? now(),
            builtAt: now(),
          })
          ctx.log(`${cluster} is built: every step is done and the cluster answers through its endpoint.`)
        }
      }
      return {
        cluster,
        applied: run.applied,
        skipped: ids('skipped'),
        failed: run.failures.map((f) => ({
          stepId: f.stepId,
          hostId: f.hostId,
          host: hostName(f.hostId),
          message: f.error.message,
        })),
        blocked: ids('blocked'),
        nothingToDo: run.applied.length === 0 && run.failures.length === 0 && ids('blocked').length === 0,
      }
    } finally {
      await lock.release()
    }
  }
}

/** The recomputed plan must be the reviewed one: same spec, same hosts, same facts and steps per host. */
export function refuseUnreviewed(plan: Plan, reviewed: ReviewedPlan): void {
  if (plan.blocked) {
    const first = plan.problems.find((p) => p.severity === 'blocking')
    throw new AppError(
      'INVALID_INPUT',
      `The plan is blocked${first ? `: ${first.message}` : ''}; nothing was changed. Run flotilla plan ${plan.cluster} to see every problem.`,
    )
  }
  if (plan.specHash !== reviewed.specHash) {
    throw stale(`the spec of ${plan.cluster} changed since you reviewed its plan`)
  }
  const now = planFingerprint(plan)
  if (now.fingerprint === reviewed.factsFingerprint) return
  for (const h of plan.hosts) {
    const was = reviewed.hosts[h.host.id]
    if (was === undefined) throw stale(`${h.name} is in the plan now, but was not in the one you reviewed`)
    if (was !== now.hosts.get(h.host.id)) throw stale(`${h.name} changed since you reviewed it`)
  }
  throw stale('the hosts of the plan changed since you reviewed it')
}

function stale(why: string): AppError {
  return new AppError(
    'INVALID_INPUT',
    `re-plan: ${why}. Nothing was changed; review the new plan (flotilla plan, or flotilla apply shows it) and apply again.`,
  )
}
