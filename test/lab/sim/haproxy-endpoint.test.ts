/**
 * The endpoint recipe (issue 13 §1) on a sim node, through the app's SshService and step-runner,
 * against the REAL HAProxy (the lab host's 2.6 binary and its packaged haproxy.service, run by the
 * systemctl stand-in: Type=notify over a real datagram socket, `reload` = ExecReload=, i.e.
 * `haproxy -c` then SIGUSR2 to the master).
 *
 * HAProxy is on the node already (the host's package, seen through the node's overlay and in its
 * dpkg database), so the recipe's apt install is a no-op here: the lab's upstream has no Debian
 * archive to install it from. The rest of the step runs for real.
 *
 * The load balancer is a Raspberry Pi with password sudo, as in the field guide. The control planes
 * are fake API servers in this test process (the desk): HTTPS answering `/readyz` with 200 and any
 * other path with their own name, one on the desk's address, one on the lab's second desk address
 * (NET.254, where the upstream also listens on 443), and in the reload test a third at an address
 * nobody has.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import { connect, type TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENDPOINT_RECIPES } from '../../../src/main/services/plan/recipes'
import { BACKEND, HAPROXY_CONFIG } from '../../../src/main/services/plan/recipes/haproxy-config'
import { STAGED_CONFIG } from '../../../src/main/services/plan/recipes/haproxy'
import type { ClusterHost, RecipeContext, Step } from '../../../src/main/services/plan/step'
import { runCheck, runStepActions } from '../../../src/main/services/plan/step-runner'
import type { OperationContext } from '../../../src/main/services/operations/registry'
import { sh } from '../../../src/main/services/ssh/shell-command'
import type { Host } from '../../../src/shared/types'
import { installLabKey, testApp, type TestApp } from '../../integration/ssh-app'
import { useLab, waitUntil, type Lab, type LabNode } from '../harness'

let lab: Lab
let app: TestApp
let lb: LabNode
let host: Host
let base: RecipeContext

const logged: string[] = []
const ctx: OperationContext = {
  id: 'haproxy-endpoint-test',
  signal: new AbortController().signal,
  progress: () => undefined,
  log: (line) => void logged.push(line),
  throwIfCancelled: () => undefined,
}

/** A fake kube-apiserver: HTTPS, `/readyz` → 200, anything else → its name (keep-alive kept long). */
const servers = new Map<string, { server: Server; sockets: Set<Socket> }>()
function fakeApiServer(name: string, address: string, cert: { key: string; cert: string }): Promise<void> {
  const sockets = new Set<Socket>()
  const server = createServer(cert, (req, res) => {
    const body = req.url === '/readyz' ? 'ok' : `${name} ${req.url}`
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
  server.keepAliveTimeout = 600_000
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  servers.set(name, { server, sockets })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(6443, address, () => resolve())
  })
}
function killApiServer(name: string): void {
  const s = servers.get(name)!
  s.server.close()
  for (const socket of s.sockets) socket.destroy()
}

const cp = (name: string, address: string): ClusterHost => ({
  hostId: `fake-${name}`,
  name,
  address,
  roles: ['control-plane'],
})

const run = async (command: string, sudo = true) => {
  const r = await app.ssh.run(host.id, sh`sh -c ${command}`, { sudo }, ctx)
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr }
}
const stepFor = (cluster: RecipeContext['cluster']): Step => {
  const steps = ENDPOINT_RECIPES.flatMap((r) => r.steps({ ...base, cluster }))
  expect(steps.map((s) => s.id)).toEqual([`${host.label}/haproxy`])
  return steps[0]!
}
/** `show stat` from HAProxy's admin socket, as an operator would read it (python3 is on the node). */
const showStat = async () =>
  (
    await run(
      `python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.connect("/run/haproxy/admin.sock"); s.sendall(b"show stat\\n"); print(s.makefile().read())'`,
    )
  ).stdout
const serverStatus = (stat: string, server: string) =>
  stat
    .split('\n')
    .find((l) => l.startsWith(`${BACKEND},${server},`))
    ?.split(',')[17]

/** The live config's mtime, mode, owner and sha256; whether a staged file exists; HAProxy's processes. */
const snapshot = async () =>
  (
    await run(
      `stat -c '%y %a %U:%G' ${HAPROXY_CONFIG}; sha256sum < ${HAPROXY_CONFIG}; if [ -e ${STAGED_CONFIG} ]; then echo staged; else echo 'nothing staged'; fi; echo "master $(cat /run/haproxy.pid), workers $(pgrep -P "$(cat /run/haproxy.pid)" | sort | tr '\\n' ' ')"`,
    )
  ).stdout

/** A TLS connection through the endpoint; `ask` sends one keep-alive request on it. */
async function openThroughEndpoint(): Promise<{ socket: TLSSocket; ask: (path: string) => Promise<string> }> {
  const socket = connect({ host: lb.address, port: 6443, rejectUnauthorized: false })
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve)
    socket.once('error', reject)
  })
  const ask = (path: string) =>
    new Promise<string>((resolve, reject) => {
      let data = ''
      const onData = (chunk: Buffer) => {
        data += chunk.toString()
        const m = /content-length: (\d+)\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/i.exec(data)
        if (m && m[2]!.length >= Number(m[1])) {
          socket.off('data', onData)
          clearTimeout(timer)
          resolve(m[2]!)
        }
      }
      socket.on('data', onData)
      // A deadline, not a speed check: a connection a restart orphaned may neither answer nor close.
      const timer = setTimeout(() => reject(new Error(`no answer to ${path} on this connection within 20 s`)), 20_000)
      socket.once('error', reject)
      socket.once('close', () => reject(new Error(`the connection closed before an answer to ${path}`)))
      socket.once('end', () => reject(new Error(`the connection closed before an answer to ${path}`)))
      socket.write(`GET ${path} HTTP/1.1\r\nHost: api\r\nConnection: keep-alive\r\n\r\n`)
    })
  return { socket, ask }
}

let deskAddress: string
let secondAddress: string

beforeAll(async () => {
  lab = await useLab({ profiles: ['pi5+sim'] })
  lb = lab.nodes[0]!
  app = testApp()
  installLabKey(app, lab.keyPath)
  host = await app.addNode(lb)
  await app.api.ssh.trust(host.id, lb.hostKeyFingerprint!)
  if (lb.password) await app.api.ssh.provideSecret(host.id, 'sudo', lb.password)
  deskAddress = lab.desk.address
  secondAddress = deskAddress.replace(/\.\d+$/, '.254')
  const dir = mkdtempSync(join(tmpdir(), 'fake-apiserver-'))
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=kube-apiserver',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  )
  const cert = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') }
  await fakeApiServer('cp-a', deskAddress, cert)
  await fakeApiServer('cp-b', secondAddress, cert)
  const [probed] = await app.api.discovery.probe([host.id])
  if (!probed!.ok) throw new Error(probed!.error.message)
  base = {
    spec: {} as RecipeContext['spec'],
    clusterName: 'lab',
    host,
    facts: probed!.identification,
    roles: ['haproxy'],
    name: host.label!,
    kubernetes: { minor: '1.32' },
    cluster: { hosts: [], endpoint: { host: lb.address, port: 6443 } },
  }
}, 240_000)
afterAll(async () => {
  for (const name of servers.keys()) killApiServer(name)
  app?.close()
})

describe('the HAProxy endpoint on a Raspberry Pi', () => {
  const cluster = () => ({
    hosts: [
      { hostId: host.id, name: host.label!, address: lb.address, roles: ['haproxy' as const] },
      cp('cp-a', deskAddress),
      cp('cp-b', secondAddress),
    ],
    endpoint: { host: lb.address, port: 6443 },
  })

  it('check says to do, the actions run it, the check says done, the verify lists both backends', async () => {
    const step = stepFor(cluster())
    const before = await runCheck(app.ssh, step, ctx)
    expect(before).toEqual({
      state: 'todo',
      detail: '/etc/haproxy/haproxy.cfg is not the configuration Flotilla generated for this cluster',
    })
    await runStepActions(app.ssh, step, ctx)
    expect(await runCheck(app.ssh, step, ctx)).toEqual({
      state: 'done',
      detail: 'HAProxy runs the generated configuration',
    })
    const verify = await app.ssh.run(host.id, step.verify!.command!, { sudo: step.verify!.sudo! }, ctx)
    expect([verify.exitCode, verify.stdout.toString()]).toEqual([
      0,
      'HAProxy is running and lists 2 control plane(s) in kubernetes-control-planes\n',
    ])
    expect(await run(`haproxy -c -f ${HAPROXY_CONFIG}`)).toMatchObject({ code: 0 })
    expect((await run('systemctl is-enabled haproxy.service', false)).stdout).toBe('enabled\n')
    // Both fake API servers answer /readyz: UP after `rise` checks.
    await waitUntil('both backends UP', async () => {
      const stat = await showStat()
      return serverStatus(stat, 'cp-a') === 'UP' && serverStatus(stat, 'cp-b') === 'UP'
    })
  }, 120_000)

  it('refuses an invalid generated file at the validate action and leaves the live config and HAProxy alone', async () => {
    const good = stepFor(cluster())
    const broken: Step = {
      ...good,
      actions: good.actions.map((a) =>
        a.type === 'write' ? { ...a, content: { text: 'global\n    no-such-keyword\n' } } : a,
      ),
    }
    const before = await snapshot()
    const error = await runStepActions(app.ssh, broken, ctx).then(
      () => null,
      (e: unknown) => e as Error,
    )
    expect(error?.message).toContain('haproxy -c refused the generated configuration')
    // Only the staged file is left (for inspection); the live file and the processes are as they were.
    expect(await snapshot()).toBe(before.replace('nothing staged', 'staged'))
    expect(await runCheck(app.ssh, good, ctx)).toMatchObject({ state: 'done' })
    await run(`rm -f ${STAGED_CONFIG}`)
  }, 60_000)

  it('a reload for a changed config keeps an established connection through the endpoint alive', async () => {
    const conn = await openThroughEndpoint()
    const first = await conn.ask('/first')
    expect(first).toMatch(/^cp-[ab] \/first$/)
    const masterBefore = (await run('cat /run/haproxy.pid')).stdout
    // A third control plane (an address nobody answers on) changes the generated file.
    const grown = { ...cluster(), hosts: [...cluster().hosts, cp('cp-c', deskAddress.replace(/\.\d+$/, '.250'))] }
    const step = stepFor(grown)
    expect((await runCheck(app.ssh, step, ctx)).state).toBe('todo')
    // The verify wants every planned control plane in HAProxy's stats: not so before the reload.
    const early = await app.ssh.run(host.id, step.verify!.command!, { sudo: true }, ctx)
    expect([early.exitCode, early.stdout.toString()]).toEqual([
      1,
      "HAProxy's stats do not list the backend server cp-c\n",
    ])
    await runStepActions(app.ssh, step, ctx)
    expect(await runCheck(app.ssh, step, ctx)).toMatchObject({ state: 'done' })
    // The connection made before the reload still carries requests to the same backend.
    expect(await conn.ask('/second')).toBe(first.replace('/first', '/second'))
    // Reloaded, not restarted: the same master, a line of the new config in its stats.
    expect((await run('cat /run/haproxy.pid')).stdout).toBe(masterBefore)
    await waitUntil('the new worker serves cp-c', async () => serverStatus(await showStat(), 'cp-c') !== undefined)
    const verify = await app.ssh.run(host.id, step.verify!.command!, { sudo: true }, ctx)
    expect(verify.exitCode).toBe(0)
    conn.socket.destroy()
  }, 120_000)

  it('marks a killed API server DOWN (fall window), while the other stays UP', async () => {
    await waitUntil('cp-b UP, cp-c (nobody there) DOWN', async () => {
      const stat = await showStat()
      return serverStatus(stat, 'cp-b') === 'UP' && serverStatus(stat, 'cp-c') === 'DOWN'
    })
    killApiServer('cp-b')
    await waitUntil('cp-b DOWN', async () => serverStatus(await showStat(), 'cp-b') === 'DOWN', 10_000, 100)
    expect(serverStatus(await showStat(), 'cp-a')).toBe('UP')
    // New connections go to the backend that is left.
    const conn = await openThroughEndpoint()
    expect(await conn.ask('/after')).toBe('cp-a /after')
    conn.socket.destroy()
  }, 60_000)

  it('running the actions again changes nothing', async () => {
    const grown = { ...cluster(), hosts: [...cluster().hosts, cp('cp-c', deskAddress.replace(/\.\d+$/, '.250'))] }
    const step = stepFor(grown)
    const before = await snapshot()
    expect(before).toContain('nothing staged')
    await runStepActions(app.ssh, step, ctx)
    expect(await snapshot()).toBe(before)
    expect(await runCheck(app.ssh, step, ctx)).toMatchObject({ state: 'done' })
  }, 60_000)
})
