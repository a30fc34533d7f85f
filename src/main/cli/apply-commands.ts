/**
 * `flotilla apply NAME [-f FILE] [--yes] [--reset-leftovers HOST]… [--break-lock]` and
 * `flotilla logs NAME [--host H] [--step S]` (issue 13 §2, §4). Apply shows the plan first (the
 * same text as `flotilla plan`), asks unless --yes, then applies exactly that plan (its hashes go
 * with the request; a plan that changed meanwhile is refused) with one line per host and step.
 * Exit 0 only when every step is done.
 */
import { APPLY_MAX_PROBE_AGE_MS } from '../services/apply/apply-service'
import { randomUUID } from 'node:crypto'
import type { Command } from 'commander'
import type { ApplyResult } from '../../shared/channels/apply'
import { AppError } from '../../shared/errors'
import type { PlanView } from '../../shared/types'
import { resolveHostRef } from '../services/clusters/host-ref'
import { readSpecYaml } from '../services/clusters/spec-yaml'
import { envSecret } from '../services/secrets/env-secrets'
import { readSpecFile, resolveCluster, toNumber } from './cli-helpers'
import type { CliContext } from './hosts-commands'
import { printOpLog } from './ops-commands'
import { CliExit, jsonText, terminalSafe } from './output'
import { planText } from './plan-commands'
import { ask, interactive } from './prompt'

interface ApplyFlags {
  file?: string
  yes?: boolean
  resetLeftovers: string[]
  breakLock?: boolean
  parallel?: string
}

export function registerApplyCommands(program: Command, ctx: CliContext): void {
  program
    .command('apply <cluster>')
    .description('show the plan, ask, then run it: every step checked, applied where needed, verified')
    .option('-f, --file <file>', 'apply this spec file instead of the stored spec')
    .option('-y, --yes', 'apply without asking (needed when there is no terminal)')
    .option(
      '--reset-leftovers <host>',
      'agree to wipe what an old cluster left on HOST (repeatable)',
      (value: string, list: string[]) => [...list, value],
      [] as string[],
    )
    .option('--parallel <n>', 'steps running at once across hosts (default 4)')
    .option('--break-lock', 'remove the cluster’s apply lock (only when its apply is surely gone), then stop')
    .action(async (cluster: string, o: ApplyFlags) => {
      const api = ctx.app().api
      if (o.breakLock) {
        const removed = await api.apply.breakLock(cluster)
        if (ctx.json()) return ctx.out.stdout(jsonText(removed))
        return ctx.out.stdout(
          removed
            ? `Removed the apply lock of ${removed.cluster} (process ${removed.pid} on ${removed.host}, since ${removed.startedAt}${removed.stale ? ', gone' : ', STILL RUNNING: stop it'}).\n`
            : `Nobody holds the apply lock of ${cluster}.\n`,
        )
      }
      let specYaml: string | undefined
      if (o.file !== undefined) {
        specYaml = await readSpecFile(ctx, o.file)
        readSpecYaml(specYaml, o.file)
      }
      const source = {
        ...(specYaml !== undefined ? { specYaml } : {}),
        ...(o.resetLeftovers.length ? { resetConsent: o.resetLeftovers } : {}),
      }
      // A script gives the sudo password by environment; it is used only where sudo asks for one.
      const sudo = envSecret('FLOTILLA_SUDO_PASSWORD')
      if (sudo) for (const host of await api.hosts.list()) await api.ssh.provideSecret(host.id, 'sudo', sudo.reveal())
      // Facts as fresh as apply wants them, so the plan shown is the one apply will find.
      const view = await api.plan.compute(cluster, {
        ...source,
        checks: true,
        maxProbeAgeSec: APPLY_MAX_PROBE_AGE_MS / 1000,
      })
      if (!ctx.json()) ctx.out.stdout(planText(view))
      if (view.blocked) throw new CliExit(1)
      if (view.summary.steps > 0 && view.summary.done === view.summary.steps) {
        // planText said "Nothing to do" already; no lock, no operation, nothing changed.
        if (ctx.json()) ctx.out.stdout(jsonText({ cluster: view.cluster, nothingToDo: true }))
        return
      }
      if (!o.yes) {
        if (!interactive()) {
          throw new AppError(
            'INVALID_INPUT',
            'Not applied: there is no terminal to ask at. Review the plan above and run again with --yes.',
          )
        }
        const answer = await ask('Apply? [y/N] ')
        if (!/^y(es)?$/i.test(answer.trim())) {
          ctx.out.stdout('Not applied: nothing was changed.\n')
          throw new CliExit(1)
        }
      }
      const opId = randomUUID()
      const stopProgress = ctx.json() ? () => undefined : progressLines(ctx, opId, view)
      // Ctrl-C cancels the operation: the running steps stop at once and their remote commands are
      // killed, every host is left where the next apply continues. A second Ctrl-C quits outright.
      const onInterrupt = () => {
        process.off('SIGINT', onInterrupt)
        ctx.out.stderr('\nCancelling: stopping the running steps (Ctrl-C again to quit at once)…\n')
        void api.ops.cancel(opId)
      }
      process.on('SIGINT', onInterrupt)
      let result: ApplyResult
      try {
        result = await api.apply.run(
          cluster,
          {
            ...source,
            reviewed: {
              specHash: view.specHash,
              factsFingerprint: view.factsFingerprint,
              hosts: Object.fromEntries(view.hosts.map((h) => [h.hostId, h.factsHash])),
            },
            ...(o.parallel !== undefined
              ? { parallel: toNumber(o.parallel, '--parallel', 'a whole number of steps') }
              : {}),
          },
          { opId },
        )
      } finally {
        process.off('SIGINT', onInterrupt)
        stopProgress()
      }
      if (ctx.json()) ctx.out.stdout(jsonText(result))
      else ctx.out.stdout(resultText(result))
      if (result.failed.length > 0 || result.blocked.length > 0) throw new CliExit(1)
    })

  program
    .command('logs <cluster>')
    .description('the log of the last apply of a cluster, per host and step (redacted)')
    .option('--host <host>', 'only this host’s lines (label, address or id)')
    .option('--step <stepId>', 'only this step’s lines')
    .action(async (ref: string, o: { host?: string; step?: string }) => {
      const api = ctx.app().api
      const known = (await api.clusters.list()).some((c) => c.id === ref || c.name === ref.trim().toLowerCase())
      const cluster = known ? await resolveCluster(ctx, ref) : undefined
      const name = cluster?.name ?? ref.trim().toLowerCase()
      const last = (await api.ops.list())
        .filter(
          (op) =>
            op.kind === 'apply:run' &&
            ((cluster !== undefined && op.clusterId === cluster.id) || op.title === `Applying ${name}`),
        )
        .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
        .at(-1)
      if (!last)
        throw new AppError('OPERATION_NOT_FOUND', `${name} has not been applied yet (see: flotilla apply ${name}).`)
      let hostId: string | undefined
      if (o.host !== undefined) {
        const matches = resolveHostRef(o.host, await api.hosts.list())
        if (matches.length !== 1)
          throw new AppError('HOST_NOT_FOUND', `No single host "${o.host}" (see: flotilla hosts list).`)
        hostId = matches[0]!.id
      }
      if (!ctx.json())
        ctx.out.stdout(
          terminalSafe(`${last.title}, started ${last.startedAt}: ${last.outcome?.summary ?? last.state}\n`),
        )
      await printOpLog(ctx, last.id, {
        ...(hostId !== undefined ? { hostId } : {}),
        ...(o.step !== undefined ? { stepId: o.step } : {}),
      })
    })
}

/** One line per step as it ends: `  kitchen-pi  kitchen-pi/swap: done`. */
function progressLines(ctx: CliContext, opId: string, view: PlanView): () => void {
  const names = new Map(view.hosts.map((h) => [h.hostId, h.host]))
  const words = { done: 'applied', skipped: 'already done', failed: 'FAILED', cancelled: 'cancelled' } as const
  return ctx.app().events.on('op:progress', (p) => {
    if (p.opId !== opId || !p.stepState) return
    const { stepId, hostId, state } = p.stepState
    if (state === 'running') return ctx.out.stdout(terminalSafe(`  ${names.get(hostId) ?? hostId}: ${stepId} ...\n`))
    if (state in words) {
      const word = words[state as keyof typeof words]
      ctx.out.stdout(terminalSafe(`  ${names.get(hostId) ?? hostId}: ${stepId}: ${word}\n`))
    }
  })
}

export function resultText(r: ApplyResult): string {
  const out: string[] = ['']
  for (const f of r.failed) out.push(`FAILED ${f.message}`)
  if (r.blocked.length > 0) out.push(`Not run, as a step they need failed: ${r.blocked.join(', ')}.`)
  if (r.nothingToDo) out.push('Nothing to do: every step was already done; nothing was changed.')
  else
    out.push(
      `${r.applied.length} ${r.applied.length === 1 ? 'step' : 'steps'} applied, ${r.skipped.length} already done${r.failed.length ? `, ${r.failed.length} failed` : ''}${r.blocked.length ? `, ${r.blocked.length} not run` : ''}.`,
    )
  if (r.failed.length === 0 && r.blocked.length === 0) out.push(`${r.cluster}: every step is done.`)
  return terminalSafe(out.join('\n') + '\n')
}
