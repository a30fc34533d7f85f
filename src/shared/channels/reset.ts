import { z } from 'zod'
import type { PlanView } from '../types'
import { idSchema } from '../schemas'
import { channel, type SchemasOf } from './define'
import type { ReviewedPlan } from './apply'

/**
 * Options of a reset (issue 13 §3): which hosts (none: the whole cluster), and whether the whole
 * cluster's certificate authorities in Flotilla's vault go too (kept by default: a rebuilt cluster
 * keeps its CA, so existing kubeconfigs stay valid).
 */
export interface ResetOptions {
  /** Host references (label, address or id); absent or empty: every host of the cluster. */
  hosts?: string[]
  /** Whole-cluster reset only: also delete the cluster's CAs from the vault. */
  deletePki?: boolean
}

export interface ResetRunOptions extends ResetOptions {
  /** The reset plan the user reviewed (`reset:plan`): the run refuses a plan that changed since. */
  reviewed: ReviewedPlan
  parallel?: number
}

/** What one reset did; `clean` lists the hosts a re-probe found without leftovers. */
export interface ResetResult {
  cluster: string
  applied: string[]
  skipped: string[]
  failed: { stepId: string; hostId: string; host: string; message: string }[]
  blocked: string[]
  /** Per reset host: the re-probe after the steps (no leftovers = clean). */
  verified: { hostId: string; host: string; clean: boolean; leftovers: string[]; error?: string }[]
  /** The cluster's CAs were deleted from the vault (`deletePki`). */
  pkiDeleted: boolean
}

export interface ResetInvoke {
  /**
   * Operation: the reset plan of a cluster or some of its hosts, changing nothing (re-probes the
   * hosts, asks the cluster which nodes it has, runs the steps' read-only checks).
   */
  'reset:plan': { args: [opId: string, cluster: string, options: ResetOptions]; result: PlanView }
  /**
   * Operation: run the reviewed reset plan under the cluster's apply lock (drain and delete the
   * Node, the etcd member, `kubeadm reset -f` and what it leaves, the HAProxy backend), then
   * re-probe every reset host.
   */
  'reset:run': { args: [opId: string, cluster: string, options: ResetRunOptions]; result: ResetResult }
}

const clusterSchema = z.string().trim().min(1, 'Name the cluster.').max(253, 'That cluster name is too long.')
const hashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'A sha256 in hex.')
const resetOptionsShape = {
  hosts: z.array(z.string().trim().min(1, 'Name a host.').max(253, 'That host name is too long.')).max(500).optional(),
  deletePki: z.boolean().optional(),
}

export const resetSchemas = {
  'reset:plan': channel(['opId', 'cluster', 'options'], idSchema, clusterSchema, z.strictObject(resetOptionsShape)),
  'reset:run': channel(
    ['opId', 'cluster', 'options'],
    idSchema,
    clusterSchema,
    z.strictObject({
      ...resetOptionsShape,
      reviewed: z.strictObject({
        specHash: hashSchema,
        factsFingerprint: hashSchema,
        hosts: z.record(z.string().max(253), hashSchema),
      }),
      parallel: z.number().int().min(1, 'At least 1.').max(64, 'At most 64.').optional(),
    }),
  ),
} satisfies SchemasOf<ResetInvoke>
