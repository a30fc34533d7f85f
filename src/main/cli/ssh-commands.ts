import type { Command } from 'commander'
import { AppError, isAppErrorData, type AppErrorData } from '../../shared/errors'
import type { Host } from '../../shared/types'
import { print, toNumber } from './cli-helpers'
import { describe, resolveHost, type CliContext } from './hosts-commands'
import { ask, interactive } from './prompt'
import { table } from './output'
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
      const scan = await api.ssh.scan(host.id)
      let fingerprint = o.fingerprint
      if (fingerprint === undefined) {
        if (!interactive()) {
          throw new AppError(
            'HOST_KEY_UNKNOWN',
            `${describe(host)} presents ${scan.type} ${scan.fingerprint}. Check it, then run again with --fingerprint ${scan.fingerprint}.`,
          )
        }
        const pinned = scan.pinnedFingerprint ? ` (trusted so far: ${scan.pinnedFingerprint})` : ''
        const answer = await ask(
          `${describe(host)} presents ${scan.type} key ${scan.fingerprint}${pinned}.\nTrust it? [y/N] `,
        )
        if (!/^y(es)?$/i.test(answer.trim())) throw new AppError('CANCELLED', 'Not trusted.')
        fingerprint = scan.fingerprint
      }
      const trusted = await api.ssh.trust(host.id, fingerprint, { replace: o.replace === true })
      print(ctx, trusted.hostKey, `Trusted ${describe(host)}: ${trusted.hostKey?.fingerprint}\n`)
    })

  ssh
    .command('check [hosts...]')
    .description('log in to hosts and report user, OS and sudo (all hosts when none given)')
    .action(async (refs: string[]) => {
      const hosts = await targets(ctx, refs)
      const results = await withPrompts(
        ctx,
        hosts,
        () => ctx.app().api.ssh.check(hosts.map((h) => h.id)),
        (r) => r.flatMap((x) => (x.error ? [x.error] : [])),
      )
      if (ctx.json()) return ctx.out.stdout(JSON.stringify(results, null, 2) + '\n')
      const byId = new Map(hosts.map((h) => [h.id, h]))
      ctx.out.stdout(
        table([
          ['HOST', 'STATE', 'USER', 'SUDO', 'OS / REASON'],
          ...results.map((r) => [
            describe(byId.get(r.hostId)!),
            r.ok ? 'ok' : 'failed',
            r.user ?? '',
            r.sudo ?? '',
            r.ok ? (r.os ?? '') : `${r.error?.message} [${r.error?.code}]`,
          ]),
        ]),
      )
      if (results.some((r) => !r.ok))
        throw new AppError(
          'COMMAND_FAILED',
          `${results.filter((r) => !r.ok).length} of ${results.length} hosts failed.`,
        )
    })

  ssh
    .command('run <host> <command...>')
    .description('run a command on a host: flotilla ssh run <host> -- <command> [args…] (each word quoted)')
    .option('--sudo', 'run as root through sudo')
    .option('--timeout <seconds>', 'stop the command after this long', '120')
    .action(async (ref: string, words: string[], o: { sudo?: boolean; timeout: string }) => {
      const [host] = await targets(ctx, [ref])
      const result = await withPrompts(
        ctx,
        [host!],
        () => ctx.app().api.ssh.run(host!.id, words, { sudo: o.sudo === true, timeoutSec: toNumber(o.timeout) }),
        () => [],
      )
      if (ctx.json()) return ctx.out.stdout(JSON.stringify(result, null, 2) + '\n')
      ctx.out.stdout(result.stdout)
      if (result.stderr) ctx.out.stderr(result.stderr)
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
        () => ctx.app().api.ssh.reboot(host!.id, { timeoutSec: toNumber(o.timeout) }),
        () => [],
      )
      print(ctx, result, `${describe(host!)} is back after ${result.seconds} s (boot id ${result.bootIdAfter}).\n`)
    })
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
      throw errors[0]
    }
    for (const error of askable) await askFor(ctx, hosts, error)
  }
}

async function askFor(ctx: CliContext, hosts: Host[], error: AppErrorData): Promise<void> {
  const hostId = String(error.details?.hostId ?? hosts[0]?.id)
  const host = hosts.find((h) => h.id === hostId) ?? hosts[0]!
  ctx.out.stderr(`${error.message}\n`)
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
