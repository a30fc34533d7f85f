import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { PlanStepView, PlanView } from '../../../shared/types'
import { quote } from '../ssh/shell-command'
import { hostScript } from './script-writer'

const exec = promisify(execFile)
const owner = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`

function view(dir: string, extra: PlanStepView[] = []): PlanView {
  const conf = join(dir, 'etc', 'k8s.conf')
  const marker = join(dir, 'ran')
  const steps: PlanStepView[] = [
    {
      id: 'n1/file',
      hostId: 'h1',
      host: 'n1',
      kind: 'prepare',
      title: 'Write the config',
      deps: [],
      actions: [
        { type: 'run', text: `mkdir -p ${quote(join(dir, 'etc'))}`, sudo: true },
        // Content a shell would expand if it were not quoted, and a line like a here-doc end.
        { type: 'write', path: conf, mode: '0640', owner, content: 'a = $HOME `id` \\n\nEOF\nFLOTILLA_EOF\n' },
        { type: 'write', path: `${conf}.raw`, mode: '0600', owner, content: "no newline at the end: 'quoted'" },
      ],
      check: [{ text: `test -f ${quote(conf)}`, sudo: false }],
      status: 'todo',
    },
    {
      id: 'n1/count',
      hostId: 'h1',
      host: 'n1',
      kind: 'prepare',
      title: 'Run once',
      deps: ['n1/file'],
      actions: [{ type: 'run', text: `echo x >> ${quote(marker)}`, sudo: false }],
      check: [{ text: `test -s ${quote(marker)}`, sudo: true }],
      status: 'todo',
    },
    ...extra,
  ]
  return {
    cluster: 'homelab',
    specHash: 'ab'.repeat(32),
    factsFingerprint: 'cd'.repeat(32),
    createdAt: '2026-12-07T09:00:00.000Z',
    kubernetes: { minor: '1.32', patch: '1.32.4' },
    problems: [],
    blocked: false,
    hosts: [
      { hostId: 'h1', host: 'n1', roles: ['control-plane'], steps: steps.map((s) => s.id), factsHash: 'ef'.repeat(32) },
    ],
    steps,
    summary: { steps: steps.length, done: 0, todo: steps.length, unknown: 0, notChecked: 0 },
  }
}

describe('hostScript', () => {
  it('is valid POSIX sh that does the actions once, then finds every step done', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-script-'))
    const script = join(dir, 'n1.sh')
    writeFileSync(script, hostScript(view(dir), 'h1'))
    await exec('sh', ['-n', script])
    await exec('dash', ['-n', script])

    const first = await exec('sh', [script])
    expect(first.stdout).toContain('n1/file: Write the config')
    const conf = join(dir, 'etc', 'k8s.conf')
    expect(readFileSync(conf, 'utf8')).toBe('a = $HOME `id` \\n\nEOF\nFLOTILLA_EOF\n')
    expect(statSync(conf).mode & 0o777).toBe(0o640)
    expect(readFileSync(`${conf}.raw`, 'utf8')).toBe("no newline at the end: 'quoted'")
    expect(statSync(`${conf}.raw`).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(dir, 'ran'), 'utf8')).toBe('x\n')

    const second = await exec('sh', [script])
    expect(second.stdout).toContain('n1/file: already done')
    expect(second.stdout).toContain('n1/count: already done')
    expect(readFileSync(join(dir, 'ran'), 'utf8')).toBe('x\n')
  })

  it('refuses a step that writes a secret, and stops there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-script-'))
    const secretStep: PlanStepView = {
      id: 'n1/pki',
      hostId: 'h1',
      host: 'n1',
      kind: 'pki',
      title: 'CA key',
      deps: [],
      actions: [{ type: 'write', path: join(dir, 'ca.key'), mode: '0600', owner, content: '<secret: cluster CA key>' }],
      check: [{ text: 'false', sudo: false }],
      status: 'todo',
    }
    const text = hostScript(view(dir, [secretStep]), 'h1')
    expect(text).not.toContain('<secret:')
    const script = join(dir, 'n1.sh')
    writeFileSync(script, text)
    const failed = await exec('sh', [script]).catch((e: { code: number; stderr: string }) => e)
    expect('code' in failed && failed.code).toBe(1)
    expect((failed as { stderr: string }).stderr).toContain('needs "cluster CA key" from Flotilla')
    expect(() => statSync(join(dir, 'ca.key'))).toThrow()
  })

  it('stops after a reboot step, saying to run it again; a second run skips what is done', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-script-'))
    const flag = join(dir, 'rebooted')
    const reboot: PlanStepView = {
      id: 'n1/pi-cmdline/reboot',
      hostId: 'h1',
      host: 'n1',
      kind: 'reboot',
      title: 'Reboot',
      deps: [],
      // Stands in for `systemctl reboot`: the "kernel" is new once the flag exists.
      actions: [{ type: 'run', text: `touch ${quote(flag)}`, sudo: false }],
      check: [{ text: `test -e ${quote(flag)}`, sudo: false }],
      status: 'todo',
    }
    const after: PlanStepView = {
      ...reboot,
      id: 'n1/after',
      kind: 'prepare',
      title: 'After',
      actions: [{ type: 'run', text: `echo after >> ${quote(join(dir, 'after'))}`, sudo: false }],
      check: [{ text: 'false', sudo: false }],
    }
    const script = join(dir, 'n1.sh')
    writeFileSync(script, hostScript(view(dir, [reboot, after]), 'h1'))
    const first = await exec('sh', [script])
    expect(first.stdout).toContain('n1 is rebooting: run this script again once it is back')
    expect(first.stdout).not.toContain('all 4 steps done')
    expect(() => statSync(join(dir, 'after'))).toThrow()
    const second = await exec('sh', [script])
    expect(second.stdout).toContain('n1/pi-cmdline/reboot: already done')
    expect(readFileSync(join(dir, 'after'), 'utf8')).toBe('after\n')
    expect(second.stdout).toContain('all 4 steps done')
  })

  it('keeps host text out of the shell: a hostile title stays a comment and a quoted echo', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-script-'))
    const v = view(dir)
    v.steps[0]!.title = "x'; touch pwned; '\n touch pwned2"
    const script = join(dir, 'n1.sh')
    writeFileSync(script, hostScript(v, 'h1'))
    await exec('sh', [script], { cwd: dir })
    expect(() => statSync(join(dir, 'pwned'))).toThrow()
    expect(() => statSync(join(dir, 'pwned2'))).toThrow()
  })
})
