import type { Command } from 'commander'
import { AppError, isAppErrorData, type AppErrorData } from '../../shared/errors'
import type { Host, RunResult } from '../../shared/types'
import { print, requireSuccess, toNumber } from './cli-helpers'
import { describe, resolveHost, type CliContext } from './hosts-commands'
import { ask, interactive } from './prompt'
import { jsonText, CliExit, table, terminalSafe } from './output'
import { envSecret } from '../services/secrets/env-secrets'

/**
 * `flotilla ssh trust|check|run|install-key|reboot`. When a host needs something from a person —
 * confirming a fingerprint, a password, a key passphrase — the CLI asks on the terminal and tries
 * again; scripts give passwords through FLOTILLA_SSH_PASSWORD / FLOTILLA_SUDO_PASSWORD /
 * FLOTILLA_KEY_PASSPHRASE and trust keys with --fingerprint (never blindly).
 */
export function registerSshCommands(program: Command, ctx: CliContext): void {
  const ssh = program.command('ssh').description('reach hosts over SSH')

  ssh
    .command('trust <host>')
    .description("show a host's key fingerprint and trust it")
    .option('--fingerprint <sha256>', 'trust only if the host presents exactly this key (for scripts)')
    .option('--replace', 'replace a different trusted key (the host was re-installed)')
    .action(async (ref: string, o: { fingerprint?: string; replace?: boolean }) => {
      const host = await resolveHost(ctx, ref)
      const api = ctx.app().api
      const scan = await api.ssh.scan(host.id).catch((error: unknown) => Promise.reject(withNextStep(error, host)))
      let fingerprint = o.fingerprint
      let replace = o.replace === true
      if (fingerprint === undefined && scan.status === 'pinned' && o.replace !== true) {
        return print(ctx, host.hostKey, `${describe(host)} is already trusted: ${scan.fingerprint}\n`)
      }
      if (fingerprint === undefined) {
        const changed = scan.status === 'changed' && scan.pinnedFingerprint !== undefined
        if (!interactive()) {
          throw withNextStep(
            changed
              ? new AppError(
                  'HOST_KEY_CHANGED',
                  `${describe(host)} presents ${scan.type} ${scan.fingerprint}, but the key trusted for it is ${scan.pinnedFingerprint}.`,
                  { hostId: host.id, oldFingerprint: scan.pinnedFingerprint, newFingerprint: scan.fingerprint },
                )
              : new AppError(
                  'HOST_KEY_UNKNOWN',
                  `${describe(host)} presents ${scan.type} ${scan.fingerprint}. Check it on the machine.`,
                  { hostId: host.id, fingerprint: scan.fingerprint },
                ),
            host,
          )
        }
        const question = changed
          ? `${describe(host)} presents ${scan.type} key ${scan.fingerprint}, but the key trusted for it is ${scan.pinnedFingerprint}.\nIf you re-installed it, replace the old key with the new one? [y/N] `
          : `${describe(host)} presents ${scan.type} key ${scan.fingerprint}.\nTrust it? [y/N] `
        const answer = await ask(question)
        if (!/^y(es)?$/i.test(answer.trim())) throw new AppError('CANCELLED', 'Not trusted.')
        fingerprint = scan.fingerprint
        // The person saw both keys and said yes: that is the deliberate re-trust.
        replace ||= changed
      }
      const trusted = await api.ssh
        .trust(host.id, fingerprint, { replace })
        .catch((error: unknown) => Promise.reject(withNextStep(error, host)))
      print(ctx, trusted.hostKey, `Trusted ${describe(host)}: ${trusted.hostKey?.fingerprint}\n`)
    })

  ssh
    .command('check [hosts...]')
    .description('log in to hosts and report user, OS and sudo (all hosts when none given)')
    .action(async (refs: string[]) => {
      const hosts = await targets(ctx, refs)
      // The last attempt's operation is the one whose outcome the command reports.
      let opId = ''
      const results = await withPrompts(
        ctx,
        hosts,
        () =>
          ctx.app().api.ssh.check(
            hosts.map((h) => h.id),
            { opId: (opId = ctx.app().api.ops.newId()) },
          ),
        (r) => r.flatMap((x) => (x.error ? [x.error] : [])),
      )
      if (ctx.json()) {
        ctx.out.stdout(jsonText(results))
        return await requireSuccess(ctx, opId)
      }
      const byId = new Map(hosts.map((h) => [h.id, h]))
      ctx.out.stdout(
        table([
          ['HOST', 'STATE', 'USER', 'SUDO', 'OS / REASON'],
          ...results.map((r) => [
            describe(byId.get(r.hostId)!),
            r.ok ? 'ok' : 'failed',
            r.user ?? '',
            r.sudo ?? '',
            r.ok ? (r.os ?? '') : `${withNextStep(r.error, byId.get(r.hostId)!).message} [${r.error?.code}]`,
          ]),
        ]),
      )
      await requireSuccess(ctx, opId)
    })

  ssh
    .command('run <host> <command...>')
    .description('run a command on a host: flotilla ssh run <host> -- <command> [args…] (each word quoted)')
    .option('--sudo', 'run as root through sudo')
    .option('--timeout <seconds>', 'stop the command after this long', '120')
    .action(async (ref: string, words: string[], o: { sudo?: boolean; timeout: string }) => {
      const [host] = await targets(ctx, [ref])
      const result = await runStreaming(ctx, host!, words, {
        sudo: o.sudo === true,
        timeoutSec: toNumber(o.timeout, '--timeout', 'a whole number of seconds'),
      })
      if (ctx.json()) ctx.out.stdout(jsonText(result))
      if (result.exitCode !== 0)
        throw new AppError('COMMAND_FAILED', `The command exited with ${result.exitCode ?? result.signal}.`, {
          exitCode: result.exitCode,
        })
    })

  ssh
    .command('install-key <host>')
    .description("add your public key (~/.ssh/id_*.pub) to the host's authorized_keys")
    .action(async (ref: string) => {
      const [host] = await targets(ctx, [ref])
      const result = await withPrompts(
        ctx,
        [host!],
        () => ctx.app().api.ssh.installKey(host!.id),
        () => [],
      )
      print(
        ctx,
        result,
        result.added ? `Your key is now in ${describe(host!)}'s authorized_keys.\n` : `Your key was already there.\n`,
      )
    })

  ssh
    .command('reboot <host>')
    .description('reboot a host and wait until it is back')
    .option('--timeout <seconds>', 'give up waiting after this long', '300')
    .action(async (ref: string, o: { timeout: string }) => {
      const [host] = await targets(ctx, [ref])
      const result = await withPrompts(
        ctx,
        [host!],
        () =>
          ctx
            .app()
            .api.ssh.reboot(host!.id, { timeoutSec: toNumber(o.timeout, '--timeout', 'a whole number of seconds') }),
        () => [],
      )
      print(ctx, result, `${describe(host!)} is back after ${result.seconds} s (boot id ${result.bootIdAfter}).\n`)
    })
}

/**
 * `ssh run`: the command's output goes to our stdout and stderr as it arrives, byte for byte and
 * uncapped (with --json, the result is printed instead, as JSON can only hold text). Ctrl-C, or a
 * reader of our stdout that goes away (`| head -1`), cancels the run, which stops the remote
 * command's processes before the CLI exits (130, 141).
 */
async function runStreaming(
  ctx: CliContext,
  host: Host,
  words: string[],
  options: { sudo: boolean; timeoutSec: number },
): Promise<RunResult> {
  const api = ctx.app().api
  const stream = !ctx.json()
  let opId = ''
  const write = (name: 'stdout' | 'stderr', chunk: Buffer) => {
    if (ctx.out.bytes) ctx.out.bytes(name, chunk)
    else ctx.out[name](chunk.toString('utf8'))
  }
  const offOutput = stream
    ? api.ssh.onOutput((o) => o.opId === opId && write(o.stream, Buffer.from(o.data, 'base64')))
    : () => undefined
  const abort = new AbortController()
  let exitCode: number | undefined
  // More Ctrl-Cs change nothing: stopping the remote command is bounded (exec's KILL_TIMEOUT_MS),
  // and a library (when-exit, under the store) raises SIGINT once more by itself.
  const stop = (code: number) => {
    exitCode ??= code
    abort.abort()
  }
  const onSigint = () => stop(130)
  process.on('SIGINT', onSigint)
  const offPipe = ctx.out.onBrokenPipe?.(() => stop(141)) ?? (() => undefined)
  try {
    return await withPrompts(
      ctx,
      [host],
      () => {
        opId = api.ops.newId()
        return api.ssh.run(
          host.id,
          words,
          { ...options, ...(stream ? { stream } : {}) },
          { opId, signal: abort.signal },
        )
      },
      () => [],
    )
  } catch (error) {
    if (exitCode !== undefined) throw new CliExit(exitCode)
    throw error
  } finally {
    offOutput()
    offPipe()
    process.off('SIGINT', onSigint)
  }
}

async function targets(ctx: CliContext, refs: string[]): Promise<Host[]> {
  const hosts =
    refs.length > 0 ? await Promise.all(refs.map((r) => resolveHost(ctx, r))) : await ctx.app().api.hosts.list()
  if (hosts.length === 0) throw new AppError('HOST_NOT_FOUND', 'No hosts. Add one: flotilla hosts add <address>.')
  // Secrets given by environment apply to every host of this command.
  for (const host of hosts) {
    for (const [kind, env] of [
      ['password', 'FLOTILLA_SSH_PASSWORD'],
      ['sudo', 'FLOTILLA_SUDO_PASSWORD'],
    ] as const) {
      const value = envSecret(env)
      if (value) await ctx.app().api.ssh.provideSecret(host.id, kind, value.reveal())
    }
  }
  return hosts
}

/**
 * Runs `call`; when it (or a per-host result) says a secret is missing and a person is at the
 * terminal, asks for it, hands it over and tries again (a few times at most).
 */
async function withPrompts<T>(
  ctx: CliContext,
  hosts: Host[],
  call: () => Promise<T>,
  errorsOf: (value: T) => AppErrorData[],
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let errors: AppErrorData[]
    let value: T | undefined
    try {
      value = await call()
      errors = errorsOf(value)
    } catch (error) {
      if (!isAppErrorData(error)) throw error
      errors = [error]
    }
    const askable = errors.filter((e) =>
      ['AUTH_NEEDED', 'AUTH_FAILED', 'SUDO_PASSWORD_NEEDED', 'SUDO_AUTH_FAILED'].includes(e.code),
    )
    if (askable.length === 0 || attempt >= 3 || !interactive()) {
      if (value !== undefined) return value
      const first = errors[0]!
      throw withNextStep(first, hosts.find((h) => h.id === first.details?.hostId) ?? hosts[0]!)
    }
    for (const error of askable) await askFor(ctx, hosts, error)
  }
}

async function askFor(ctx: CliContext, hosts: Host[], error: AppErrorData): Promise<void> {
  const hostId = String(error.details?.hostId ?? hosts[0]?.id)
  const host = hosts.find((h) => h.id === hostId) ?? hosts[0]!
  ctx.out.stderr(terminalSafe(`${error.message}\n`))
  const api = ctx.app().api
  if (error.code.startsWith('SUDO')) {
    await api.ssh.provideSecret(host.id, 'sudo', await ask(`sudo password for ${describe(host)}: `, { hidden: true }))
  } else if (error.details?.kind === 'passphrase' && typeof error.details.keyPath === 'string') {
    const passphrase =
      envSecret('FLOTILLA_KEY_PASSPHRASE')?.reveal() ??
      (await ask(`Passphrase for ${error.details.keyPath}: `, { hidden: true }))
    await api.ssh.provideSecret(host.id, 'passphrase', passphrase, error.details.keyPath)
  } else {
    await api.ssh.provideSecret(host.id, 'password', await ask(`Password for ${describe(host)}: `, { hidden: true }))
  }
}

/** How the user names a host in the commands we suggest. */
function hostRef(host: Host): string {
  return host.label ?? host.address
}

/**
 * The error with the exact command (or variable) that gets past it appended, so a script's log or
 * a terminal always says what to run next. Errors without a known next step pass through.
 */
export function withNextStep(error: unknown, host: Host): AppError {
  if (!isAppErrorData(error)) {
    return error instanceof AppError ? error : new AppError('INTERNAL', String(error))
  }
  const details = error.details ?? {}
  const trust = `flotilla ssh trust ${hostRef(host)}`
  let next = ''
  switch (error.code) {
    case 'HOST_KEY_CHANGED':
      if (typeof details.oldFingerprint === 'string' && typeof details.newFingerprint === 'string') {
        next = `To re-trust it after checking ${details.newFingerprint} on the machine, run: ${trust} --fingerprint ${details.newFingerprint} --replace`
      }
      break
    case 'HOST_KEY_UNKNOWN':
      if (typeof details.fingerprint === 'string') {
        next = `If that is its key, run: ${trust} --fingerprint ${details.fingerprint}`
      }
      break
    case 'AUTH_NEEDED':
    case 'AUTH_FAILED':
      if (details.kind === 'password') next = 'Run this at a terminal to be asked, or set FLOTILLA_SSH_PASSWORD.'
      if (details.kind === 'passphrase') next = 'Run this at a terminal to be asked, or set FLOTILLA_KEY_PASSPHRASE.'
      break
    case 'SUDO_PASSWORD_NEEDED':
    case 'SUDO_AUTH_FAILED':
      next = 'Run this at a terminal to be asked, or set FLOTILLA_SUDO_PASSWORD.'
      break
  }
  return new AppError(error.code, next ? `${error.message} ${next}` : error.message, error.details)
}
