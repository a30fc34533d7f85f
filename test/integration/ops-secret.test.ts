/**
 * Durable operations against real OpenSSH and sudo: an operation whose sudo asks for a password
 * Flotilla does not hold pauses (journaled as waiting, op:secret-needed), goes on once the password
 * is given through ssh:provideSecret and succeeds; a wrong password fails as it always did; with
 * nobody to ask, the old error comes at once. The password never reaches the journal, its log, the
 * app's log or any event.
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sh } from '../../src/main/services/ssh/shell-command'
import type { OpSecretNeeded } from '../../src/shared/types'
import { useLab, type Lab, type LabNode } from '../lab/harness'
import { installLabKey, rejection, testApp, type TestApp } from './ssh-app'

const BIN = join(import.meta.dirname, '../../bin/flotilla.mjs')
let lab: Lab
let pi: LabNode
let app: TestApp
let hostId: string
const events: string[] = []
const WRONG = 'wrong-sudo-pw-4417'

beforeAll(async () => {
  lab = await useLab({ profiles: ['pi4'] })
  ;[pi] = lab.nodes as [LabNode]
  app = testApp()
  installLabKey(app, lab.keyPath)
  app.events.onAny((name, payload) => events.push(`${name} ${JSON.stringify(payload)}`))
  const host = await app.addNode(pi)
  await app.api.ssh.trust(host.id, (await app.api.ssh.scan(host.id)).fingerprint)
  hostId = host.id
})

afterAll(() => app?.close())

/** Answers the next op:secret-needed with `answer` (after `inspect` saw the paused operation). */
function answerNext(answer: string, inspect: (need: OpSecretNeeded) => Promise<void> = async () => undefined) {
  return new Promise<OpSecretNeeded>((resolve, reject) => {
    const off = app.api.ops.onSecretNeeded((need) => {
      off()
      inspect(need)
        .then(() => app.api.ssh.provideSecret(need.hostId, need.kind, answer))
        .then(() => resolve(need), reject)
    })
  })
}

describe('an operation that needs the sudo password', () => {
  it('pauses, shows as waiting in its journal, and succeeds once the password is given', async () => {
    const stop = app.ops.answerSecrets()
    try {
      let paused: unknown
      const asked = answerNext(pi.password!, async (need) => {
        paused = await app.api.ops.get(need.opId)
      })
      const opId = app.api.ops.newId()
      const result = await app.api.ssh.run(hostId, ['id', '-u'], { sudo: true }, { opId })
      expect(result.stdout.trim()).toBe('0')
      expect(await asked).toMatchObject({ opId, hostId, host: pi.hostname, kind: 'sudo' })
      expect(paused).toMatchObject({ op: { state: 'waiting', waitingFor: [{ hostId, kind: 'sudo' }] } })
      const done = await app.api.ops.get(opId)
      expect(done.op).toMatchObject({ state: 'done', outcome: { result: 'succeeded' } })
      expect(done.op.waitingFor).toBeUndefined()
      expect(done.result).toMatchObject({ exitCode: 0, stdout: '0\n' })
      // The journal on disk says the same (a restart would list it so).
      const journal = JSON.parse(readFileSync(join(app.dataDir, 'operations', `${opId}.json`), 'utf8')) as {
        op: { state: string }
        result?: unknown
      }
      expect(journal.op.state).toBe('done')
      // What a command printed stays off the disk (it could be a kubeconfig): ops:get had it from memory.
      expect(journal.result).toBeUndefined()
    } finally {
      stop()
    }
  })

  it('a sudo file read pauses and goes on the same way', async () => {
    app.ssh.forgetSecrets(hostId)
    const stop = app.ops.answerSecrets()
    try {
      const asked = answerNext(pi.password!)
      const content = await app.ops.run({ id: 'read-sudo', kind: 'test', title: 'read' }, (ctx) =>
        app.ssh.readFile(hostId, '/etc/shadow', { sudo: true }, ctx),
      )
      expect(content?.toString()).toMatch(/^root:/)
      expect((await asked).kind).toBe('sudo')
    } finally {
      stop()
    }
  })

  it('fails with the sudo auth error when the password given is wrong', async () => {
    app.ssh.forgetSecrets(hostId)
    const stop = app.ops.answerSecrets()
    try {
      const asked = answerNext(WRONG)
      const opId = app.api.ops.newId()
      expect(await rejection(app.api.ssh.run(hostId, ['id', '-u'], { sudo: true }, { opId }))).toMatchObject({
        code: 'SUDO_AUTH_FAILED',
      })
      await asked
      expect((await app.api.ops.get(opId)).op).toMatchObject({ state: 'failed', error: { code: 'SUDO_AUTH_FAILED' } })
    } finally {
      stop()
    }
  })

  it('with nobody to ask, fails at once with SUDO_PASSWORD_NEEDED as before', async () => {
    app.ssh.forgetSecrets(hostId)
    const before = events.filter((e) => e.startsWith('op:secret-needed')).length
    expect(await rejection(app.api.ssh.run(hostId, ['id', '-u'], { sudo: true }))).toMatchObject({
      code: 'SUDO_PASSWORD_NEEDED',
    })
    expect(events.filter((e) => e.startsWith('op:secret-needed')).length).toBe(before)
  })

  it('journals a check per host as a typed step', async () => {
    await app.api.ssh.provideSecret(hostId, 'sudo', pi.password!)
    const opId = app.api.ops.newId()
    expect((await app.api.ssh.check([hostId], { opId }))[0]).toMatchObject({ ok: true, sudo: 'password' })
    const { steps } = await app.api.ops.get(opId)
    expect(steps).toMatchObject([{ stepId: 'ssh-check', hostId, state: 'done' }])
    expect(events.some((e) => e.startsWith('op:progress') && e.includes('"stepState":{"stepId":"ssh-check"'))).toBe(
      true,
    )
  })

  it('logs a command’s output under its step, and ops:log returns the lines of one step', async () => {
    await app.ops.run({ id: 'stepped', kind: 'test', title: 'steps' }, async (ctx) => {
      ctx.steps?.([
        { stepId: 'hello', hostId },
        { stepId: 'bye', hostId },
      ])
      for (const word of ['hello', 'bye']) {
        ctx.step?.(word, hostId, 'running')
        const result = await app.ssh.run(hostId, sh`echo ${word}-out`, { stepId: word }, ctx)
        ctx.step?.(word, hostId, 'done', { exitStatus: result.exitCode ?? -1 })
      }
    })
    const lines = (await app.api.ops.log('stepped', { stepId: 'bye', hostId })).map((l) => l.line)
    expect(lines).toContain('bye-out')
    expect(lines).not.toContain('hello-out')
    expect((await app.api.ops.get('stepped')).steps).toMatchObject([
      { stepId: 'hello', state: 'done', exitStatus: 0 },
      { stepId: 'bye', state: 'done', exitStatus: 0 },
    ])
  })

  it('the CLI at a terminal asks without echo, and the same operation goes on', async () => {
    const started = new Date().toISOString()
    // `script` gives the CLI a terminal (a pty); the test types into it once the prompt shows.
    const command = `${process.execPath} ${BIN} --data-dir ${app.dataDir} ssh run ${pi.hostname} --sudo -- id -u`
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, HOME: app.home },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let output = ''
    let typed = false
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      if (!typed && output.includes(`sudo password for ${pi.hostname}: `)) {
        typed = true
        child.stdin.write(`${pi.password!}\r`)
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(output).toContain(`sudo on ${pi.hostname} asks for a password.`)
    expect(output).toMatch(/^0\r?$/m)
    expect(code).toBe(0)
    expect(output).not.toContain(pi.password!)
    // One operation that waited and went on, not a failed one and a second try.
    const dir = join(app.dataDir, 'operations')
    const runs = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map(
        (f) =>
          JSON.parse(readFileSync(join(dir, f), 'utf8')) as { op: { kind: string; state: string; startedAt: string } },
      )
      .filter((r) => r.op.kind === 'ssh:run' && r.op.startedAt >= started)
    expect(runs.map((r) => r.op.state)).toEqual(['done'])
  })

  it('never writes the password (right or wrong) to the journal, its log, the app log or an event', () => {
    const dir = join(app.dataDir, 'operations')
    const files = readdirSync(dir)
    expect(files.some((f) => f.endsWith('.log'))).toBe(true)
    const journal = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n')
    expect(journal).toContain('sudo on')
    for (const secret of [pi.password!, WRONG]) {
      expect(journal).not.toContain(secret)
      expect(app.logText()).not.toContain(secret)
      expect(events.join('\n')).not.toContain(secret)
    }
  })
})
