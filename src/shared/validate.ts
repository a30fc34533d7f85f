import type { z } from 'zod'
import { AppError } from './errors'
import { CHANNEL_SCHEMAS } from './channels'
import type { ArgsOf, Channel } from './contract'

/** True when `name` is a channel of the contract (own key, not e.g. "toString"). */
export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(CHANNEL_SCHEMAS, name)
}

/**
 * Parses raw arguments of a channel. Throws AppError INVALID_INPUT whose `details.fields` maps each
 * bad field (e.g. "address", "port") to a sentence the UI shows next to that field.
 */
export function parseArgs<C extends Channel>(channel: C, raw: unknown): ArgsOf<C> {
  const spec = CHANNEL_SCHEMAS[channel]
  const result = spec.args.safeParse(raw)
  if (result.success) return result.data as ArgsOf<C>
  throw invalidInput(result.error, spec.names)
}

function invalidInput(error: z.ZodError, names: readonly string[]): AppError {
  const fields: Record<string, string> = {}
  for (const issue of error.issues) {
    const key = fieldKey(issue, names)
    fields[key] ??= issueMessage(issue)
  }
  const messages = Object.values(fields)
  const message =
    messages.length === 1
      ? messages[0]!
      : `${messages.length} fields need attention: ${Object.keys(fields).join(', ')}.`
  return new AppError('INVALID_INPUT', message, { fields })
}

function fieldKey(issue: z.core.$ZodIssue, names: readonly string[]): string {
  const named = issue.path.filter((p): p is string => typeof p === 'string')
  if (named.length > 0) return named.join('.')
  const position = issue.path[0]
  if (typeof position === 'number') return names[position] ?? `arg${position}`
  return 'args'
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `Unknown field(s): ${issue.keys.join(', ')}.`
  if (issue.code === 'too_big' && issue.path.length === 0) return 'Too many arguments.'
  if (issue.code === 'too_small' && issue.path.length === 0) return 'Missing arguments.'
  if (issue.code === 'invalid_type' && issue.path.length === 0) return 'Arguments must be a list.'
  return issue.message
}
