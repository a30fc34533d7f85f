import { readFileSync } from 'node:fs'
import { AppError } from '../../shared/errors'
import type { Cluster } from '../../shared/types'
import { envSecret, type SecretEnvName } from '../services/secrets/env-secrets'
import { Secret } from '../services/secrets/secret'
import type { CliContext } from './hosts-commands'

/** Prints `value` as JSON with --json, else the human text. */
export function print(ctx: CliContext, value: unknown, human: string): void {
  ctx.out.stdout(ctx.json() ? JSON.stringify(value, null, 2) + '\n' : human)
}

/** Finds a cluster by id or name. */
export async function resolveCluster(ctx: CliContext, ref: string): Promise<Cluster> {
  const list = await ctx.app().api.clusters.list()
  const found = list.find((c) => c.id === ref) ?? list.find((c) => c.name === ref.trim().toLowerCase())
  if (!found) throw new AppError('CLUSTER_NOT_FOUND', `No cluster "${ref}" (see: flotilla clusters list).`)
  return found
}

/**
 * Reads a passphrase from a file (first line; a trailing newline is not part of it), so scripts
 * never put one on a command line, where `ps` and shell history would show it.
 */
export function readPassphraseFile(path: string): Secret {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw new AppError('STORAGE', `Flotilla could not read the passphrase file ${path}.`)
  }
  const value = text.replace(/\r?\n$/, '')
  if (value === '') throw new AppError('INVALID_INPUT', `The passphrase file ${path} is empty.`)
  return new Secret(value)
}

/** A passphrase from `--<flag> <file>` or an environment variable; a sentence on how to give one. */
export function passphraseFrom(file: string | undefined, envName: SecretEnvName, flag: string): Secret {
  if (file !== undefined) return readPassphraseFile(file)
  const value = envSecret(envName)
  if (value) return value
  throw new AppError('INVALID_INPUT', `Give the passphrase with ${flag} <file> or the ${envName} environment variable.`)
}

/** Numbers from the command line; anything else goes to the schema as NaN, which names the field. */
export function toNumber(text: string): number {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN
}

/** "in 3649 days" / "expired 2 days ago" from an ISO date. */
export function expiresIn(iso: string, now = Date.now()): string {
  const days = Math.round((Date.parse(iso) - now) / 86_400_000)
  return days >= 0 ? `${iso.slice(0, 10)} (in ${days} days)` : `${iso.slice(0, 10)} (expired ${-days} days ago)`
}
