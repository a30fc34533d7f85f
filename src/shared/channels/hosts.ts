import { z } from 'zod'
import type { Host, HostInput, HostPatch, ReachabilityResult } from '../types'
import { addressSchema, idSchema, labelSchema, portSchema, userSchema } from '../schemas'
import { LOGIN_USER_EXAMPLES } from '../login-user'
import { channel, type SchemasOf } from './define'

export interface HostsInvoke {
  /** Every host in the inventory, oldest first. */
  'hosts:list': { args: []; result: Host[] }
  /** Add a host by address; fails with HOST_EXISTS for the same address and port. */
  'hosts:add': { args: [input: HostInput]; result: Host }
  /** Change a host's address, port, user or label. */
  'hosts:update': { args: [id: string, patch: HostPatch]; result: Host }
  /** Forget a host; HOST_NOT_FOUND if it is not there. */
  'hosts:remove': { args: [id: string]; result: void }
  /** Operation: TCP-connect to each host's SSH port and read its banner (no login). */
  'hosts:check': { args: [opId: string, ids: string[]]; result: ReachabilityResult[] }
}

export interface HostsEvents {
  /** The inventory changed (a CLI in another process does not notify live windows). */
  'hosts:changed': { hosts: Host[] }
}

const NO_USER = `Say which user logs in (${LOGIN_USER_EXAMPLES}).`

export const hostInputSchema = z.strictObject({
  address: addressSchema,
  port: portSchema.default(22),
  // No default: the login is the person's to say (the rule: src/shared/login-user.ts).
  user: z.string({ error: NO_USER }).trim().min(1, NO_USER).pipe(userSchema),
  label: labelSchema.optional(),
})

export const hostPatchSchema = z.strictObject({
  address: addressSchema.optional(),
  port: portSchema.optional(),
  user: userSchema.optional(),
  label: labelSchema.optional(),
})

export const hostsSchemas = {
  'hosts:list': channel([]),
  'hosts:add': channel(['input'], hostInputSchema),
  'hosts:update': channel(['id', 'patch'], idSchema, hostPatchSchema),
  'hosts:remove': channel(['id'], idSchema),
  'hosts:check': channel(['opId', 'ids'], idSchema, z.array(idSchema).min(1, 'Choose at least one host.').max(500)),
} satisfies SchemasOf<HostsInvoke>
