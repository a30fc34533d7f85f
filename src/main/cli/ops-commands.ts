import type { Command } from 'commander'
import type { OperationInfo, OpLogFilter, OpStep } from '../../shared/types'
import { print } from './cli-helpers'
import type { CliContext } from './hosts-commands'
import { jsonText, table, terminalSafe } from './output'

/**
 * `flotilla ops list|show|log`: operations from their journals (<dataDir>/operations), so what a
 * closed window, a lost connection or a crashed process was doing can still be read.
 */
export function registerOpsCommands(program: Command, ctx: CliContext): void {
  const ops = program.command('ops').description('operations: running, ended, interrupted (from their journals)')

  ops
    .command('list')
    .alias('ls')
    .description('list recent operations, newest last')
    .action(async () => {
      const list = await ctx.app().api.ops.list()
      if (ctx.json()) return ctx.out.stdout(jsonText(list))
      if (list.length === 0) return ctx.out.stdout('No operations yet.\n')
      ctx.out.stdout(
        table([
          ['ID', 'STATE', 'KIND', 'STARTED', 'TITLE', 'OUTCOME'],
          ...[...list]
            .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
            .map((o) => [o.id, stateWord(o), o.kind, o.startedAt, o.title, o.outcome?.summary ?? o.step]),
        ]),
      )
    })

  ops
    .command('show <id>')
    .description('one operation: its outcome and every step per host')
    .action(async (id: string) => {
      const detail = await ctx.app().api.ops.get(id)
      const { op, steps } = detail
      const hostName = await hostNames(ctx)
      const lines = [
        `${op.title} (${op.kind})`,
        `state: ${stateWord(op)}`,
        `started: ${op.startedAt}${op.endedAt ? `, ended: ${op.endedAt}` : ''}`,
        ...(op.clusterId ? [`cluster: ${op.clusterId}`] : []),
        ...(op.outcome ? [`outcome: ${op.outcome.summary}`] : []),
        ...(op.waitingFor ?? []).map((w) => `waiting for: ${w.message}`),
      ]
      const text =
        lines.map((l) => terminalSafe(l, { singleLine: true })).join('\n') +
        '\n' +
        (steps.length > 0
          ? '\n' +
            table([
              ['STEP', 'HOST', 'STATE', 'STARTED', 'ENDED', 'EXIT', 'ERROR'],
              ...steps.map((s) => [
                s.stepId,
                hostName(s.hostId),
                stepWord(s, op),
                s.startedAt ?? '',
                s.endedAt ?? '',
                s.exitStatus === undefined ? '' : String(s.exitStatus),
                s.error?.message ?? '',
              ]),
            ])
          : '')
      print(ctx, detail, text)
    })

  ops
    .command('log <id>')
    .description("an operation's log (redacted), of one host and/or step when asked")
    .option('--host <hostId>', 'only this host’s lines (its id)')
    .option('--step <stepId>', 'only this step’s lines')
    .action((id: string, o: { host?: string; step?: string }) =>
      printOpLog(ctx, id, {
        ...(o.host !== undefined ? { hostId: o.host } : {}),
        ...(o.step !== undefined ? { stepId: o.step } : {}),
      }),
    )
}

/** Prints an operation's log (`[host step] line`), or its lines as JSON; `flotilla logs` shares it. */
export async function printOpLog(ctx: CliContext, id: string, filter: OpLogFilter): Promise<void> {
  const lines = await ctx.app().api.ops.log(id, filter)
  if (ctx.json()) return ctx.out.stdout(jsonText(lines))
  const hostName = await hostNames(ctx)
  ctx.out.stdout(
    lines
      .map((l) => {
        const where = [l.hostId ? hostName(l.hostId) : '', l.stepId ?? ''].filter(Boolean).join(' ')
        return terminalSafe(`${where ? `[${where}] ` : ''}${l.line}`, { singleLine: true }) + '\n'
      })
      .join(''),
  )
}

function stateWord(op: OperationInfo): string {
  if (op.state === 'done' && op.outcome && op.outcome.result !== 'succeeded') return op.outcome.result
  return op.state
}

/** A step left running by an operation that no longer runs did not finish. */
function stepWord(step: OpStep, op: OperationInfo): string {
  return step.state === 'running' && op.state === 'interrupted' ? 'running (did not finish)' : step.state
}

async function hostNames(ctx: CliContext): Promise<(id: string) => string> {
  const hosts = await ctx.app().api.hosts.list()
  return (id) => {
    const host = hosts.find((h) => h.id === id)
    return host ? (host.label ?? host.address) : id
  }
}
