import type { ChannelMap } from '../../shared/channels/define'
import type { Envelope, InvokeContract } from '../../shared/contract'
import { CHANNEL_SCHEMAS } from '../../shared/channels'
import { AppError, toAppErrorData } from '../../shared/errors'
import { isChannel, parseArgs } from '../../shared/validate'
import type { Logger } from '../services/log/logger'

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
 * with the contract's schemas, logs the call (truncated, redacted by the logger), runs the handler
 * and wraps the outcome in an envelope. Transport-specific checks (sender frame, token, origin)
 * happen before this.
 */
export function createDispatcher(handlers: Handlers, log: Logger): Dispatch {
  return async (channel, rawArgs) => {
    if (!isChannel(channel)) {
      log.warn(`request for unknown channel ${JSON.stringify(String(channel)).slice(0, 80)}`)
      return fail(new AppError('UNKNOWN_CHANNEL', 'Flotilla does not know that request.'))
    }
    // Channels that carry a passphrase are logged by name only: the redactor cannot know it yet.
    const shown = CHANNEL_SCHEMAS[channel].sensitive
      ? '[arguments withheld: they hold a secret]'
      : truncate(safeJson(rawArgs))
    log.info(`call ${channel} ${shown}`)
    try {
      const args = parseArgs(channel, rawArgs)
      const handler = handlers[channel] as (...a: unknown[]) => unknown
      const value = await handler(...args)
      return { ok: true, value }
    } catch (error) {
      if (error instanceof AppError) log.warn(`${channel} failed: ${error.code} ${error.message}`)
      else log.error(`${channel} crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      return fail(error)
    }
  }
}

function fail(error: unknown): Envelope<never> {
  return { ok: false, error: toAppErrorData(error) }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined'
  } catch {
    return '[unserialisable]'
  }
}

function truncate(text: string): string {
  return text.length > MAX_LOGGED_ARGS ? `${text.slice(0, MAX_LOGGED_ARGS)}…` : text
}
