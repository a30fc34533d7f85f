import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import type { OperationContext } from '../operations/registry'
import { sh, type ShellCommand } from '../ssh/shell-command'
import type { ExecResult } from '../ssh/exec'
import { checkScript, parseCheckOutput, runPlanChecks, type CheckRunner } from './check-runner'
import type { Plan } from './planner'
import type { Step } from './step'

const run = promisify(execFile)

/** Runs a script in a real local POSIX shell, as a host's login shell would. */
async function local(script: ShellCommand, banner = ''): Promise<string> {
  const { stdout } = await run('sh', ['-c', script.text]).catch((e: { stdout: string }) => e)
  return banner + stdout
}

const ctx: OperationContext = {
  id: 'op',
  signal: new AbortController().signal,
  progress: () => undefined,
  log: () => undefined,
  throwIfCancelled: () => undefined,
}

describe('checkScript + parseCheckOutput, in a real shell', () => {
  it('maps each check’s exit status and first output line to its own index', async () => {
    const checks = [
      sh`echo swap is off; exit 0`,
      sh`echo 'swap is on: /var/swap'; echo second line; exit 1`,
      sh`echo broken >&2; exit 3`,
      sh`true`,
      sh`exit 1`,
      sh`echo commented; exit 1 # a check whose last line ends in a comment`,
    ]
    const out = await local(checkScript(checks, 'n1'))
    expect(parseCheckOutput(out, 'n1', checks.length)).toEqual([
      { state: 'done', detail: 'swap is off' },
      { state: 'todo', detail: 'swap is on: /var/swap' },
      { state: 'unknown', detail: 'The check failed (exit 3): broken' },
      { state: 'done' },
      { state: 'todo' },
      { state: 'todo', detail: 'commented' },
    ])
  })

  it('cannot be shifted by a banner or by output that imitates a marker', async () => {
    const hostile = [
      // A check printing a marker with a guessed nonce, and another claiming to be check 1.
      sh`printf '\n@@flotilla-check-n2@@ 1 0\n| forged\n'; exit 1`,
      sh`printf '@@flotilla-check-guess@@ 0 0\n'; exit 1`,
      // A check that exits the whole shell would end the script: it runs in a subshell.
      sh`exit 0`,
      sh`read -r x; echo "read: $x"; exit 1`,
    ]
    const banner = 'Welcome!\n@@flotilla-check-n2@@ 0 0\n| from the banner\n'
    const out = await local(checkScript(hostile, 'n2'), banner)
    const parsed = parseCheckOutput(out, 'n2', hostile.length)
    // Even knowing the nonce, a check cannot print a marker (its output comes back as one
    // prefixed line), and the banner's forged answer is overridden by the real one after it.
    expect(parsed[0]).toEqual({ state: 'todo' })
    expect(parsed[1]).toEqual({ state: 'todo', detail: '@@flotilla-check-guess@@ 0 0' })
    expect(parsed[2]).toEqual({ state: 'done' })
    // No input: `read` fails at once instead of waiting (and eating the next check's text).
    expect(parsed[3]).toEqual({ state: 'todo', detail: 'read:' })
  })

  it('says unknown for checks after the output was cut short', () => {
    const out = '\n@@flotilla-check-n3@@ 0 0\n| fine\n'
    expect(parseCheckOutput(out, 'n3', 2)).toEqual([
      { state: 'done', detail: 'fine' },
      { state: 'unknown', detail: 'The host stopped answering before this check (its output was cut short).' },
    ])
  })
})

function step(id: string, hostId: string, check: ShellCommand, sudo = false): Step {
  return { id, hostId, kind: 'prepare', title: id, deps: [], actions: [], check: { command: check, sudo } }
}

function planOf(steps: Step[]): Plan {
  return { steps } as unknown as Plan
}

describe('runPlanChecks', () => {
  it('uses one round trip per host, a second under sudo only when a check needs root; a failed host is unknown', async () => {
    const calls: { hostId: string; sudo: boolean }[] = []
    const ssh: CheckRunner = {
      run: async (hostId, command, options, opCtx) => {
        calls.push({ hostId, sudo: options.sudo === true })
        if (hostId === 'down') throw new AppError('CONNECTION_LOST', 'The connection was lost.')
        // As SshService does: the command, then every output line, into the operation's log.
        opCtx.log(`${hostId}$ ${options.sudo ? 'sudo ' : ''}${command.text}`, hostId)
        const stdout = Buffer.from(await local(command, 'banner line\n'))
        for (const line of stdout.toString().split('\n')) opCtx.log(line, hostId)
        return { exitCode: 0, stdout, stderr: '' } as unknown as ExecResult
      },
    }
    const plan = planOf([
      step('a/1', 'a', sh`exit 0`),
      step('a/2', 'a', sh`exit 1`),
      step('a/3', 'a', sh`echo as root; exit 0`, true),
      step('b/1', 'b', sh`exit 1`),
      step('b/2', 'b', sh`exit 0`),
      step('down/1', 'down', sh`exit 0`),
    ])
    const logged: string[] = []
    const outcomes = await runPlanChecks(ssh, plan, { ...ctx, log: (line) => void logged.push(line) })
    // The log says what ran in one short line per round trip, not the script and its framing.
    expect(logged.sort()).toEqual([
      'a$ (1 check as root: one round trip)',
      'a$ (2 checks: one round trip)',
      'b$ (2 checks: one round trip)',
      'banner line',
      'banner line',
      'banner line',
    ])
    expect(calls.sort((x, y) => `${x.hostId}${x.sudo}`.localeCompare(`${y.hostId}${y.sudo}`))).toEqual([
      { hostId: 'a', sudo: false },
      { hostId: 'a', sudo: true },
      { hostId: 'b', sudo: false },
      { hostId: 'down', sudo: false },
    ])
    expect(Object.fromEntries(outcomes)).toEqual({
      'a/1': { state: 'done' },
      'a/2': { state: 'todo' },
      'a/3': { state: 'done', detail: 'as root' },
      'b/1': { state: 'todo' },
      'b/2': { state: 'done' },
      'down/1': { state: 'unknown', detail: 'The host could not be checked: The connection was lost.' },
    })
  })
})
