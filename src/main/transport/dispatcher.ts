import type { ChannelMap } from '../../shared/channels/define'
import type { Envelope, InvokeContract } from '../../shared/contract'
import { CHANNEL_SCHEMAS } from '../../shared/channels'
import { AppError, toAppErrorData } from '../../shared/errors'
import { isChannel, parseArgs } from '../../shared/validate'
import type { Logger } from '../services/log/logger'
import type { Redactor } from '../services/secrets/secret'

/** One implementation per channel of a domain's contract. */
export type HandlersOf<C extends ChannelMap<C>> = {
  [K in keyof C]: (...args: C[K]['args']) => Promise<C[K]['result']> | C[K]['result']
}

/** One implementation per channel, built in handlers/ from the services. */
export type Handlers = HandlersOf<InvokeContract>

/** Answers one request: channel name and raw (untrusted) arguments in, envelope out. Never throws. */
export type Dispatch = (channel: unknown, args: unknown) => Promise<Envelope<unknown>>

const MAX_LOGGED_ARGS = 200

/**
 * The one request path every transport uses: checks the channel exists, validates the arguments
 * with the contract's schemas, logs the call (redacted, then shortened), runs the handler and wraps
 * the outcome in an envelope, its error redacted too (a failed command's stderr may echo a secret).
 * Transport-specific checks (sender frame, token, origin) happen before this.
 *
 * Redaction comes before shortening: cutting first would leave the head of a secret that the
 * cut split, which the redactor can no longer recognise.
 */
export function createDispatcher(handlers: Handlers, log: Logger, redactor: Pick<Redactor, 'redact'>): Dispatch {
  const shorten = (text: string, max: number) => truncate(redactor.redact(text), max)
  return async (channel, rawArgs) => {
    if (!isChannel(channel)) {
      log.warn(`request for unknown channel ${shorten(JSON.stringify(String(channel)), 80)}`)
      return fail(new AppError('UNKNOWN_CHANNEL', 'Flotilla does not know that request.'), redactor)
    }
    // Channels that carry a passphrase are logged by name only: the redactor cannot know it yet.
    const shown = CHANNEL_SCHEMAS[channel].sensitive
      ? '[arguments withheld: they hold a secret]'
      : shorten(safeJson(rawArgs), MAX_LOGGED_ARGS)
    log.info(`call ${channel} ${shown}`)
    try {
      const args = parseArgs(channel, rawArgs)
      const handler = handlers[channel] as (...a: unknown[]) => unknown
      const value = await handler(...args)
      return { ok: true, value }
    } catch (error) {
      if (error instanceof AppError) log.warn(`${channel} failed: ${error.code} ${error.message}`)
      else log.error(`${channel} crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      return fail(error, redactor)
    }
  }
}

function fail(error: unknown, redactor: Pick<Redactor, 'redact'>): Envelope<never> {
  return { ok: false, error: redactDeep(toAppErrorData(error), redactor) }
}

/** Every string inside a JSON-like value, redacted (error messages and their details). */
function redactDeep<T>(value: T, redactor: Pick<Redactor, 'redact'>): T {
  if (typeof value === 'string') return redactor.redact(value) as T
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v, redactor)) as T
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redactor)])) as T
  }
  return value
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined'
  } catch {
    return '[unserialisable]'
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}
