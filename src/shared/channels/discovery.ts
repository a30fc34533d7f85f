import { z } from 'zod'
import type { AdoptInput, DiscoveryScanResult, Host, ProbeResult } from '../types'
import { idSchema, labelSchema, portSchema, userSchema } from '../schemas'
import { channel, type SchemasOf } from './define'

export interface DiscoveryInvoke {
  /**
   * Operation: browse mDNS for `timeoutSec` seconds (until cancelled). Machines appear in the host
   * list as they answer (`hosts:changed`); the result names the ones seen during this scan.
   */
  'discovery:scan': { args: [opId: string, options: { timeoutSec?: number }]; result: DiscoveryScanResult }
  /** Operation: log in to each host once and identify it (OS, model, resources, leftovers, readiness). */
  'discovery:probe': { args: [opId: string, ids: string[]]; result: ProbeResult[] }
  /** Give a discovered host its login: it becomes a normal host. */
  'discovery:adopt': { args: [id: string, input: AdoptInput]; result: Host }
  /** Hide a discovered host (scans no longer bring it back); `false` shows it again. */
  'discovery:ignore': { args: [id: string, ignored: boolean]; result: Host }
}

export const adoptInputSchema = z.strictObject({
  user: userSchema,
  port: portSchema.optional(),
  label: labelSchema.optional(),
})

export const scanOptionsSchema = z.strictObject({
  timeoutSec: z
    .number({ error: 'Enter the scan time in seconds.' })
    .min(0.5, 'Scan for at least half a second.')
    .max(600, 'Scan for at most 10 minutes.')
    .optional(),
})

export const discoverySchemas = {
  'discovery:scan': channel(['opId', 'options'], idSchema, scanOptionsSchema),
  'discovery:probe': channel(['opId', 'ids'], idSchema, z.array(idSchema).min(1, 'Choose at least one host.').max(500)),
  'discovery:adopt': channel(['id', 'input'], idSchema, adoptInputSchema),
  'discovery:ignore': channel(['id', 'ignored'], idSchema, z.boolean()),
} satisfies SchemasOf<DiscoveryInvoke>
