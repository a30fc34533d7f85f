import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { OperationContext } from '../operations/registry'
import { Secret } from '../secrets/secret'
import type { ExecResult } from '../ssh/exec'
import { sh, type ShellCommand } from '../ssh/shell-command'
import type { SshService } from '../ssh/ssh-service'
import { REBOOT_COMMAND } from './recipes'
import { runCheck, runStepActions } from './step-runner'
import type { Step } from './step'

const ctx: OperationContext = {
  id: 'op',
  signal: new AbortController().signal,
  progress: () => undefined,
  log: () => undefined,
  throwIfCancelled: () => undefined,
}

const result = (exitCode: number, stdout = '', stderr = ''): ExecResult =>
  ({
    exitCode,
    stdout: Buffer.from(stdout),
    stderr,
    stdoutBytes: stdout.length,
    stderrBytes: stderr.length,
    truncated: false,
  }) as ExecResult

/** An SshService double that records what it was asked and answers from `answer`. */
function fakeSsh(answer: (command: ShellCommand) => ExecResult) {
  const calls: string[] = []
  const ssh = {
    run: (_host: string, command: ShellCommand, options: { sudo?: boolean }) => {
      calls.push(`${options.sudo ? 'sudo ' : ''}${command.text}`)
      return Promise.resolve(answer(command))
    },
    upload: (
      _host: string,
      path: string,
      content: string,
      options: { mode: number; owner?: string; group?: string },
    ) => {
      calls.push(`upload ${path} ${options.mode.toString(8)} ${options.owner}:${options.group} ${content}`)
      return Promise.resolve()
    },
    reboot: () => {
      calls.push('reboot')
      return Promise.resolve({ bootIdBefore: 'a', bootIdAfter: 'b', seconds: 3 })
    },
  }
  return { ssh: ssh as unknown as SshService, calls }
}

const step = (actions: Step['actions']): Step => ({
  id: 'h/x',
  hostId: 'h1',
  kind: 'prepare',
  title: 'Do x',
  deps: [],
  actions,
  check: { command: sh`check-x`, sudo: false },
})

describe('runStepActions', () => {
  it('runs commands in order with their sudo, stops at the first failure', async () => {
    const { ssh, calls } = fakeSsh((c) => (c.text === 'false' ? result(3, '', 'boom') : result(0)))
    const s = step([
      { type: 'run', command: sh`true`, sudo: true },
      { type: 'run', command: sh`false`, sudo: false },
      { type: 'run', command: sh`never`, sudo: true },
    ])
    await expect(runStepActions(ssh, s, ctx)).rejects.toMatchObject({ code: 'COMMAND_FAILED' })
    expect(calls).toEqual(['sudo true', 'false'])
  })

  it('a failure says why: the tail of stderr, or of stdout for a tool that reports there (kubeadm)', async () => {
    const kubeadm =
      '[preflight] Running pre-flight checks\nerror execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR Port-10250]: Port 10250 is in use\n'
    const { ssh } = fakeSsh(() => result(1, kubeadm))
    await expect(
      runStepActions(ssh, step([{ type: 'run', command: sh`kubeadm join`, sudo: true }]), ctx),
    ).rejects.toThrow(/kubeadm join failed \(exit 1\): .*\[ERROR Port-10250\]: Port 10250 is in use/s)
    const both = fakeSsh(() => result(2, 'noise on stdout', 'E: the real reason'))
    await expect(
      runStepActions(both.ssh, step([{ type: 'run', command: sh`apt-get install`, sudo: true }]), ctx),
    ).rejects.toThrow(/failed \(exit 2\): E: the real reason$/)
  })

  it('writes a file unless it already has that content, mode and owner; a secret only through the resolver', async () => {
    const text = 'overlay\n'
    const sum = createHash('sha256').update(text).digest('hex')
    for (const [existing, uploads] of [
      [`644 root:root\n${sum}  -\n`, false],
      [`600 root:root\n${sum}  -\n`, true],
      [`644 root:root\n${'0'.repeat(64)}  -\n`, true],
      ['', true],
    ] as const) {
      const { ssh, calls } = fakeSsh(() => result(0, existing))
      await runStepActions(
        ssh,
        step([{ type: 'write', path: '/etc/x', mode: 0o644, owner: 'root:root', content: { text } }]),
        ctx,
      )
      expect(calls[0]).toMatch(/^sudo if \[ -f \/etc\/x \]; then stat/)
      expect(calls.includes(`upload /etc/x 644 root:root ${text}`), existing).toBe(uploads)
    }
    const secretStep = step([
      { type: 'write', path: '/etc/k', mode: 0o600, owner: 'root:root', content: { secret: 'ca-key' } },
    ])
    await expect(runStepActions(fakeSsh(() => result(0)).ssh, secretStep, ctx)).rejects.toThrow('ca-key')
    const { ssh, calls } = fakeSsh(() => result(0))
    await runStepActions(ssh, secretStep, ctx, { resolve: async (name) => new Secret(`value of ${name}`) })
    expect(calls.at(-1)).toBe('upload /etc/k 600 root:root value of ca-key')
  })

  it('performs the reboot action as an orchestrated reboot', async () => {
    const { ssh, calls } = fakeSsh(() => result(0))
    await runStepActions(ssh, step([{ type: 'run', command: REBOOT_COMMAND, sudo: true }]), ctx)
    expect(calls).toEqual(['reboot'])
  })
})

describe('runCheck', () => {
  it('maps exit 0 / 1 / other to done / todo / unknown with the first line as detail', async () => {
    const answers = [result(0, 'all good\nmore'), result(1, 'swap is on\n'), result(2, '', 'head: cannot open')]
    const states = []
    for (const answer of answers) states.push(await runCheck(fakeSsh(() => answer).ssh, step([]), ctx))
    expect(states).toEqual([
      { state: 'done', detail: 'all good' },
      { state: 'todo', detail: 'swap is on' },
      { state: 'unknown', detail: 'the check failed (exit 2): head: cannot open' },
    ])
    const unreachable = { run: () => Promise.reject(new Error('connect ETIMEDOUT')) } as unknown as SshService
    expect(await runCheck(unreachable, step([]), ctx)).toEqual({ state: 'unknown', detail: 'connect ETIMEDOUT' })
  })
})
