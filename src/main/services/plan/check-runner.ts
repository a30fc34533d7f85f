/**
 * Runs the read-only checks of a plan (issue 12): every check of a host in ONE script, so one round
 * trip per host (a second one, under sudo, only for the checks that need root), hosts in parallel.
 * Each check runs in its own subshell with no input; its answer comes back framed by a marker line
 * carrying a random nonce, the check's index and its exit status, then the first line of its output.
 * A login banner, an rc file's chatter or hostile output cannot shift an answer to another step:
 * a check's output is captured and printed only as one prefixed line, only a line with this run's
 * nonce counts as a marker, answers are matched by index, and the last marker of an index wins.
 */
import { randomBytes } from 'node:crypto'
import { toAppErrorData } from '../../../shared/errors'
import type { OperationContext } from '../operations/registry'
import { join, sh, type ShellCommand } from '../ssh/shell-command'
import { FAN_OUT_CONCURRENCY, type SshService } from '../ssh/ssh-service'
import { fanOut } from '../operations/fan-out'
import type { CheckOutcome, Plan } from './planner'
import type { Step } from './step'
import type { ApiRunner } from './step-runner'

/** A host's whole check script must answer within this (the checks only read). */
const CHECK_TIMEOUT_MS = 30_000
/** The detail line is cut here: it is a reason, not a log. */
const MAX_DETAIL = 300

/** The checks of one host, as one script; `nonce` makes its marker lines unforgeable. */
export function checkScript(checks: readonly ShellCommand[], nonce: string): ShellCommand {
  const mark = `@@flotilla-check-${nonce}@@`
  const lines = [
    sh`LC_ALL=C; export LC_ALL`,
    // The first line of a check's output, prefixed so that an empty one is still a line; cut in
    // the shell itself (no head/cut/sed per check: processes are most of a check's cost).
    sh`NL='\n'`,
    sh`m() { printf '\n%s %s %s\n| %s\n' ${mark} "$1" "$2" "\${3%%"$NL"*}"; }`,
    // Command substitution is already a subshell (an `exit` in a check ends only that check); the
    // newline before `}` ends a check whose last line is a comment.
    ...checks.map(
      (check, i) => sh`r=$( { ${check}
} </dev/null 2>&1 ); m ${i} $? "$r"`,
    ),
    sh`printf '\n%s end\n' ${mark}`,
  ]
  return join(lines, '; ')
}

/**
 * Reads a check script's output: per check index, its outcome. An index with no marker (the output
 * was cut short) is unknown; exit 0 is done, 1 is to do, anything else means the check itself failed.
 */
export function parseCheckOutput(output: string, nonce: string, count: number): CheckOutcome[] {
  const mark = `@@flotilla-check-${nonce}@@ `
  const found = new Map<number, { status: number; detail: string }>()
  let complete = false
  let current: { status: number; detail: string } | undefined
  let awaitingDetail = false
  for (const line of output.split('\n')) {
    if (line.startsWith(mark)) {
      const rest = line.slice(mark.length).trim()
      awaitingDetail = false
      if (rest === 'end') {
        complete = true
        continue
      }
      const m = /^(\d+) (\d+)$/.exec(rest)
      if (!m) continue
      const index = Number(m[1])
      // The last marker of an index wins: anything printed before the script (a login banner) comes
      // first, and a check's own output cannot make a marker line (it is captured and prefixed).
      if (index >= count) continue
      current = { status: Number(m[2]), detail: '' }
      found.set(index, current)
      awaitingDetail = true
    } else if (awaitingDetail && current) {
      // Only the one line right after the marker is the detail.
      awaitingDetail = false
      if (line.startsWith('| ')) current.detail = line.slice(2, 2 + MAX_DETAIL).trim()
    }
  }
  return Array.from({ length: count }, (_, i): CheckOutcome => {
    const answer = found.get(i)
    if (!answer) {
      return {
        state: 'unknown',
        detail: complete
          ? 'The host did not answer this check.'
          : 'The host stopped answering before this check (its output was cut short).',
      }
    }
    const detail = answer.detail
    if (answer.status === 0) return { state: 'done', ...(detail ? { detail } : {}) }
    if (answer.status === 1) return { state: 'todo', ...(detail ? { detail } : {}) }
    return { state: 'unknown', detail: `The check failed (exit ${answer.status})${detail ? `: ${detail}` : '.'}` }
  })
}

/** Where the checks run: the SSH service's `run` (a narrow seam, so tests can count round trips). */
export type CheckRunner = Pick<SshService, 'run'>

/**
 * Runs the checks of every step of the plan: per host one round trip for the checks run as the
 * login user and, only if any need root, one under sudo. A host that fails makes its steps unknown
 * with the reason; the others go on.
 */
export async function runPlanChecks(
  ssh: CheckRunner,
  plan: Plan,
  ctx: OperationContext,
  api?: ApiRunner,
): Promise<Map<string, CheckOutcome>> {
  const outcomes = new Map<string, CheckOutcome>()
  const byHost = new Map<string, Step[]>()
  // A check through the Kubernetes API is asked of the cluster (when the caller can), not the host.
  const apiSteps = plan.steps.filter((s) => s.check.api)
  if (api) {
    for (const step of apiSteps) {
      try {
        outcomes.set(step.id, await api.check(step.check.api!, step, ctx))
      } catch (error) {
        outcomes.set(step.id, { state: 'unknown', detail: toAppErrorData(error).message })
      }
    }
  }
  for (const step of plan.steps.filter((s) => !s.check.api))
    byHost.set(step.hostId, [...(byHost.get(step.hostId) ?? []), step])
  const total = byHost.size
  const hosts = [...byHost].map(([id, steps]) => ({ id, steps }))
  await fanOut(
    hosts,
    async ({ id: hostId, steps }) => {
      const hostCtx = { ...ctx, signal: AbortSignal.any([ctx.signal]) }
      const batches = [steps.filter((s) => !s.check.sudo), steps.filter((s) => s.check.sudo)]
      for (const [index, batch] of batches.entries()) {
        if (batch.length === 0) continue
        const sudo = index === 1
        for (const [stepId, outcome] of await runBatch(ssh, hostId, batch, sudo, hostCtx)) outcomes.set(stepId, outcome)
      }
    },
    {
      concurrency: FAN_OUT_CONCURRENCY,
      signal: ctx.signal,
      onDone: (result, done) => ctx.progress({ step: 'Checked', done, total, nodeId: result.id }),
    },
  )
  return outcomes
}

async function runBatch(
  ssh: CheckRunner,
  hostId: string,
  steps: readonly Step[],
  sudo: boolean,
  ctx: OperationContext,
): Promise<[string, CheckOutcome][]> {
  const nonce = randomBytes(8).toString('hex')
  const script = checkScript(
    steps.map((s) => s.check.command!),
    nonce,
  )
  // The script is parsed, not read: one short log line per host instead of the whole script.
  const quiet: OperationContext = {
    ...ctx,
    log: (line, nodeId) => {
      const echo = line.indexOf('$ ')
      if (echo >= 0 && line.includes(nonce)) {
        ctx.log(
          `${line.slice(0, echo)}$ (${steps.length} check${steps.length === 1 ? '' : 's'}${sudo ? ' as root' : ''}: one round trip)`,
          nodeId,
        )
      } else if (line.trim() && !line.startsWith('| ') && !line.includes(nonce)) ctx.log(line, nodeId)
    },
  }
  try {
    const result = await ssh.run(hostId, script, { sudo, timeoutMs: CHECK_TIMEOUT_MS }, quiet)
    const parsed = parseCheckOutput(result.stdout.toString('utf8'), nonce, steps.length)
    return steps.map((s, i) => [s.id, parsed[i]!])
  } catch (error) {
    const reason = toAppErrorData(error).message
    const detail = `${sudo ? 'The checks as root could not run' : 'The host could not be checked'}: ${reason}`
    return steps.map((s) => [s.id, { state: 'unknown', detail }])
  }
}
