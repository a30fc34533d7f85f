import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { Host } from '../../../shared/types'
import { EventBus } from '../events'
import { OperationRegistry } from '../operations/registry'
import { Redactor } from '../secrets/secret'
import { checkReachability, probeBanner } from './reachability'

const servers: Server[] = []
afterEach(() => servers.splice(0).forEach((s) => s.close()))

async function listen(onConnect: (socket: Socket) => void): Promise<number> {
  const server = createServer(onConnect)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

function host(port: number, id = `h${port}`): Host {
  const at = new Date().toISOString()
  return { id, address: '127.0.0.1', port, user: 'pi', source: 'manual', addedAt: at, updatedAt: at }
}

async function freePort(): Promise<number> {
  const port = await listen(() => undefined)
  servers.pop()!.close()
  return port
}

describe('probeBanner', () => {
  it('reads the SSH identification line, skipping lines before it', async () => {
    const port = await listen((s) => s.write('hello there\r\nSSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'))
    const result = await probeBanner(host(port), 2000)
    expect(result).toMatchObject({ reachable: true, banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' })
    expect(result.latencyMs).toBeGreaterThanOrEqual(0)
  })

  it('explains a refused connection', async () => {
    const result = await probeBanner(host(await freePort()), 2000)
    expect(result).toMatchObject({ reachable: false, reason: expect.stringMatching(/refused/) })
  })

  it('recognises a server that is not SSH, and one that says nothing', async () => {
    const http = await listen((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
    expect(await probeBanner(host(http), 2000)).toMatchObject({
      reachable: false,
      reason: expect.stringMatching(/closed/),
    })
    const silent = await listen(() => undefined)
    expect(await probeBanner(host(silent), 300)).toMatchObject({ reachable: false, reason: 'No answer within 300 ms.' })
  })
})

describe('checkReachability', () => {
  it('checks every host, reporting per-host progress, one failure not stopping the others', async () => {
    const ssh = await listen((s) => s.write('SSH-2.0-Test\r\n'))
    const closed = await freePort()
    const events = new EventBus()
    const nodes = new Set<string>()
    events.on('op:progress', (p) => p.nodeId && nodes.add(p.nodeId))
    const ops = new OperationRegistry(events, new Redactor())
    const hosts = [host(ssh, 'a'), host(closed, 'b'), host(ssh, 'c')]
    const results = await ops.run({ id: 'x', kind: 'hosts:check', title: 't', total: 3 }, (ctx) =>
      checkReachability(hosts, ctx, { concurrency: 2 }),
    )
    expect(results.map((r) => [r.hostId, r.reachable])).toEqual([
      ['a', true],
      ['b', false],
      ['c', true],
    ])
    expect([...nodes].sort()).toEqual(['a', 'b', 'c'])
  })

  it('stops waiting when cancelled', async () => {
    const silent = await listen(() => undefined)
    const ops = new OperationRegistry(new EventBus(), new Redactor())
    const running = ops.run({ id: 'y', kind: 'hosts:check', title: 't' }, (ctx) =>
      checkReachability([host(silent)], ctx, { timeoutMs: 30_000 }),
    )
    setTimeout(() => ops.cancel('y'), 50)
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' })
  })
})
