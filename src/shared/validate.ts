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
  // Schemas carry their own sentences; anything they do not word gets one from `fallbackMessage`
  // (a schema's own message takes precedence over this per-parse map), never zod's raw text.
  const result = spec.args.safeParse(raw, { error: (issue) => fallbackMessage(issue, spec.names) })
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

/** How a field is called in a sentence, for the fields no schema words itself. */
const FIELD_LABELS: Record<string, string> = {
  timeoutSec: 'The time in seconds',
  opId: 'The operation id',
  id: 'The id',
  hostId: 'The host id',
  clusterId: 'The cluster id',
  ids: 'The list of hosts',
  hostIds: 'The list of hosts',
  words: 'The command',
  publicKey: 'The public key',
  keyPath: 'The key path',
  patch: 'The change',
  options: 'The options',
}

/** "timeoutSec" → "The time in seconds"; "breakGlass" → "Break glass". */
function labelOf(issue: { path?: PropertyKey[] | undefined }, names: readonly string[]): string {
  const path = issue.path ?? []
  const named = path.filter((p): p is string => typeof p === 'string')
  const key = named.at(-1) ?? (typeof path[0] === 'number' ? names[path[0]] : undefined)
  if (key === undefined) return 'The input'
  if (FIELD_LABELS[key]) return FIELD_LABELS[key]
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

const ARTICLE: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a set of fields',
}

/** Describes what arrived, briefly and safely (never a whole value: it may be a secret). */
function received(input: unknown): string {
  if (input === undefined) return 'nothing'
  if (input === null) return 'null'
  if (typeof input === 'number') return String(input)
  if (Array.isArray(input)) return 'a list'
  return typeof input === 'string' ? 'text' : `a ${typeof input}`
}

/** A sentence about the user's input for an issue its schema left unworded. */
function fallbackMessage(issue: z.core.$ZodRawIssue, names: readonly string[]): string {
  const label = labelOf(issue, names)
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `${label} is required.`
      if (typeof issue.input === 'number' && Number.isNaN(issue.input)) return `${label} must be a number.`
      return `${label} must be ${ARTICLE[issue.expected] ?? issue.expected}, not ${received(issue.input)}.`
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? `at least` : `at most`
      const limit = String(issue.code === 'too_small' ? issue.minimum : issue.maximum)
      if (issue.origin === 'string') return `${label} must be ${bound} ${limit} characters long.`
      if (issue.origin === 'array' || issue.origin === 'set') return `${label} must have ${bound} ${limit} items.`
      return `${label} must be ${bound} ${limit}.`
    }
    case 'invalid_value':
      return `${label} must be one of: ${issue.values.map((v) => String(v)).join(', ')}.`
    case 'invalid_format':
      return `${label} is not in the expected format.`
    case 'not_multiple_of':
      return `${label} must be a multiple of ${String(issue.divisor)}.`
    case 'unrecognized_keys':
      return `Unknown field(s): ${issue.keys.join(', ')}.`
    default:
      return `${label} is not valid.`
  }
}
