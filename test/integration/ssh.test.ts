/**
 * The SSH engine against real OpenSSH servers on the lab LAN: host-key trust, every login kind,
 * sudo with and without a password, files, and the failures a homelab throws at it.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Host } from '../../src/shared/types'
import { useLab, waitUntil, type Lab, type LabNode } from '../lab/harness'
import { installLabKey, rejection, testApp, type TestApp } from './ssh-app'

let lab: Lab
let app: TestApp
let microos: LabNode
let pi: LabNode
let debian: LabNode
let passwordOnly: LabNode
let port2222: LabNode
let noSsh: LabNode
const secretsUsed: string[] = []

beforeAll(async () => {
  lab = await useLab({
    profiles: ['microos', 'pi5', 'debian-sudo-nopass', 'password-only', 'ssh-port-2222', 'mdns-no-ssh'],
  })
  ;[microos, pi, debian, passwordOnly, port2222, noSsh] = lab.nodes as [
    LabNode,
    LabNode,
    LabNode,
    LabNode,
    LabNode,
    LabNode,
  ]
  app = testApp()
  installLabKey(app, lab.keyPath)
  secretsUsed.push(readKey(lab.keyPath), pi.password!, passwordOnly.password!)
})

afterAll(() => app?.close())

function readKey(path: string): string {
  return execFileSync('cat', [path], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => !l.startsWith('-----'))[1]!
}

async function trusted(node: LabNode, overrides: { user?: string } = {}): Promise<Host> {
  const host = await app.addNode(node, overrides)
  const scan = await app.api.ssh.scan(host.id)
  return app.api.ssh.trust(host.id, scan.fingerprint)
}

describe('host keys: trust on first use, never auto-accept', () => {
  it('stops at first contact with the fingerprint ssh-keygen prints, then works once trusted', async () => {
    const host = await app.addNode(microos)
    const [first] = await app.api.ssh.check([host.id])
    expect(first).toMatchObject({
      ok: false,
      error: { code: 'HOST_KEY_UNKNOWN', details: { fingerprint: microos.hostKeyFingerprint } },
    })

    const scan = await app.api.ssh.scan(host.id)
    expect(scan).toMatchObject({ status: 'unknown', type: 'ssh-ed25519', fingerprint: microos.hostKeyFingerprint })
    const pinned = await app.api.ssh.trust(host.id, scan.fingerprint)
    expect(pinned.hostKey).toMatchObject({ fingerprint: microos.hostKeyFingerprint, source: 'confirmed' })

    const [second] = await app.api.ssh.check([host.id])
    expect(second).toMatchObject({ ok: true, user: 'root', sudo: 'root', os: expect.stringMatching(/MicroOS/) })
    expect((await app.api.ssh.scan(host.id)).status).toBe('pinned')
  })

  it('refuses to trust a fingerprint the host does not present', async () => {
    const host = await app.addNode(debian)
    const wrong = 'SHA256:' + 'A'.repeat(43)
    expect(await rejection(app.api.ssh.trust(host.id, wrong))).toMatchObject({
      code: 'HOST_KEY_UNKNOWN',
      details: { fingerprint: debian.hostKeyFingerprint },
    })
    expect((await app.api.hosts.list()).find((h) => h.id === host.id)?.hostKey).toBeUndefined()
    await app.api.hosts.remove(host.id)
  })

  it('honours ~/.ssh/known_hosts, hashed as Debian writes it', async () => {
    const file = join(app.home, '.ssh', 'known_hosts')
    writeFileSync(file, `${debian.address} ${debian.hostKey!.split(' ').slice(0, 2).join(' ')}\n`)
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' })
    const host = await app.addNode(debian)
    const [result] = await app.api.ssh.check([host.id])
    expect(result).toMatchObject({ ok: true, user: 'debian', sudo: 'nopasswd' })
    const stored = (await app.api.hosts.list()).find((h) => h.id === host.id)
    expect(stored?.hostKey).toMatchObject({ source: 'known_hosts', fingerprint: debian.hostKeyFingerprint })
    writeFileSync(file, '')
  })

  it('stops everything when the key changes, until a deliberate re-trust', async () => {
    const host = (await app.api.hosts.list()).find((h) => h.address === debian.address)!
    const oldFingerprint = debian.hostKeyFingerprint
    await lab.changeHostKey(debian)
    await lab.refresh()
    const newFingerprint = debian.hostKeyFingerprint!
    expect(newFingerprint).not.toBe(oldFingerprint)

    const [result] = await app.api.ssh.check([host.id])
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'HOST_KEY_CHANGED', details: { oldFingerprint, newFingerprint } },
    })
    expect(result!.error!.message).toContain(`${oldFingerprint} → ${newFingerprint}`)
    expect(await rejection(app.api.ssh.run(host.id, ['true']))).toMatchObject({ code: 'HOST_KEY_CHANGED' })

    expect((await app.api.ssh.scan(host.id)).status).toBe('changed')
    expect(await rejection(app.api.ssh.trust(host.id, newFingerprint))).toMatchObject({ code: 'HOST_KEY_CHANGED' })
    await app.api.ssh.trust(host.id, newFingerprint, { replace: true })
    expect((await app.api.ssh.check([host.id]))[0]).toMatchObject({ ok: true })
  })
})

describe('logging in', () => {
  it('asks for the password of a password-only host, refuses a wrong one, and installs the key', async () => {
    const host = await trusted(passwordOnly)
    expect((await app.api.ssh.check([host.id]))[0]).toMatchObject({
      error: { code: 'AUTH_NEEDED', details: { kind: 'password' } },
    })

    await app.api.ssh.provideSecret(host.id, 'password', 'not-the-password')
    expect((await app.api.ssh.check([host.id]))[0]).toMatchObject({ error: { code: 'AUTH_FAILED' } })

    await app.api.ssh.provideSecret(host.id, 'password', passwordOnly.password!)
    await app.api.ssh.provideSecret(host.id, 'sudo', passwordOnly.password!)
    expect((await app.api.ssh.check([host.id]))[0]).toMatchObject({ ok: true, user: 'pi', sudo: 'password' })

    expect(await app.api.ssh.installKey(host.id)).toEqual({ added: true })
    expect(await app.api.ssh.installKey(host.id)).toEqual({ added: false })
    const perms = await app.api.ssh.run(host.id, ['stat', '-c', '%a', '.ssh', '.ssh/authorized_keys'])
    expect(perms.stdout.split('\n').slice(0, 2)).toEqual(['700', '600'])
  })

  it('asks for the passphrase of a protected key, and uses an ssh-agent when there is one', async () => {
    // A second app whose only key is passphrase-protected, authorised for root on the MicroOS host.
    const other = testApp()
    const keyFile = join(other.home, '.ssh', 'id_ed25519')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-f', keyFile])
    const pub = execFileSync('cat', [`${keyFile}.pub`], { encoding: 'utf8' }).trim()
    const microosHost = (await app.api.hosts.list()).find((h) => h.address === microos.address)!
    await app.api.ssh.run(microosHost.id, ['sh', '-c', 'printf "%s\\n" "$1" >> ~/.ssh/authorized_keys', 'x', pub])
    secretsUsed.push('correct horse')
    try {
      const host = await other.addNode(microos)
      await other.api.ssh.trust(host.id, microos.hostKeyFingerprint!)
      expect((await other.api.ssh.check([host.id]))[0]).toMatchObject({
        error: { code: 'AUTH_NEEDED', details: { kind: 'passphrase', keyPath: keyFile } },
      })
      await other.api.ssh.provideSecret(host.id, 'passphrase', 'wrong horse', keyFile)
      expect((await other.api.ssh.check([host.id]))[0]).toMatchObject({
        error: { code: 'AUTH_NEEDED', details: { kind: 'passphrase' } },
      })
      await other.api.ssh.provideSecret(host.id, 'passphrase', 'correct horse', keyFile)
      expect((await other.api.ssh.check([host.id]))[0]).toMatchObject({ ok: true, user: 'root' })
      expect(other.logText()).not.toContain('correct horse')
    } finally {
      other.close()
    }

    // The agent: the key lives only in ssh-agent; no key file in this app's home at all.
    const agentDir = mkdtempSync(join(tmpdir(), 'flotilla-agent-'))
    const socket = join(agentDir, 'agent.sock')
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' })
    try {
      await waitUntil('ssh-agent socket', () => existsSync(socket))
      execFileSync('ssh-add', ['-q', lab.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' })
      const viaAgent = testApp({ agent: socket })
      const host = await viaAgent.addNode(microos)
      await viaAgent.api.ssh.trust(host.id, microos.hostKeyFingerprint!)
      expect((await viaAgent.api.ssh.check([host.id]))[0]).toMatchObject({ ok: true, user: 'root' })
      viaAgent.close()
    } finally {
      agent.kill()
    }
  })

  it('honours ~/.ssh/config: a Host alias with its HostName and IdentityFile', async () => {
    const other = testApp()
    try {
      execFileSync('cp', [lab.keyPath, join(other.home, '.ssh', 'lab_key')])
      writeFileSync(
        join(other.home, '.ssh', 'config'),
        `Host kitchen-pi\n  HostName ${debian.address}\n  IdentityFile ~/.ssh/lab_key\n`,
      )
      const host = await other.api.hosts.add({ address: 'kitchen-pi', user: 'debian' })
      const scan = await other.api.ssh.scan(host.id)
      expect(scan.fingerprint).toBe(debian.hostKeyFingerprint)
      await other.api.ssh.trust(host.id, scan.fingerprint)
      expect((await other.api.ssh.check([host.id]))[0]).toMatchObject({ ok: true, user: 'debian' })
    } finally {
      other.close()
    }
  })

  it('reaches sshd on a non-standard port', async () => {
    expect(port2222.port).toBe(2222)
    const host = await trusted(port2222)
    expect((await app.api.ssh.check([host.id]))[0]).toMatchObject({ ok: true, user: port2222.user })
  })

  it('says clearly, and quickly, that a host refuses SSH', async () => {
    const host = await app.addNode(noSsh)
    const [result] = await app.api.ssh.check([host.id])
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'UNREACHABLE', message: expect.stringMatching(/refused/) },
    })
  })
})

describe('sudo', () => {
  let host: Host
  beforeAll(async () => {
    host = await trusted(pi)
  })

  it('asks for the sudo password once, refuses a wrong one, then runs as root', async () => {
    expect((await app.api.ssh.check([host.id]))[0]).toMatchObject({ error: { code: 'SUDO_PASSWORD_NEEDED' } })
    await app.api.ssh.provideSecret(host.id, 'sudo', 'wrong-sudo-password')
    expect((await app.api.ssh.check([host.id]))[0]).toMatchObject({ error: { code: 'SUDO_AUTH_FAILED' } })
    // A refused password is forgotten, so the next step asks again instead of repeating it.
    expect((await app.api.ssh.check([host.id]))[0]).toMatchObject({ error: { code: 'SUDO_PASSWORD_NEEDED' } })
    await app.api.ssh.provideSecret(host.id, 'sudo', pi.password!)
    expect((await app.api.ssh.check([host.id]))[0]).toMatchObject({ ok: true, sudo: 'password' })
    expect((await app.api.ssh.run(host.id, ['id', '-u'], { sudo: true })).stdout.trim()).toBe('0')
  })

  it('never lets the wrapped command read the password from stdin', async () => {
    for (const target of [host, (await app.api.hosts.list()).find((h) => h.address === debian.address)!]) {
      const result = await app.api.ssh.run(target.id, ['sh', '-c', 'head -c 200; echo end'], { sudo: true })
      expect(result.stdout).toBe('end\n')
      expect(result.stdout + result.stderr).not.toContain(pi.password!)
    }
  })

  it('writes files atomically with mode and owner, and reads them back', async () => {
    const ctx = app.ops
    const content = `token: it's "quoted" $(not run)\n`
    await ctx.run({ id: 'upload-1', kind: 'test', title: 'upload' }, (c) =>
      app.ssh.upload(
        host.id,
        '/etc/flotilla-test.conf',
        content,
        { mode: 0o640, owner: 'root', group: 'root', sudo: true },
        c,
      ),
    )
    const stat = await app.api.ssh.run(host.id, ['stat', '-c', '%a %U %G', '/etc/flotilla-test.conf'])
    expect(stat.stdout.trim()).toBe('640 root root')
    const back = await ctx.run({ id: 'read-1', kind: 'test', title: 'read' }, (c) =>
      app.ssh.readFile(host.id, '/etc/flotilla-test.conf', { sudo: true }, c),
    )
    expect(back?.toString()).toBe(content)
    const missing = await ctx.run({ id: 'read-2', kind: 'test', title: 'read' }, (c) =>
      app.ssh.readFile(host.id, '/etc/does-not-exist', { sudo: true }, c),
    )
    expect(missing).toBeNull()
  })
})

/** Until the node runs `sleep <secs>`: the command is under way on the host, not just sent. */
const sleeping = (node: LabNode, secs: number) =>
  waitUntil(
    `sleep ${secs} to run on ${node.hostname}`,
    async () => (await lab.nodeExec(node, `pgrep -f 'slee[p] ${secs}'`)).code === 0,
    20_000,
  )

// How fast these end is for benchmarks; here, that they end, and with which error. The test's own
// timeout bounds them.
describe('failures mid-command end with a clear error', () => {
  it('an unplugged link', async () => {
    const host = (await app.api.hosts.list()).find((h) => h.address === microos.address)!
    const running = rejection(app.api.ssh.run(host.id, ['sleep', '30'], { timeoutSec: 4 }))
    await sleeping(microos, 30)
    await lab.unplug(microos)
    try {
      expect(await running).toMatchObject({ code: expect.stringMatching(/^(TIMEOUT|CONNECTION_LOST)$/) })
    } finally {
      await lab.replug(microos)
    }
  })

  it('sshd killed under a running command', async () => {
    const host = (await app.api.hosts.list()).find((h) => h.address === port2222.address)!
    const running = rejection(app.api.ssh.run(host.id, ['sleep', '30'], { timeoutSec: 60 }))
    await sleeping(port2222, 30)
    await lab.killSshd(port2222, { restart: true })
    expect(await running).toMatchObject({ code: 'CONNECTION_LOST' })
    // The pool notices and the next command gets a fresh connection.
    expect((await app.api.ssh.run(host.id, ['echo', 'back'])).stdout).toBe('back\n')
  })

  it('cancel stops a running command', async () => {
    const host = (await app.api.hosts.list()).find((h) => h.address === microos.address)!
    const abort = new AbortController()
    const running = rejection(app.api.ssh.run(host.id, ['sleep', '31'], {}, { signal: abort.signal }))
    await sleeping(microos, 31)
    abort.abort()
    expect(await running).toMatchObject({ code: 'CANCELLED' })
    // The remote command is stopped too, not left running behind the cancelled operation.
    await waitUntil(
      'sleep 31 to be gone',
      async () => (await app.api.ssh.run(host.id, ['pgrep', '-f', 'sleep 31'])).exitCode === 1,
      6_000,
    )
  })

  it('a timeout stops the remote command, sudo included', async () => {
    const host = (await app.api.hosts.list()).find((h) => h.address === pi.address)!
    expect(await rejection(app.api.ssh.run(host.id, ['sleep', '32'], { sudo: true, timeoutSec: 1 }))).toMatchObject({
      code: 'TIMEOUT',
    })
    await waitUntil(
      'sleep 32 to be gone',
      async () => (await app.api.ssh.run(host.id, ['pgrep', '-f', 'sleep 32'])).exitCode === 1,
      6_000,
    )
  })
})

describe('the command builder against a real /bin/sh on a node', () => {
  it('delivers 10,000 random and hostile strings byte for byte', async () => {
    const host = (await app.api.hosts.list()).find((h) => h.address === microos.address)!
    const pieces = [
      "'",
      '"',
      '$(',
      ')',
      '`',
      '\\',
      '\n',
      '\r',
      '\t',
      ';',
      '|',
      '&',
      '*',
      '?',
      '~',
      '#',
      '!',
      '{',
      '}',
      '<',
      '>',
      '$HOME',
      '%s',
      '-n',
      'é',
      'ß',
      '🚀',
      '\u202e',
      '\u00a0',
      ' ',
      'a',
      'Z',
      '0',
      '=',
      '..',
      '/',
    ]
    let seed = 20261123
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const values = Array.from({ length: 10_000 }, () =>
      Array.from({ length: 1 + Math.floor(random() * 10) }, () => pieces[Math.floor(random() * pieces.length)]).join(
        '',
      ),
    )
    const { sh, join: joinCommands } = await import('../../src/main/services/ssh/shell-command')
    const received: string[] = []
    for (let i = 0; i < values.length; i += 500) {
      const batch = values.slice(i, i + 500)
      const script = joinCommands(
        batch.map((v) => sh`printf '%s\\036' ${v}`),
        '; ',
      )
      const result = await app.ops.run({ id: `fuzz-${i}`, kind: 'test', title: 'fuzz' }, (ctx) =>
        app.ssh.run(host.id, script, {}, ctx),
      )
      expect(result.exitCode).toBe(0)
      received.push(...result.stdout.toString('utf8').split('\x1e').slice(0, -1))
    }
    expect(received).toHaveLength(values.length)
    for (let i = 0; i < values.length; i++)
      if (received[i] !== values[i]) expect({ i, got: received[i] }).toEqual({ i, got: values[i] })
    const { quote } = await import('../../src/main/services/ssh/shell-command')
    expect(() => quote('nul\0inside')).toThrow(/NUL/)
  })
})

describe('secrets', () => {
  it('never appear in the app log, operation logs or errors', async () => {
    const everything = [
      app.logText(),
      ...app.ops.list().flatMap((o) => app.ops.logOf(o.id)),
      JSON.stringify(app.ops.list()),
    ].join('\n')
    expect(everything.length).toBeGreaterThan(1000)
    for (const secret of secretsUsed) expect(everything).not.toContain(secret)
  })
})
