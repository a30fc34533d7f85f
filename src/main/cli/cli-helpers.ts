import { readFileSync } from 'node:fs'
import { AppError } from '../../shared/errors'
import type { Cluster } from '../../shared/types'
import { envSecret, type SecretEnvName } from '../services/secrets/env-secrets'
import { Secret } from '../services/secrets/secret'
import type { CliContext } from './hosts-commands'
import { jsonText, OutcomeError } from './output'

/** Prints `value` as JSON with --json, else the human text. */
export function print(ctx: CliContext, value: unknown, human: string): void {
  ctx.out.stdout(ctx.json() ? jsonText(value) : human)
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

/**
 * A number option from the command line, e.g. `toNumber(o.days, '--days', 'a whole number of days')`.
 * Text that is not a number fails here with a sentence naming the flag and what was typed; the
 * range is the schema's to judge (printError then names the flag, see output.ts).
 */
export function toNumber(text: string, flag: string, expected: string, { decimal = false } = {}): number {
  const pattern = decimal ? /^\s*(\d+(\.\d+)?|\.\d+)\s*$/ : /^\s*\d+\s*$/
  if (pattern.test(text)) return Number(text)
  const message = `${flag} must be ${expected}, got "${text.slice(0, 40)}".`
  throw new AppError('INVALID_INPUT', message, { fields: { [flag]: message } })
}

/** "in 3649 days" / "expired 2 days ago" from an ISO date. */
export function expiresIn(iso: string, now = Date.now()): string {
  const days = Math.round((Date.parse(iso) - now) / 86_400_000)
  return days >= 0 ? `${iso.slice(0, 10)} (in ${days} days)` : `${iso.slice(0, 10)} (expired ${-days} days ago)`
}

/**
 * Ends the command with the outcome the operation registry judged for `opId` (the same one the
 * tray and ops:list show): nothing when it succeeded, else exit 1 with its summary
 * ("5 of 5 hosts failed."). Call after printing the per-host results.
 */
export async function requireSuccess(ctx: CliContext, opId: string): Promise<void> {
  const op = (await ctx.app().api.ops.list()).find((o) => o.id === opId)
  const outcome = op?.outcome
  if (!outcome || outcome.result === 'succeeded') return
  throw new OutcomeError(op.error?.code ?? 'COMMAND_FAILED', outcome.summary)
}

/**
 * A spec file's text for `clusters import -f` and `plan -f`; `-` reads standard input. A file that
 * cannot be read says why (no such file, not allowed, a folder) instead of only that it failed.
 */
export async function readSpecFile(ctx: CliContext, path: string): Promise<string> {
  if (path === '-') {
    if (process.stdin.isTTY) ctx.out.stderr('Reading the spec from standard input; end it with Ctrl-D.\n')
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'there is no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'you may not read it'
          : code === 'EISDIR'
            ? 'it is a folder'
            : 'it could not be read'
    throw new AppError('INVALID_INPUT', `Flotilla could not read the spec file ${path}: ${why}.`, {
      fields: { file: why },
    })
  }
}
