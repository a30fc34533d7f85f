import type { Command } from 'commander'
import { AppError } from '../../shared/errors'
import { LOGIN_USER_EXAMPLES, suggestedUser } from '../../shared/login-user'
import { normaliseAddress } from '../../shared/schemas'
import type { Host, HostInput, HostPatch } from '../../shared/types'
import type { App } from '../app'
import { requireSuccess, toNumber } from './cli-helpers'
import { jsonText, table, type Output } from './output'

export interface CliContext {
  out: Output
  json(): boolean
  app(): App
}

/** `flotilla hosts add|list|edit|remove|check|adopt|ignore`. */
export function registerHostCommands(program: Command, ctx: CliContext): void {
  const hosts = program.command('hosts').description('the hosts Flotilla knows')

  hosts
    .command('add <address>')
    .description('add a host by IPv4/IPv6 address or name')
    .option('-p, --port <port>', 'SSH port', '22')
    .option('-u, --user <user>', `SSH user, required (${LOGIN_USER_EXAMPLES})`)
    .option('-l, --label <label>', 'friendly name')
    .action(async (address: string, o: { port: string; user?: string; label?: string }) => {
      // Without --user the contract says which user is missing (one rule with the app's form).
      const host = await ctx.app().api.hosts.add({
        address,
        port: toNumber(o.port, '--port', 'a port number from 1 to 65535'),
        ...(o.user !== undefined ? { user: o.user } : {}),
        ...(o.label !== undefined ? { label: o.label } : {}),
      } as HostInput)
      print(ctx, host, `Added ${describe(host)} (id ${host.id}).\n`)
    })

  hosts
    .command('list')
    .alias('ls')
    .description('list hosts')
    .action(async () => {
      const list = await ctx.app().api.hosts.list()
      if (ctx.json()) return ctx.out.stdout(jsonText(list))
      if (list.length === 0)
        return ctx.out.stdout('No hosts yet. Add one: flotilla hosts add <address> --user <user>\n')
      ctx.out.stdout(
        table([
          ['ID', 'ADDRESS', 'PORT', 'USER', 'LABEL'],
          ...list.map((h) => [h.id, h.address, String(h.port), h.user || '?', h.label ?? '']),
        ]),
      )
    })

  hosts
    .command('edit <host>')
    .description('change a host (by id, address or label)')
    .option('-a, --address <address>', 'new address')
    .option('-p, --port <port>', 'new SSH port')
    .option('-u, --user <user>', 'new SSH user')
    .option('-l, --label <label>', 'new label ("" clears it)')
    .action(async (ref: string, o: { address?: string; port?: string; user?: string; label?: string }) => {
      const api = ctx.app().api
      const target = await resolveHost(ctx, ref)
      const patch: HostPatch = {}
      if (o.address !== undefined) patch.address = o.address
      if (o.port !== undefined) patch.port = toNumber(o.port, '--port', 'a port number from 1 to 65535')
      if (o.user !== undefined) patch.user = o.user
      if (o.label !== undefined) patch.label = o.label
      if (Object.keys(patch).length === 0) {
        throw new AppError('INVALID_INPUT', 'Nothing to change: give --address, --port, --user or --label.')
      }
      // "Updated" for an edit that changed nothing would hide a typo'd host or option: exit 1.
      if (unchanged(target, patch)) {
        throw new AppError('INVALID_INPUT', `Nothing to change: ${describe(target)} already has these settings.`)
      }
      const host = await api.hosts.update(target.id, patch)
      print(ctx, host, `Updated ${describe(host)}.\n`)
    })

  hosts
    .command('remove <host>')
    .alias('rm')
    .description('forget a host (by id, address or label)')
    .action(async (ref: string) => {
      const target = await resolveHost(ctx, ref)
      await ctx.app().api.hosts.remove(target.id)
      print(ctx, { removed: target.id }, `Removed ${describe(target)}.\n`)
    })

  hosts
    .command('adopt <host>')
    .description('take a host found by `flotilla discover` into your hosts, with its login (by id, address or label)')
    .option('-u, --user <user>', 'SSH user (default: from the discovery hints: pi on Raspberry Pi OS, root on MicroOS)')
    .option('-p, --port <port>', 'SSH port (default: the one it announced, else 22)')
    .option('-l, --label <label>', 'new label ("" clears it)')
    .action(async (ref: string, o: { user?: string; port?: string; label?: string }) => {
      const target = await resolveHost(ctx, ref)
      // The same rule as the app's Adopt form: the hints propose the login, else the person says it.
      const user = o.user ?? suggestedUser(target.discovery?.hints)
      if (user === undefined) {
        throw new AppError(
          'INVALID_INPUT',
          `Nothing Flotilla saw of ${describe(target)} says which user logs in: adopt it with --user (${LOGIN_USER_EXAMPLES}).`,
          { fields: { user: 'User is required.' } },
        )
      }
      const host = await ctx.app().api.discovery.adopt(target.id, {
        user,
        ...(o.port !== undefined ? { port: toNumber(o.port, '--port', 'a port number from 1 to 65535') } : {}),
        ...(o.label !== undefined ? { label: o.label } : {}),
      })
      print(ctx, host, `Adopted ${describe(host)}. Next: flotilla ssh trust ${host.label ?? host.address}\n`)
    })

  hosts
    .command('ignore <host>')
    .description('hide a host found by `flotilla discover`; later scans do not bring it back (by id, address or label)')
    .option('--undo', 'show it again')
    .action(async (ref: string, o: { undo?: boolean }) => {
      const target = await resolveHost(ctx, ref)
      const host = await ctx.app().api.discovery.ignore(target.id, !o.undo)
      print(ctx, host, `${o.undo ? 'Showing' : 'Ignoring'} ${describe(host)}.\n`)
    })

  hosts
    .command('check [hosts...]')
    .description('check that hosts answer on their SSH port (all hosts when none given)')
    .action(async (refs: string[]) => {
      const api = ctx.app().api
      const targets = refs.length > 0 ? await Promise.all(refs.map((r) => resolveHost(ctx, r))) : await api.hosts.list()
      if (targets.length === 0) throw new AppError('HOST_NOT_FOUND', 'No hosts to check. Add one first.')
      const abort = new AbortController()
      const onSigint = () => abort.abort()
      process.once('SIGINT', onSigint)
      try {
        const opId = api.ops.newId()
        const results = await api.hosts.check(
          targets.map((t) => t.id),
          { signal: abort.signal, opId },
        )
        if (ctx.json()) {
          ctx.out.stdout(jsonText(results))
          return await requireSuccess(ctx, opId)
        }
        const byId = new Map(targets.map((t) => [t.id, t]))
        ctx.out.stdout(
          table([
            ['HOST', 'STATE', 'DETAIL'],
            ...results.map((r) => [
              describe(byId.get(r.hostId)!),
              r.reachable ? 'reachable' : 'unreachable',
              (r.reachable ? r.banner : r.reason) ?? '',
            ]),
          ]),
        )
        // Exit 1 unless every host answered: the check is for "can Flotilla reach them".
        await requireSuccess(ctx, opId)
      } finally {
        process.off('SIGINT', onSigint)
      }
    })
}

/** Finds a host by id, then address, then label; refuses ambiguous references. */
export async function resolveHost(ctx: CliContext, ref: string): Promise<Host> {
  const list = await ctx.app().api.hosts.list()
  const byId = list.find((h) => h.id === ref)
  if (byId) return byId
  const needle = ref
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
  for (const matches of [
    list.filter((h) => h.address === needle),
    list.filter((h) => h.label?.toLowerCase() === needle),
  ]) {
    if (matches.length === 1) return matches[0]!
    if (matches.length > 1) {
      throw new AppError(
        'INVALID_INPUT',
        `"${ref}" matches ${matches.length} hosts; use the id (see: flotilla hosts list).`,
      )
    }
  }
  throw new AppError('HOST_NOT_FOUND', `No host "${ref}" (see: flotilla hosts list).`)
}

/** True when applying `patch` would leave `host` as it is (compared as the schemas normalise). */
function unchanged(host: Host, patch: HostPatch): boolean {
  const label = patch.label?.trim()
  return (
    (patch.address === undefined || normaliseAddress(patch.address) === host.address) &&
    (patch.port === undefined || patch.port === host.port) &&
    (patch.user === undefined || patch.user.trim() === host.user) &&
    (label === undefined || label === (host.label ?? ''))
  )
}

export function describe(host: Host): string {
  const address = host.address.includes(':') ? `[${host.address}]` : host.address
  // A pending host of an unknown kind has no user yet (adopting gives it one).
  const where = `${host.user ? `${host.user}@` : ''}${address}:${host.port}`
  return host.label ? `${host.label} (${where})` : where
}

function print(ctx: CliContext, value: unknown, human: string): void {
  ctx.out.stdout(ctx.json() ? jsonText(value) : human)
}
