/**
 * `flotilla status NAME` and `flotilla reset NAME [--host H]… [--yes] [--delete-pki]` (issue 13 §3,
 * §4).
 *
 * status: nodes (roles, Ready, taints, kubelet), the endpoint's backends, etcd's members; a part that
 * cannot be reached says why and the others are still shown. Exit 0: healthy (every part reached,
 * every node Ready, every backend UP, every member healthy; an `address` endpoint's backends are not
 * read, see isHealthy); STATUS_UNHEALTHY (2): the command
 * answered, but something is not healthy or could not be reached; 1: the command itself failed
 * (no such cluster, locked vault).
 *
 * reset: shows the reset plan (like `flotilla apply` shows its plan), asks unless --yes, runs exactly
 * that plan, then re-probes every reset host. Exit 0 only when every step is done and every re-probe
 * found no leftovers.
 */
import { randomUUID } from 'node:crypto'
import type { Command } from 'commander'
import type { ResetResult } from '../../shared/channels/reset'
import type { ClusterStatus, StatusPart } from '../../shared/channels/status'
import { AppError } from '../../shared/errors'
import type { PlanView } from '../../shared/types'
import { envSecret } from '../services/secrets/env-secrets'
import { toNumber } from './cli-helpers'
import type { CliContext } from './hosts-commands'
import { CliExit, jsonText, table, terminalSafe } from './output'
import { LATER_PHASES, planText } from './plan-commands'
import { ask, interactive } from './prompt'

/** `flotilla status`'s exit code when the cluster answered but is not (entirely) healthy. */
export const STATUS_UNHEALTHY = 2

export function registerResetCommands(program: Command, ctx: CliContext): void {
  program
    .command('status <cluster>')
    .description(
      'nodes, roles, Ready, taints, endpoint backends, etcd members (exit 0 healthy, 2 not healthy or not all reachable)',
    )
    .action(async (cluster: string) => {
      const api = ctx.app().api
      await giveSudoFromEnv(ctx)
      const status = await api.clusters.status(cluster)
      ctx.out.stdout(ctx.json() ? jsonText(status) : statusText(status))
      if (!status.healthy) throw new CliExit(STATUS_UNHEALTHY)
    })

  program
    .command('reset <cluster>')
    .description('show the reset plan, ask, then reset the hosts (all of the cluster without --host) and re-probe them')
    .option(
      '--host <host>',
      'reset only this host (label, address or id; repeatable); the cluster stays',
      (value: string, list: string[]) => [...list, value],
      [] as string[],
    )
    .option('-y, --yes', 'reset without asking (needed when there is no terminal)')
    .option('--delete-pki', "whole cluster only: also delete the cluster's certificate authorities from the vault")
    .option('--parallel <n>', 'steps running at once across hosts (default 4)')
    .action(async (cluster: string, o: { host: string[]; yes?: boolean; deletePki?: boolean; parallel?: string }) => {
      const api = ctx.app().api
      const options = { ...(o.host.length ? { hosts: o.host } : {}), ...(o.deletePki ? { deletePki: true } : {}) }
      await giveSudoFromEnv(ctx)
      const view = await api.reset.plan(cluster, options)
      if (!ctx.json()) ctx.out.stdout(resetPlanText(view))
      if (view.blocked) throw new CliExit(1)
      if (!o.yes) {
        if (!interactive())
          throw new AppError(
            'INVALID_INPUT',
            'Not reset: there is no terminal to ask at. Review the plan above and run again with --yes.',
          )
        const answer = await ask(`Reset ${o.host.length ? o.host.join(', ') : `the whole cluster ${cluster}`}? [y/N] `)
        if (!/^y(es)?$/i.test(answer.trim())) {
          ctx.out.stdout('Not reset: nothing was changed.\n')
          throw new CliExit(1)
        }
      }
      const result = await api.reset.run(
        cluster,
        {
          ...options,
          reviewed: {
            specHash: view.specHash,
            factsFingerprint: view.factsFingerprint,
            hosts: Object.fromEntries(view.hosts.map((h) => [h.hostId, h.factsHash])),
          },
          ...(o.parallel !== undefined
            ? { parallel: toNumber(o.parallel, '--parallel', 'a whole number of steps') }
            : {}),
        },
        { opId: randomUUID() },
      )
      ctx.out.stdout(ctx.json() ? jsonText(result) : resetResultText(result))
      if (!resetSucceeded(result)) throw new CliExit(1)
    })
}

/** A script gives the sudo password by environment (as for apply); used only where sudo asks. */
async function giveSudoFromEnv(ctx: CliContext): Promise<void> {
  const sudo = envSecret('FLOTILLA_SUDO_PASSWORD')
  if (!sudo) return
  const api = ctx.app().api
  for (const host of await api.hosts.list()) await api.ssh.provideSecret(host.id, 'sudo', sudo.reveal())
}

/** The plan as `flotilla plan` prints it, titled as a reset (the apply's phase note does not apply). */
export function resetPlanText(view: PlanView): string {
  return planText(view)
    .replace(/^Plan for /, 'Reset plan for ')
    .replace(`${LATER_PHASES}\n\n`, '')
}

export function resetSucceeded(r: ResetResult): boolean {
  return r.failed.length === 0 && r.blocked.length === 0 && r.verified.every((v) => v.clean)
}

export function resetResultText(r: ResetResult): string {
  const out: string[] = ['']
  for (const f of r.failed) out.push(`FAILED ${f.message}`)
  if (r.blocked.length > 0) out.push(`Not run, as a step they need failed: ${r.blocked.join(', ')}.`)
  out.push(
    `${r.applied.length} ${r.applied.length === 1 ? 'step' : 'steps'} applied, ${r.skipped.length} already done${r.failed.length ? `, ${r.failed.length} failed` : ''}${r.blocked.length ? `, ${r.blocked.length} not run` : ''}.`,
  )
  for (const v of r.verified)
    out.push(
      v.clean
        ? `${v.host}: re-probed, no leftovers.`
        : `${v.host}: NOT clean: ${v.error ? `the re-probe failed: ${v.error}` : `the re-probe still finds ${v.leftovers.join(', ')}`}.`,
    )
  if (r.pkiDeleted) out.push(`The certificate authorities of ${r.cluster} were deleted from the vault.`)
  if (resetSucceeded(r)) out.push(`${r.cluster}: reset done.`)
  return terminalSafe(out.join('\n') + '\n')
}

function partLines<T>(title: string, part: StatusPart<T>, rows: (items: T[]) => string[][]): string {
  if (!part.reachable) return `${title}: NOT REACHABLE: ${terminalSafe(part.reason, { singleLine: true })}\n`
  if (part.items.length === 0) return `${title} (${part.source}): none\n`
  return `${title} (${part.source}):\n${table(rows(part.items))
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n')}`
}

/** The status as text: a verdict line, then nodes, backends and etcd members (each or why not). */
export function statusText(s: ClusterStatus): string {
  const out: string[] = []
  const ep = `${s.endpoint.host.includes(':') ? `[${s.endpoint.host}]` : s.endpoint.host}:${s.endpoint.port}`
  out.push(`${s.cluster}: ${s.healthy ? 'healthy' : 'NOT HEALTHY'} (endpoint ${ep}, ${s.at})`)
  out.push(
    partLines('Nodes', s.nodes, (items) => [
      ['NAME', 'ROLES', 'STATUS', 'KUBELET', 'TAINTS'],
      ...items.map((n) => [
        n.name,
        n.roles.join(',') || '<none>',
        `${n.ready ? 'Ready' : 'NotReady'}${n.unschedulable ? ',SchedulingDisabled' : ''}`,
        n.kubeletVersion,
        n.taints.join(' ') || '<none>',
      ]),
    ]),
  )
  out.push(
    partLines(`Endpoint backends`, s.backends, (items) => [
      ['BACKEND', 'SERVER', 'STATUS', 'ADDRESS'],
      ...items.map((b) => [b.backend, b.server, b.status, b.address ?? '']),
    ]),
  )
  out.push(
    partLines('etcd members', s.etcd, (items) => [
      ['NAME', 'ID', 'HEALTH', 'PEER URL'],
      ...items.map((m) => [
        m.name || '<not started>',
        m.id,
        m.healthy ? 'healthy' : `UNHEALTHY (${m.detail ?? 'no answer'})`,
        m.peerURLs.join(','),
      ]),
    ]),
  )
  return terminalSafe(out.join('\n'))
}
