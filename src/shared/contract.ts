/**
 * The one contract between the UI (or a script) and Flotilla's services. Electron IPC, the loopback
 * WebSocket of `npm run web` and the in-process CLI all carry exactly these channels and events.
 * Channels are named `domain:action`; each has a doc line. Input schemas live in ./schemas.
 */
import type { AppErrorData } from './errors'
import type {
  AppInfo,
  Host,
  HostInput,
  HostPatch,
  OperationInfo,
  OpEnd,
  OpProgress,
  ReachabilityResult,
  Settings,
} from './types'

export interface InvokeContract {
  /** Version, data directory, transport and platform of the running services. */
  'app:info': { args: []; result: AppInfo }
  /** Every host in the inventory, oldest first. */
  'hosts:list': { args: []; result: Host[] }
  /** Add a host by address; fails with HOST_EXISTS for the same address and port. */
  'hosts:add': { args: [input: HostInput]; result: Host }
  /** Change a host's address, port, user or label. */
  'hosts:update': { args: [id: string, patch: HostPatch]; result: Host }
  /** Forget a host. Idempotent only in the sense that a second call fails with HOST_NOT_FOUND. */
  'hosts:remove': { args: [id: string]; result: void }
  /** Operation: TCP-connect to each host's SSH port and read its banner (no login). */
  'hosts:check': { args: [opId: string, ids: string[]]; result: ReachabilityResult[] }
  /** Operations running or recently ended, for a reloaded window to catch up. */
  'ops:list': { args: []; result: OperationInfo[] }
  /** Cancel an operation by id; cancelling one that already ended is a no-op. */
  'op:cancel': { args: [opId: string]; result: void }
  /** User preferences. */
  'settings:get': { args: []; result: Settings }
  /** Change preferences; returns the new whole. */
  'settings:set': { args: [patch: Partial<Settings>]; result: Settings }
}

export interface EventContract {
  /** The inventory changed (from any window, the CLI does not notify live windows). */
  'hosts:changed': { hosts: Host[] }
  /** An operation started. */
  'op:start': { op: OperationInfo }
  /** An operation made progress or logged a line. */
  'op:progress': OpProgress
  /** An operation ended: done, failed (with error) or cancelled. */
  'op:end': OpEnd
  /** Preferences changed. */
  'settings:changed': { settings: Settings }
}

export type Channel = keyof InvokeContract
export type EventName = keyof EventContract
export type ArgsOf<C extends Channel> = InvokeContract[C]['args']
export type ResultOf<C extends Channel> = InvokeContract[C]['result']
export type PayloadOf<E extends EventName> = EventContract[E]

/** Every invoke answer is an envelope, so errors keep their code across any transport. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: AppErrorData }

/** Channels that run as operations: their first argument is the operation id. */
export const OPERATION_CHANNELS = ['hosts:check'] as const satisfies readonly Channel[]

export const EVENT_NAMES = [
  'hosts:changed',
  'op:start',
  'op:progress',
  'op:end',
  'settings:changed',
] as const satisfies readonly EventName[]
