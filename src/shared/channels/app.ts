import { z } from 'zod'
import type {
  AppInfo,
  OperationDetail,
  OperationInfo,
  OpEnd,
  OpLogFilter,
  OpLogLine,
  OpProgress,
  OpSecretNeeded,
  Settings,
} from '../types'
import { idSchema } from '../schemas'
import { channel, type SchemasOf } from './define'

export interface AppInvoke {
  /** Version, data directory, transport and platform of the running services. */
  'app:info': { args: []; result: AppInfo }
  /** Operations running or recently ended, for a reloaded window to catch up. */
  'ops:list': { args: []; result: OperationInfo[] }
  /** Cancel an operation by id; cancelling one that already ended is a no-op. */
  'op:cancel': { args: [opId: string]; result: void }
  /**
   * One operation — running, ended, or interrupted by a restart (from its journal) — with its
   * steps per host and its result when that was small JSON.
   */
  'ops:get': { args: [opId: string]; result: OperationDetail }
  /** An operation's redacted log (from its journal), the lines of one host and/or step when asked. */
  'ops:log': { args: [opId: string, filter: OpLogFilter]; result: OpLogLine[] }
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
  /**
   * An operation paused for a secret (it shows as `waiting`); give it with ssh:provideSecret for
   * that host and kind (and keyPath), or cancel the operation.
   */
  'op:secret-needed': OpSecretNeeded
}

export const settingsPatchSchema = z.strictObject({
  theme: z.enum(['system', 'light', 'dark']).optional(),
})

export const appSchemas = {
  'app:info': channel([]),
  'ops:list': channel([]),
  'op:cancel': channel(['opId'], idSchema),
  'ops:get': channel(['opId'], idSchema),
  'ops:log': channel(
    ['opId', 'filter'],
    idSchema,
    z.strictObject({ hostId: idSchema.optional(), stepId: z.string().min(1).max(256).optional() }),
  ),
  'settings:get': channel([]),
  'settings:set': channel(['patch'], settingsPatchSchema),
} satisfies SchemasOf<AppInvoke>
