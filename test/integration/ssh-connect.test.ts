/**
 * Connecting as a new user meets it, against real OpenSSH servers: a first login by password with
 * no key and no agent, host-key trust after a re-install (every message names the command that
 * works), hosts that hang or vanish (one bounded attempt, a process that exits), and servers that
 * offer only legacy algorithms.
 */
import { execFile, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Host } from '../../src/shared/types'
import { useLab, waitUntil, type Lab, type LabNode } from '../lab/harness'
import { installLabKey, rejection, testApp, type TestApp } from './ssh-app'

const BIN = join(import.meta.dirname, '../../bin/flotilla.mjs')
let lab: Lab
let passwordOnly: LabNode
let keyOnly: LabNode
let pi: LabNode
let microos: LabNode
/** No key file in ~/.ssh, no agent: a new user's first contact with a Pi. */
let bare: TestApp
/** The lab's key in ~/.ssh. */
let keyed: TestApp

beforeAll(async () => {
  lab = await useLab({ profiles: ['password-only', 'debian-sudo-nopass', 'pi4', 'microos'] })
  ;[passwordOnly, keyOnly, pi, microos] = lab.nodes as [LabNode, LabNode, LabNode, LabNode]
  bare = testApp()
  keyed = testApp()
  installLabKey(keyed, lab.keyPath)
})
afterAll(() => {
  bare?.close()
  keyed?.close()
})

interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** The CLI as a script runs it: no terminal, no agent, the test app's home and data. */
function flotilla(app: TestApp, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const base: NodeJS.ProcessEnv = { ...process.env, HOME: app.home, ...env }
  delete base.SSH_AUTH_SOCK
  return promisify(execFile)(process.execPath, [BIN, '--data-dir', app.dataDir, ...args], { env: base }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )
}

/**
 * The CLI at a terminal (a pty from script(1)): `answers` maps a prompt the CLI prints to what the
 * person types, typed only once the prompt is there (so echo is already off for passwords).
 */
function flotillaAtTerminal(
  app: TestApp,
  args: string[],
  answers: [RegExp, string][],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const base: NodeJS.ProcessEnv = { ...process.env, HOME: app.home, ...env }
  delete base.SSH_AUTH_SOCK
  const command = [process.execPath, BIN, '--data-dir', app.dataDir, ...args].map((w) => `'${w}'`).join(' ')
  const child = spawn('script', ['-qefc', command, '/dev/null'], { env: base, stdio: ['pipe', 'pipe', 'pipe'] })
  let output = ''
  const pending = [...answers]
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
    const next = pending[0]
    if (next && next[0].test(output)) {
      pending.shift()
      child.stdin.write(`${next[1]}\n`)
    }
  })
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve) =>
    child.on('close', (code) => {
      child.stdin.end()
      resolve({ code, stdout: output, stderr: output })
    }),
  )
}

async function addAndTrust(app: TestApp, node: LabNode, overrides: { port?: number } = {}): Promise<Host> {
  const host = await app.addNode(node, overrides)
  return app.api.ssh.trust(host.id, node.hostKeyFingerprint!)
}

describe('logging in with no key and no agent', () => {
  it('asks for the password of a password-login host, and says so only when a password was tried', async () => {
    const host = await addAndTrust(bare, passwordOnly)
    expect((await bare.api.ssh.check([host.id]))[0]).toMatchObject({
      ok: false,
      error: { code: 'AUTH_NEEDED', details: { kind: 'password' } },
    })
    await bare.api.ssh.provideSecret(host.id, 'password', 'not-the-password')
    expect((await bare.api.ssh.check([host.id]))[0]).toMatchObject({
      error: { code: 'AUTH_FAILED', details: { kind: 'password' }, message: expect.stringMatching(/did not accept/) },
    })
    await bare.api.ssh.provideSecret(host.id, 'password', passwordOnly.password!)
    await bare.api.ssh.provideSecret(host.id, 'sudo', passwordOnly.password!)
    expect((await bare.api.ssh.check([host.id]))[0]).toMatchObject({ ok: true, user: 'pi' })
  })

  it('says "accepts only keys" for a key-only host, even when a password was given', async () => {
    const host = await addAndTrust(bare, keyOnly)
    const [first] = await bare.api.ssh.check([host.id])
    expect(first).toMatchObject({ error: { code: 'AUTH_FAILED', details: { kind: 'key' } } })
    expect(first!.error!.message).toMatch(/accepts only keys/)
    await bare.api.ssh.provideSecret(host.id, 'password', 'some-password')
    const [second] = await bare.api.ssh.check([host.id])
    expect(second).toMatchObject({ error: { code: 'AUTH_FAILED', details: { kind: 'key' } } })
    expect(second!.error!.message).not.toMatch(/password/)
  })

  it('goes on with the key files when SSH_AUTH_SOCK points at no agent', async () => {
    const stale = testApp({ agent: join(bare.home, 'no-agent.sock') })
    try {
      installLabKey(stale, lab.keyPath)
      const host = await addAndTrust(stale, keyOnly)
      expect((await stale.api.ssh.check([host.id]))[0]).toMatchObject({ ok: true, user: keyOnly.user })
    } finally {
      stale.close()
    }
  })

  it('the CLI names FLOTILLA_SSH_PASSWORD in a script, uses it, and asks at a terminal', async () => {
    const script = await flotilla(bare, ['ssh', 'run', passwordOnly.hostname, '--', 'id', '-un'])
    expect(script).toMatchObject({ code: 1, stderr: expect.stringContaining('[AUTH_NEEDED]') })
    expect(script.stderr).toContain('FLOTILLA_SSH_PASSWORD')
    const withEnv = await flotilla(bare, ['ssh', 'run', passwordOnly.hostname, '--', 'id', '-un'], {
      FLOTILLA_SSH_PASSWORD: passwordOnly.password!,
    })
    expect(withEnv).toMatchObject({ code: 0, stdout: 'pi\n' })
    const asked = await flotillaAtTerminal(
      bare,
      ['ssh', 'run', passwordOnly.hostname, '--', 'id', '-un'],
      [[/Password for /, passwordOnly.password!]],
    )
    expect(asked.code).toBe(0)
    expect(asked.stdout).toMatch(/Password for .*\r?\n[\s\S]*pi\r?\n/)
    expect(asked.stdout + withEnv.stdout + withEnv.stderr).not.toContain(passwordOnly.password!)
  })
})

describe('host-key trust: every message names the command that works', () => {
  it('a wrong fingerprint at first contact is not a "changed key"', async () => {
    expect((await flotilla(keyed, ['hosts', 'add', pi.address, '--user', 'pi', '--label', 'tpi'])).code).toBe(0)
    const wrong = await flotilla(keyed, ['ssh', 'trust', 'tpi', '--fingerprint', `SHA256:${'B'.repeat(43)}`])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).not.toContain('HOST_KEY_CHANGED')
    expect(wrong.stderr).not.toMatch(/now presents|changed/)
    expect(wrong.stderr).toContain(`flotilla ssh trust tpi --fingerprint ${pi.hostKeyFingerprint}`)
    expect((await flotilla(keyed, ['ssh', 'trust', 'tpi', '--fingerprint', pi.hostKeyFingerprint!])).code).toBe(0)
  })

  it('after a re-install: run, trust and trust --fingerprint all name --replace, and that command works', async () => {
    await lab.changeHostKey(pi)
    const newFingerprint = pi.hostKeyFingerprint!
    const replace = `flotilla ssh trust tpi --fingerprint ${newFingerprint} --replace`

    const run = await flotilla(keyed, ['ssh', 'run', 'tpi', '--', 'true'])
    expect(run).toMatchObject({ code: 1, stderr: expect.stringContaining('[HOST_KEY_CHANGED]') })
    expect(run.stderr).toContain(replace)

    const blind = await flotilla(keyed, ['ssh', 'trust', 'tpi'])
    expect(blind.code).toBe(1)
    expect(blind.stderr).toContain(replace)

    const withoutReplace = await flotilla(keyed, ['ssh', 'trust', 'tpi', '--fingerprint', newFingerprint])
    expect(withoutReplace).toMatchObject({ code: 1, stderr: expect.stringContaining('[HOST_KEY_CHANGED]') })
    expect(withoutReplace.stderr).toContain(replace)

    // Exactly the command the message gave.
    const words = replace.split(' ').slice(1)
    expect(await flotilla(keyed, words)).toMatchObject({ code: 0 })
    // Asking again is not an error.
    expect(await flotilla(keyed, ['ssh', 'trust', 'tpi'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`already trusted: ${newFingerprint}`),
    })
    expect((await flotilla(keyed, ['ssh', 'run', 'tpi', '--', 'echo', 'ok'])).stdout).toBe('ok\n')
  })

  it('at a terminal, answering y to a changed key re-trusts it', async () => {
    await lab.changeHostKey(pi)
    const answered = await flotillaAtTerminal(keyed, ['ssh', 'trust', 'tpi'], [[/\[y\/N\]/, 'y']])
    expect(answered.code).toBe(0)
    expect(answered.stdout).toContain(`Trusted tpi`)
    expect((await flotilla(keyed, ['ssh', 'run', 'tpi', '--', 'echo', 'ok'])).stdout).toBe('ok\n')
  })

  it('a different key in ~/.ssh/known_hosts needs --replace too', async () => {
    const other = testApp()
    try {
      installLabKey(other, lab.keyPath)
      // known_hosts lists another machine's key for this address (the Pi was re-flashed).
      const stale = keyOnly.hostKey!.split(' ').slice(0, 2).join(' ')
      writeFileSync(join(other.home, '.ssh', 'known_hosts'), `${pi.address} ${stale}\n`)
      expect((await flotilla(other, ['hosts', 'add', pi.address, '--user', 'pi', '--label', 'kpi'])).code).toBe(0)
      const run = await flotilla(other, ['ssh', 'run', 'kpi', '--', 'true'])
      expect(run).toMatchObject({ code: 1, stderr: expect.stringContaining('[HOST_KEY_CHANGED]') })
      const replace = `flotilla ssh trust kpi --fingerprint ${pi.hostKeyFingerprint} --replace`
      expect(run.stderr).toContain(replace)
      const plain = await flotilla(other, ['ssh', 'trust', 'kpi', '--fingerprint', pi.hostKeyFingerprint!])
      expect(plain).toMatchObject({ code: 1, stderr: expect.stringContaining('[HOST_KEY_CHANGED]') })
      expect(plain.stderr).toContain(replace)
      expect(await flotilla(other, replace.split(' ').slice(1))).toMatchObject({ code: 0 })
      expect((await flotilla(other, ['ssh', 'run', 'kpi', '--', 'echo', 'ok'])).stdout).toBe('ok\n')
    } finally {
      other.close()
    }
  })
})

describe('slow failures end with one bounded attempt and a process that exits', () => {
  it('a frozen sshd: one handshake attempt, TIMEOUT, exit', async () => {
    expect((await flotilla(keyed, ['hosts', 'add', microos.address, '--user', 'root', '--label', 'mos'])).code).toBe(0)
    expect((await flotilla(keyed, ['ssh', 'trust', 'mos', '--fingerprint', microos.hostKeyFingerprint!])).code).toBe(0)
    expect((await flotilla(keyed, ['ssh', 'run', 'mos', '--', 'true'])).code).toBe(0)
    await lab.nodeExec(microos, 'kill -STOP "$(cat /run/sshd.pid)"')
    try {
      const frozen = await flotilla(keyed, ['ssh', 'check', 'mos'], { FLOTILLA_SSH_CONNECT_TIMEOUT: '3' })
      expect(frozen.code).toBe(1)
      expect(frozen.stdout + frozen.stderr).toContain('[TIMEOUT]')
      // Each attempt left one connection in the frozen listener's queue: there was only one.
      const queued = await lab.nodeExec(microos, `ss -Htn '( sport = :22 )' | grep -c ${lab.desk.address} || true`)
      expect(queued.stdout.trim()).toBe('1')
    } finally {
      await lab.nodeExec(microos, 'kill -CONT "$(cat /run/sshd.pid)"')
    }
  })

  it('a cable pulled under a running command: CONNECTION_LOST, then the process exits', async () => {
    const child = spawn(
      process.execPath,
      [BIN, '--data-dir', keyed.dataDir, 'ssh', 'run', 'mos', '--timeout', '300', '--', 'sleep', '271'],
      { env: { ...process.env, HOME: keyed.home }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      await waitUntil(
        'the remote sleep to run',
        async () => (await lab.nodeExec(microos, 'pgrep -f "^sleep 271"')).code === 0,
        20_000,
      )
      await lab.unplug(microos)
      // Keep-alives notice the dead link (generous deadline: the old ones took 40 s)...
      await waitUntil('the CLI to report the lost connection', () => /\[[A-Z_]+\]/.test(stderr), 35_000)
      expect(stderr).toContain('[CONNECTION_LOST]')
      // ...and the CLI exits once the error is printed (it used to hang on for 15 s more).
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 5_000))])
      expect(code).toBe(1)
    } finally {
      child.kill('SIGKILL')
      await lab.replug(microos)
      await lab.nodeExec(microos, 'pkill -f "^sleep 271" || true')
    }
  })
})

describe('SSH algorithms', () => {
  /** A second sshd on the key-only node, offering only what `options` allow. */
  async function legacySshd(port: number, options: string): Promise<void> {
    const started = await lab.nodeExec(
      keyOnly,
      `/usr/sbin/sshd -p ${port} -o PidFile=/run/sshd-${port}.pid -E /var/log/sshd-${port}.log ${options}`,
    )
    expect(started.code).toBe(0)
    await waitUntil(
      `sshd on port ${port}`,
      async () => (await lab.nodeExec(keyOnly, `ss -Hltn | grep -q :${port}`)).code === 0,
    )
  }

  beforeAll(async () => {
    await lab.nodeExec(
      keyOnly,
      'test -f /etc/ssh/legacy_rsa || ssh-keygen -q -t rsa -b 2048 -N "" -f /etc/ssh/legacy_rsa',
    )
    await legacySshd(2201, '-o Ciphers=aes128-ctr -o MACs=hmac-sha1')
    await legacySshd(2202, '-o HostKey=/etc/ssh/legacy_rsa -o HostKeyAlgorithms=ssh-rsa')
  })

  it('connects to the real OpenSSH of the lab with the modern lists', async () => {
    const host = await addAndTrust(keyed, keyOnly)
    expect((await keyed.api.ssh.run(host.id, ['echo', 'modern'])).stdout).toBe('modern\n')
  })

  it.each([
    [2201, 'hmac-sha1 only'],
    [2202, 'ssh-rsa (SHA-1) host keys only'],
  ])('refuses a server offering %s (%s) with a clear message', async (port) => {
    const host = await keyed.api.hosts.add({
      address: keyOnly.address,
      port,
      user: keyOnly.user,
      label: `legacy-${port}`,
    })
    const error = await rejection(keyed.api.ssh.scan(host.id))
    expect(error.code).toBe('UNREACHABLE')
    expect(error.message).toMatch(/only (old|legacy)/)
    expect(error.message).toContain(`:${port}`)
  })
})
