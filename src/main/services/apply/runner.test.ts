import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { EventBus } from '../events'
import { OperationRegistry, type OperationContext } from '../operations/registry'
import { Redactor } from '../secrets/secret'
import type { ExecResult } from '../ssh/exec'
import { sh, type ShellCommand } from '../ssh/shell-command'
import type { Step } from '../plan/step'
import { runPlanSteps, type RunnerOptions, type RunnerSsh } from './runner'

const result = (exitCode: number, stdout = '', stderr = ''): ExecResult =>
  ({ exitCode, stdout: Buffer.from(stdout), stderr, stdoutBytes: 0, stderrBytes: 0, truncated: false }) as ExecResult

/**
 * A fleet of fake hosts: a step is "done" on its host once its action ran (`apply <id>`); its check
 * (`check <id>`) says so. `onApply` may throw or hang to simulate SSH failures.
 */
function fakeFleet(hooks: { onApply?: (id: string, ctx: OperationContext) => Promise<void> | void } = {}) {
  const done = new Set<string>()
  const applied: string[] = []
  const calls: string[] = []
  let active = 0
  let maxActive = 0
  const ssh: RunnerSsh = {
    run: async (hostId: string, command: ShellCommand, _o: unknown, ctx: OperationContext) => {
      calls.push(`${hostId}: ${command.text}`)
      const [verb, id] = command.text.split(' ') as [string, string]
      if (verb === 'check') return result(done.has(id) ? 0 : 1, done.has(id) ? `${id} is done` : `${id} is to do`)
      if (verb === 'unknowable') return result(2, '', 'head: cannot open /boot/firmware/cmdline.txt')
      if (verb === 'verify-later') return result(calls.filter((c) => c.endsWith(command.text)).length >= 3 ? 0 : 1)
      active++
      maxActive = Math.max(maxActive, active)
      try {
        // Yield so that steps of other hosts can start meanwhile (parallelism is observable).
        await new Promise((r) => setTimeout(r, 5))
        await hooks.onApply?.(id, ctx)
        if (verb === 'fail') return result(7, '', 'line 1\nE: the disk is full')
        // As SshService does: the command's output, logged with the host only.
        ctx.log(`output of ${command.text}`, hostId)
        applied.push(id)
        done.add(id)
        return result(0)
      } finally {
        active--
      }
    },
    upload: () => Promise.resolve(),
    reboot: () => Promise.reject(new Error('no reboots here')),
  } as unknown as RunnerSsh
  return { ssh, done, applied, calls, maxActive: () => maxActive }
}

const step = (id: string, hostId: string, deps: string[] = [], extra: Partial<Step> = {}): Step => ({
  id,
  hostId,
  kind: 'prepare',
  title: `Do ${id}`,
  deps,
  actions: [{ type: 'run', command: sh`apply ${id}`, sudo: true }],
  check: { command: sh`check ${id}`, sudo: false },
  ...extra,
})

/** Three hosts, three chained steps each; b's second step also waits for a's first. */
const chain = (): Step[] =>
  ['a', 'b', 'c'].flatMap((h) => [
    step(`${h}/1`, h),
    step(`${h}/2`, h, [`${h}/1`, ...(h === 'b' ? ['a/1'] : [])]),
    step(`${h}/3`, h, [`${h}/2`]),
  ])

async function run(steps: Step[], options: Omit<RunnerOptions, 'ctx'>, cancelAfter?: (ops: OperationRegistry) => void) {
  const ops = new OperationRegistry(new EventBus(), new Redactor())
  cancelAfter?.(ops)
  let error: unknown
  const outcome = await ops
    .run({ id: 'op1', kind: 'apply:run', title: 'Applying' }, (ctx) =>
      runPlanSteps(steps, { retryDelayMs: 0, verifyPollMs: 1, ...options, ctx }),
    )
    .catch((e: unknown) => {
      error = e
      return undefined
    })
  const detail = ops.get('op1')
  const journal = new Map(detail.steps.map((s) => [s.stepId, s]))
  return { outcome, error, journal, log: ops.logOf('op1'), lines: ops.logLines('op1'), op: detail.op }
}

describe('runPlanSteps', () => {
  it('runs every step once, deps first, hosts in parallel within the bound', async () => {
    const fleet = fakeFleet()
    const { outcome, journal, op } = await run(chain(), { ssh: fleet.ssh, parallel: 2 })
    expect(op).toMatchObject({ done: 9, total: 9 })
    expect([...fleet.applied].sort()).toEqual(
      chain()
        .map((s) => s.id)
        .sort(),
    )
    const at = (id: string) => fleet.applied.indexOf(id)
    for (const s of chain()) for (const d of s.deps) expect(at(d), `${d} before ${s.id}`).toBeLessThan(at(s.id))
    expect(fleet.maxActive()).toBe(2)
    expect(outcome?.applied.sort()).toEqual(fleet.applied.sort())
    expect([...journal.values()].every((s) => s.state === 'done')).toBe(true)
  })

  it('applies nothing the check says is done (journaled skipped), and a second run applies nothing', async () => {
    const fleet = fakeFleet()
    fleet.done.add('a/1')
    await run(chain(), { ssh: fleet.ssh })
    expect(fleet.applied).not.toContain('a/1')
    const again = await run(chain(), { ssh: fleet.ssh })
    expect(fleet.applied).toHaveLength(8)
    expect(again.outcome?.applied).toEqual([])
    expect([...again.journal.values()].map((s) => s.state)).toEqual(Array(9).fill('skipped'))
  })

  it('after a dropped connection re-checks first: what landed is not applied again', async () => {
    let drops = 0
    const fleet = fakeFleet({
      onApply: (id) => {
        if (id === 'a/2' && drops++ === 0) {
          fleet.done.add(id) // the change landed, then the connection dropped before the answer
          throw new AppError('CONNECTION_LOST', 'The SSH connection dropped.')
        }
        if (id === 'b/2' && drops++ < 3) throw new AppError('UNREACHABLE', 'host is rebooting')
      },
    })
    const { journal, log } = await run(chain(), { ssh: fleet.ssh })
    expect(fleet.applied.filter((id) => id === 'a/2')).toEqual([])
    expect(journal.get('a/2')?.state).toBe('done')
    expect(fleet.applied.filter((id) => id === 'b/2')).toEqual(['b/2'])
    expect(fleet.calls.filter((c) => c === 'a: check a/2')).toHaveLength(2)
    expect(log.some((l) => l.includes('checking the step again'))).toBe(true)
  })

  it('fails a step with host, step, command, output tail and what to do next; only its dependents wait', async () => {
    const fleet = fakeFleet()
    const steps = chain()
    steps[1] = { ...steps[1]!, actions: [{ type: 'run', command: sh`fail a/2`, sudo: true }] }
    const { outcome, journal } = await run(steps, { ssh: fleet.ssh, hostName: (h) => `${h}-pi` })
    const message = outcome?.failures[0]?.error.message ?? ''
    expect(message).toContain('a-pi: step a/2 (Do a/2) failed while applying it')
    expect(message).toContain('fail a/2')
    expect(message).toContain('E: the disk is full')
    expect(message).toContain('Next: ')
    expect(journal.get('a/2')).toMatchObject({ state: 'failed', exitStatus: 7 })
    expect(outcome?.outcomes.get('a/3')).toBe('blocked')
    expect(fleet.applied).toContain('c/3')
    expect(fleet.applied).toContain('b/3')
  })

  it('files what a step’s commands print under the step', async () => {
    const fleet = fakeFleet()
    const { lines } = await run([step('a/1', 'a')], { ssh: fleet.ssh })
    expect(lines.find((l) => l.line === 'output of apply a/1')).toMatchObject({ hostId: 'a', stepId: 'a/1' })
  })

  it('a locked vault is said to be this computer’s, not the host’s', async () => {
    const fleet = fakeFleet()
    const secretStep = step('a/1', 'a', [], {
      actions: [
        {
          type: 'write',
          path: '/etc/kubernetes/pki/ca.key',
          mode: 0o600,
          owner: 'root:root',
          content: { secret: 'pki/ca.key' },
        },
      ],
    })
    const { outcome } = await run([secretStep], {
      ssh: fleet.ssh,
      hostName: (h) => `${h}-pi`,
      resolve: () => Promise.reject(new AppError('VAULT_LOCKED', 'The vault is locked.')),
    })
    const message = outcome?.failures[0]?.error.message ?? ''
    expect(message).toContain('a-pi: step a/1')
    expect(message).toContain("Next: this is about Flotilla's vault on this computer, not about a-pi")
    expect(message).not.toContain('fix the cause on a-pi')
  })

  it('times a step out with the reason, and the SSH call sees its signal abort', async () => {
    let aborted = false
    const fleet = fakeFleet({
      onApply: (id, ctx) =>
        id === 'a/1'
          ? new Promise((_, reject) =>
              ctx.signal.addEventListener('abort', () => {
                aborted = true
                reject(new AppError('CANCELLED', 'aborted'))
              }),
            )
          : undefined,
    })
    const steps = chain().map((s) => (s.id === 'a/1' ? { ...s, timeoutMs: 50 } : s))
    const { outcome, journal } = await run(steps, { ssh: fleet.ssh })
    expect(aborted).toBe(true)
    expect(outcome?.failures[0]?.error.code).toBe('TIMEOUT')
    expect(outcome?.failures[0]?.error.message).toMatch(/a: step a\/1 .* did not finish within 0 s/)
    expect(journal.get('a/1')?.state).toBe('failed')
  })

  it('polls the verify until it says done', async () => {
    const fleet = fakeFleet()
    const s = step('a/1', 'a', [], { verify: { command: sh`verify-later a/1`, sudo: false } })
    const { journal } = await run([s], { ssh: fleet.ssh })
    expect(journal.get('a/1')?.state).toBe('done')
    expect(fleet.calls.filter((c) => c.includes('verify-later'))).toHaveLength(3)
  })

  it('a cancel stops at once: the running step is cancelled, nothing new starts', async () => {
    let cancel = () => {}
    const fleet = fakeFleet({
      onApply: (id, ctx) => {
        if (id !== 'b/1') return
        setImmediate(cancel)
        return new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(new AppError('CANCELLED', 'aborted'))),
        )
      },
    })
    const { error, journal } = await run(chain(), { ssh: fleet.ssh, parallel: 1 }, (ops) => {
      cancel = () => ops.cancel('op1')
    })
    expect(error).toMatchObject({ code: 'CANCELLED' })
    expect(journal.get('b/1')?.state).toBe('cancelled')
    expect(fleet.applied).toEqual(['a/1', 'a/2', 'a/3'])
    expect(journal.get('c/1')?.state).toBe('cancelled')
  })

  it('applies nothing when the check cannot tell (exit 2): the step fails with the check’s reason', async () => {
    const fleet = fakeFleet()
    const s = step('a/1', 'a', [], { check: { command: sh`unknowable a/1`, sudo: true } })
    const { outcome } = await run([s], { ssh: fleet.ssh })
    expect(fleet.applied).toEqual([])
    expect(outcome?.failures[0]?.error.message).toContain('could not tell whether it is done')
    expect(outcome?.failures[0]?.error.message).toContain('head: cannot open /boot/firmware/cmdline.txt')
  })

  it('runs a consent step only with consent', async () => {
    const fleet = fakeFleet()
    const steps = [step('a/reset', 'a', [], { consent: 'wiping a' })]
    const refused = await run(steps, { ssh: fleet.ssh })
    expect(refused.outcome?.failures[0]?.error.message).toContain('needs your consent (wiping a)')
    expect(fleet.applied).toEqual([])
    await run(steps, { ssh: fleet.ssh, consented: new Set(['a/reset']) })
    expect(fleet.applied).toEqual(['a/reset'])
  })
})
