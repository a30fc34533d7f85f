/**
 * The `window.api` bridge, written once. Preload builds it over Electron IPC, the browser build over
 * the loopback WebSocket, the CLI over an in-process transport: same code, different `Transport`.
 *
 * Failures reject with plain AppErrorData objects rather than Error instances on purpose: Electron's
 * contextBridge keeps only the message of an Error, while a plain object arrives intact.
 */
import type { ArgsOf, Channel, Envelope, EventName, PayloadOf, ResultOf } from './contract'
import type { AppErrorData } from './errors'
import { CHANNEL_ROUTES, EVENT_ROUTES, type AfterOpId } from './bridge-routes'

/** What a transport must provide: request/response with envelopes, and event subscription. */
export interface Transport {
  invoke(channel: Channel, args: unknown[]): Promise<Envelope<unknown>>
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void
}

/** Options for channels that run as operations. */
export interface OpOptions {
  /** Use this id instead of a generated one (so the caller can cancel by id). */
  opId?: string
  /** Aborting sends `op:cancel` (works in Node and the browser; not across contextBridge). */
  signal?: AbortSignal
}

type Listener<E extends EventName> = (payload: PayloadOf<E>) => void

type Routes = typeof CHANNEL_ROUTES

/** A method's parameters: adapt's, or the channel's (after the opId, then OpOptions, for an operation). */
export type CallerArgs<C extends Channel> = Routes[C] extends { adapt: (...args: infer P) => unknown }
  ? P
  : Routes[C] extends { op: number }
    ? [...AfterOpId<ArgsOf<C>>, options?: OpOptions]
    : ArgsOf<C>

/** Methods that are not channels: answered by the bridge itself. */
const LOCAL = {
  ops: {
    /** A fresh operation id, for callers that want to know it before starting. */
    newId: newOpId,
  },
}

type GroupOf<P> = P extends `${infer G}.${string}` ? G : never
type Group = GroupOf<Routes[Channel]['to'] | (typeof EVENT_ROUTES)[EventName]> | keyof typeof LOCAL

type ChannelMethods<G extends string> = {
  [C in Channel as Routes[C]['to'] extends `${G}.${infer M}` ? M : never]: (
    ...args: CallerArgs<C>
  ) => Promise<ResultOf<C>>
}
type EventMethods<G extends string> = {
  [E in EventName as (typeof EVENT_ROUTES)[E] extends `${G}.${infer M}` ? M : never]: (
    listener: Listener<E>,
  ) => () => void
}
type LocalMethods<G extends string> = G extends keyof typeof LOCAL ? (typeof LOCAL)[G] : unknown
type Flat<T> = { [K in keyof T]: T[K] }

/**
 * `window.api`: one group per domain, one method per channel and per event, produced from
 * ./bridge-routes.ts and the contract (the parameter and result types are the channel's).
 */
export type FlotillaApi = {
  [G in Group]: Flat<ChannelMethods<G> & EventMethods<G> & LocalMethods<G>>
}

/** Builds the API over a transport. */
export function createApi(transport: Transport): FlotillaApi {
  async function call<C extends Channel>(channel: C, args: unknown[]): Promise<ResultOf<C>> {
    let envelope: Envelope<unknown>
    try {
      envelope = await transport.invoke(channel, withoutTrailingUndefined(args))
    } catch {
      throw disconnected()
    }
    if (envelope.ok) return envelope.value as ResultOf<C>
    throw envelope.error
  }

  /** Starts an operation channel, wiring an AbortSignal to `op:cancel`. */
  async function operation<C extends Channel>(
    channel: C,
    options: OpOptions | undefined,
    args: unknown[],
  ): Promise<ResultOf<C>> {
    const opId = options?.opId ?? newOpId()
    const signal = options?.signal
    const cancel = () => void call('op:cancel', [opId]).catch(() => undefined)
    if (signal?.aborted) throw cancelled()
    signal?.addEventListener('abort', cancel, { once: true })
    try {
      return await call(channel, [opId, ...args])
    } finally {
      signal?.removeEventListener('abort', cancel)
    }
  }

  const api: Record<string, Record<string, unknown>> = {}
  const place = (path: string, method: unknown) => {
    const [group, name] = path.split('.') as [string, string]
    ;(api[group] ??= {})[name] = method
  }
  for (const channel of Object.keys(CHANNEL_ROUTES) as Channel[]) {
    // The table's precise types served FlotillaApi; here every line is handled alike.
    const route: { to: string; op?: number; adapt?: (...args: never[]) => unknown[] } = CHANNEL_ROUTES[channel]
    const { op, adapt } = route
    const sent = (args: unknown[]) =>
      adapt ? adapt(...(args as never[])) : op === undefined ? args : args.slice(0, op)
    place(
      route.to,
      op === undefined
        ? (...args: unknown[]) => call(channel, sent(args))
        : (...args: unknown[]) => operation(channel, args[op] as OpOptions | undefined, sent(args)),
    )
  }
  for (const event of Object.keys(EVENT_ROUTES) as EventName[]) {
    place(EVENT_ROUTES[event], (listener: (payload: unknown) => void) => transport.subscribe(event, listener))
  }
  for (const [group, methods] of Object.entries(LOCAL)) Object.assign((api[group] ??= {}), methods)
  return api as unknown as FlotillaApi
}

/** `f(a, undefined)` means `f(a)`: an optional last argument is left out, not sent as undefined/null. */
function withoutTrailingUndefined(args: unknown[]): unknown[] {
  let end = args.length
  while (end > 0 && args[end - 1] === undefined) end--
  return args.slice(0, end)
}

/** Operation ids are random UUIDs (they pass `idSchema`). */
export function newOpId(): string {
  return globalThis.crypto.randomUUID()
}

function disconnected(): AppErrorData {
  return { code: 'DISCONNECTED', message: 'Lost the connection to Flotilla’s services. Reload to reconnect.' }
}

function cancelled(): AppErrorData {
  return { code: 'CANCELLED', message: 'The operation was cancelled.' }
}
