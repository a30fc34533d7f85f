import { z } from 'zod'
import { idSchema } from '../schemas'
import { channel, type SchemasOf } from './define'
import { planComputeOptionsSchema, type PlanComputeOptions } from './plan'

/** The plan the user reviewed, as `plan:compute` showed it: apply runs it only if it is still that plan. */
export interface ReviewedPlan {
  specHash: string
  factsFingerprint: string
  /** Host id → PlanHostView.factsHash: lets apply name the host that changed. */
  hosts: Record<string, string>
}

/** Options of `apply:run`: the same spec source and consent as the plan reviewed, and that plan's pins. */
export interface ApplyRunOptions extends Pick<PlanComputeOptions, 'specYaml' | 'resetConsent'> {
  reviewed: ReviewedPlan
  /** Steps running at once across hosts (default 4). */
  parallel?: number
}

/** What one apply did, per step (the journal of its operation has the same, with times and logs). */
export interface ApplyResult {
  cluster: string
  /** Steps whose actions ran in this apply (and were verified). */
  applied: string[]
  /** Steps the check found already done: nothing was changed. */
  skipped: string[]
  failed: { stepId: string; hostId: string; host: string; message: string }[]
  /** Not run: a step they depend on failed. */
  blocked: string[]
  /** True when every step was already done (nothing was changed). */
  nothingToDo: boolean
}

/** Who holds a cluster's apply lock (`<dataDir>/apply/<cluster>.lock`). */
export interface ApplyLockInfo {
  cluster: string
  pid: number
  /** The computer's host name. */
  host: string
  startedAt: string
  opId: string
  /** Its process is gone: the next apply takes the lock over. */
  stale: boolean
}

export interface ApplyInvoke {
  /**
   * Operation: apply the plan of a cluster (by name or id). Recomputes the plan and refuses when it
   * is not the reviewed one ("re-plan: …"); holds the cluster's apply lock; checks every step and
   * applies what is still to do; journals every step (resume: the next apply re-checks).
   */
  'apply:run': { args: [opId: string, cluster: string, options: ApplyRunOptions]; result: ApplyResult }
  /** Who holds the cluster's apply lock, or null. */
  'apply:lock': { args: [cluster: string]; result: ApplyLockInfo | null }
  /** Breaks the cluster's apply lock deliberately (its holder may still run!); returns what was removed. */
  'apply:break-lock': { args: [cluster: string]; result: ApplyLockInfo | null }
}

const clusterSchema = z.string().trim().min(1, 'Name the cluster.').max(253, 'That cluster name is too long.')
const hashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'A sha256 in hex.')

export const applyRunOptionsSchema = z.strictObject({
  specYaml: planComputeOptionsSchema.shape.specYaml,
  resetConsent: planComputeOptionsSchema.shape.resetConsent,
  reviewed: z.strictObject({
    specHash: hashSchema,
    factsFingerprint: hashSchema,
    hosts: z.record(z.string().max(253), hashSchema),
  }),
  parallel: z.number().int().min(1, 'At least 1.').max(64, 'At most 64.').optional(),
})

export const applySchemas = {
  'apply:run': channel(['opId', 'cluster', 'options'], idSchema, clusterSchema, applyRunOptionsSchema),
  'apply:lock': channel(['cluster'], clusterSchema),
  'apply:break-lock': channel(['cluster'], clusterSchema),
} satisfies SchemasOf<ApplyInvoke>
