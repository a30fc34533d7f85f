import { mkdirSync, mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ssh2 from 'ssh2'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../app'
import { confStoreFactory } from '../store/conf-store'

/** A loopback port nothing listens on (connections are refused at once). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** The app on a fresh data directory, with an empty ~/.ssh and no agent. */
function freshApp() {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-ssh-svc-'))
  const home = mkdtempSync(join(tmpdir(), 'flotilla-ssh-home-'))
  mkdirSync(join(home, '.ssh'))
  return createApp({
    dataDir,
    transport: 'cli',
    version: 'test',
    createStore: confStoreFactory(dataDir),
    sshEnvironment: { home, agent: undefined },
  })
}

describe('SshService fan-out', () => {
  it('checks 12 hosts at once without a MaxListenersExceededWarning on the shared abort signal', async () => {
    const app = freshApp()
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const hosts = []
      for (let i = 0; i < 12; i++) {
        hosts.push(
          await app.api.hosts.add({ address: '127.0.0.1', port: await closedPort(), label: `h${i}`, user: 'pi' }),
        )
      }
      const results = await app.api.ssh.check(
        hosts.map((h) => h.id),
        { opId: 'check12' },
      )
      expect(results).toHaveLength(12)
      expect(results.every((r) => !r.ok && r.error?.code === 'UNREACHABLE')).toBe(true)
      // Each host's step is journaled with its typed state and why it failed.
      const { steps } = await app.api.ops.get('check12')
      expect(steps.map((s) => s.hostId)).toEqual(hosts.map((h) => h.id))
      expect(
        steps.every((s) => s.stepId === 'ssh-check' && s.state === 'failed' && s.error?.code === 'UNREACHABLE'),
      ).toBe(true)
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning')
    } finally {
      process.off('warning', onWarning)
      app.close()
    }
  })
})

describe('SshService login check', () => {
  it('says in a sentence with a next step why a login whose shell failed did not go on', async () => {
    const PASSWORD = 'unit-login-password'
    const clients: ssh2.Connection[] = []
    // A server that accepts the login, then ends every command at once with exit status 1, silent.
    const server = new ssh2.Server({ hostKeys: [ssh2.utils.generateKeyPairSync('ed25519').private] }, (client) => {
      clients.push(client)
      client.on('authentication', (ctx) =>
        ctx.method === 'password' && ctx.password === PASSWORD ? ctx.accept() : ctx.reject(['password']),
      )
      client.on('ready', () =>
        client.on('session', (accept) =>
          accept().on('exec', (acceptExec) => {
            const stream = acceptExec()
            stream.exit(1)
            stream.end()
          }),
        ),
      )
      client.on('error', () => undefined)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    const app = freshApp()
    try {
      const host = await app.api.hosts.add({ address: '127.0.0.1', port, label: 'shell-less', user: 'pi' })
      const scan = await app.api.ssh.scan(host.id)
      await app.api.ssh.trust(host.id, scan.fingerprint, {})
      await app.api.ssh.provideSecret(host.id, 'password', PASSWORD)
      const [result] = await app.api.ssh.check([host.id], { opId: 'login-check' })
      expect(result).toMatchObject({ ok: false, error: { code: 'COMMAND_FAILED' } })
      const message = result!.error!.message
      expect(message).not.toMatch(/^Logging in failed/)
      expect(message).toContain('Flotilla logged in to shell-less as pi')
      expect(message).toContain('exit status 1')
      expect(message).toContain(`ssh -p ${port} pi@127.0.0.1`)
      expect(message).toMatch(/then log in again\.$/)
    } finally {
      for (const client of clients) client.end()
      app.close()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
