import { z } from 'zod'
import type { PlanView } from '../types'
import { idSchema } from '../schemas'
import { channel, type SchemasOf } from './define'

/** Options of `plan:compute`. */
export interface PlanComputeOptions {
  /** The spec as YAML (e.g. a file given with `-f`), planned instead of the stored one and not stored. */
  specYaml?: string
  /** Hosts (label, address or id) whose leftovers the user agrees to wipe: they get a reset step. */
  resetConsent?: string[]
  /** Run the steps' read-only checks over SSH (default true). */
  checks?: boolean
  /** Re-probe hosts whose facts are older than this (default 600 s). */
  maxProbeAgeSec?: number
}

export interface PlanInvoke {
  /**
   * Operation: compute the plan of a cluster (by name or id), changing nothing: re-probe stale
   * hosts, validate, make the ordered steps per host and run their read-only checks.
   */
  'plan:compute': { args: [opId: string, cluster: string, options: PlanComputeOptions]; result: PlanView }
  /**
   * The plan a `plan:compute` operation made (by its opId; kept while the app runs), as one POSIX sh
   * script per host: exactly what `flotilla plan --script DIR` writes.
   */
  'plan:scripts': { args: [planOpId: string, cluster: string]; result: PlanScript[] }
}

/** One host's script of a plan. */
export interface PlanScript {
  hostId: string
  /** The host as the user knows it. */
  host: string
  /** `<host>.sh` (safe as a file name). */
  fileName: string
  text: string
}

export const planComputeOptionsSchema = z.strictObject({
  specYaml: z.string().max(1_000_000, 'That spec is too long (1 MB at most).').optional(),
  resetConsent: z
    .array(z.string().trim().min(1, 'Name a host.').max(253, 'That host name is too long.'))
    .max(500)
    .optional(),
  checks: z.boolean().optional(),
  maxProbeAgeSec: z
    .number({ error: 'Give the probe age in seconds.' })
    .min(0, 'The probe age cannot be negative.')
    .max(86_400, 'One day at most.')
    .optional(),
})

export const planSchemas = {
  'plan:compute': channel(
    ['opId', 'cluster', 'options'],
    idSchema,
    z.string().trim().min(1, 'Name the cluster.').max(253, 'That cluster name is too long.'),
    planComputeOptionsSchema,
  ),
  'plan:scripts': channel(
    ['planOpId', 'cluster'],
    idSchema,
    z.string().trim().min(1, 'Name the cluster.').max(253, 'That cluster name is too long.'),
  ),
} satisfies SchemasOf<PlanInvoke>
