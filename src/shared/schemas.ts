/**
 * The building blocks of input validation: addresses, ports, users, labels, ids. Each domain's
 * channel schemas (./channels) are made of these. Whatever arrives over IPC or a socket is `unknown`
 * until one of them parses it; the same schemas back the CLI, so a script meets the same rules.
 */
import { z } from 'zod'

const ADDRESS_HELP = 'Enter an IPv4 or IPv6 address or a host name such as kubic-pi1.local.'

/** Strict dotted-quad IPv4 (no leading zeros, which some tools read as octal). */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
/** RFC 1123 label: letters, digits, hyphen; not starting or ending with a hyphen. */
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/
/** Login names as Linux tools accept them, minus anything a shell would treat specially. */
const USER = /^[a-z_][a-z0-9_.-]{0,31}$/i
/** C0/C1 control characters and DEL: never part of a label. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

function isIPv6(value: string): boolean {
  return z.ipv6().safeParse(value).success
}

/** True for a host name made of RFC 1123 labels (a trailing dot is allowed). */
export function isHostName(value: string): boolean {
  const name = value.endsWith('.') ? value.slice(0, -1) : value
  if (name.length === 0 || name.length > 253) return false
  const labels = name.split('.')
  // An all-numeric name would be read as an (invalid) IPv4 address by resolvers.
  if (labels.every((l) => /^\d+$/.test(l))) return false
  return labels.every((label) => DNS_LABEL.test(label))
}

/**
 * Normalises an address as the user typed it: trims, strips the brackets of "[::1]" and lower-cases
 * names and IPv6. Returns null when it is neither an IP address nor a host name.
 */
export function normaliseAddress(raw: string): string | null {
  let value = raw.trim()
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1)
  if (IPV4.test(value)) return value
  const lower = value.toLowerCase()
  if (isIPv6(lower)) return lower
  return isHostName(lower) ? lower : null
}

export const addressSchema = z
  .string({ error: 'Address is required.' })
  .trim()
  .min(1, 'Address is required.')
  .max(253, 'Address is too long (253 characters at most).')
  .transform((value, ctx) => {
    const address = normaliseAddress(value)
    if (address === null) {
      ctx.addIssue({ code: 'custom', message: `"${value.slice(0, 40)}" is not a valid address. ${ADDRESS_HELP}` })
      return z.NEVER
    }
    return address
  })

export const portSchema = z
  .number({ error: 'Port must be a whole number from 1 to 65535.' })
  .int('Port must be a whole number from 1 to 65535.')
  .min(1, 'Port must be a whole number from 1 to 65535.')
  .max(65535, 'Port must be a whole number from 1 to 65535.')

export const userSchema = z
  .string({ error: 'User is required.' })
  .trim()
  .min(1, 'User is required.')
  .max(32, 'User is too long (32 characters at most).')
  .regex(
    USER,
    'User names start with a letter or "_" and contain only letters, digits, ".", "_" or "-" (no spaces or shell characters).',
  )

export const labelSchema = z
  .string()
  .trim()
  .max(64, 'Label is too long (64 characters at most).')
  .refine((v) => !CONTROL.test(v), 'Label must not contain control characters.')

export const idSchema = z
  .string({ error: 'An id is required.' })
  .min(1, 'An id is required.')
  .max(64, 'That id is too long.')
  .regex(/^[A-Za-z0-9_-]+$/, 'That is not a valid id.')

/**
 * The one rule for a new passphrase (the vault's, a backup's), wherever it comes from: the UI's
 * form, `vault setup`, FLOTILLA_VAULT_PASSPHRASE or --passphrase-file creating a vault on first use.
 * Long enough to resist guessing once scrypt has slowed each guess down.
 */
export const MIN_PASSPHRASE_LENGTH = 8
export const MAX_PASSPHRASE_LENGTH = 1024
export const PASSPHRASE_TOO_SHORT = `Use a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters.`
export const PASSPHRASE_TOO_LONG = `That passphrase is too long (${MAX_PASSPHRASE_LENGTH} characters at most).`

/** Why `value` cannot be a new passphrase, or null when it can. */
export function newPassphraseProblem(value: string): string | null {
  if (value.length < MIN_PASSPHRASE_LENGTH) return PASSPHRASE_TOO_SHORT
  if (value.length > MAX_PASSPHRASE_LENGTH) return PASSPHRASE_TOO_LONG
  return null
}
