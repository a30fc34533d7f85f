import { z } from 'zod'
import type { AppInfo, OperationInfo, OpEnd, OpProgress, Settings } from '../types'
import { idSchema } from '../schemas'
import { channel, type SchemasOf } from './define'

export interface AppInvoke {
  /** Version, data directory, transport and platform of the running services. */
  'app:info': { args: []; result: AppInfo }
  /** Operations running or recently ended, for a reloaded window to catch up. */
  'ops:list': { args: []; result: OperationInfo[] }
  /** Cancel an operation by id; cancelling one that already ended is a no-op. */
  'op:cancel': { args: [opId: string]; result: void }
  /** User preferences. */
  'settings:get': { args: []; result: Settings }
  /** Change preferences; returns the new whole. */
  'settings:set': { args: [patch: Partial<Settings>]; result: Settings }
}

export interface AppEvents {
  /** An operation started. */
  'op:start': { op: OperationInfo }
  /** An operation made progress or logged a line. */
  'op:progress': OpProgress
  /** An operation ended: done, failed (with error) or cancelled. */
  'op:end': OpEnd
  /** Preferences changed. */
  'settings:changed': { settings: Settings }
}

export const settingsPatchSchema = z.strictObject({
  theme: z.enum(['system', 'light', 'dark']).optional(),
})

export const appSchemas = {
  'app:info': channel([]),
  'ops:list': channel([]),
  'op:cancel': channel(['opId'], idSchema),
  'settings:get': channel([]),
  'settings:set': channel(['patch'], settingsPatchSchema),
} satisfies SchemasOf<AppInvoke>
