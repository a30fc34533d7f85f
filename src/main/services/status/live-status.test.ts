import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { LiveEvents, NodeStatus, StatusPart } from '../../../shared/channels/status'
import type { Cluster, Host } from '../../../shared/types'
import type { OperationContext } from '../operations/registry'
import { LEASE_MS, LIVE_API_TIMEOUT_MS, LiveStatusService, nodeState, tcpProbe, type Probe } from './live-status'
import { createServer } from 'node:net'

const cluster = {
  id: 'c1',
  name: 'homelab',
  endpointHost: '10.0.0.10',
  endpointPort: 6443,
  build: { state: 'built', members: [], startedAt: '' },
  spec: {
    spec: {
      endpoint: { haproxy: { host: 'lb' } },
      nodes: [
        { host: 'cp1', roles: ['control-plane'] },
        { host: 'w1', roles: ['worker'] },
      ],
    },
  },
} as unknown as Cluster

const host = (label: string, address: string, hostname: string): Host =>
  ({
    id: `h-${label}`,
    label,
    address,
    port: 22,
    user: 'pi',
    source: 'manual',
    addedAt: '',
    updatedAt: '',
    identification: { hostname, arch: 'arm64', os: { prettyName: 'Debian GNU/Linux 12 (bookworm)' } },
  }) as unknown as Host

const HOSTS = [host('lb', '10.0.0.10', 'lb'), host('cp1', '10.0.0.11', 'CP1'), host('w1', '10.0.0.21', 'w1')]

const node = (name: string, ready = true): NodeStatus => ({
  name,
  roles: name === 'cp1' ? ['control-plane'] : [],
  ready,
  taints: [],
  kubeletVersion: 'v1.32.4',
})

/** A fake reader counting its calls; what it answers can be changed between ticks. */
function fakeWorld() {
  const calls = { nodes: 0, backends: 0, etcd: 0, probes: 0 }
  const signals: AbortSignal[] = []
  const timeouts: (number | undefined)[] = []
  const world = {
    nodes: { reachable: true, items: [node('cp1'), node('w1')], source: 'api' } as StatusPart<NodeStatus>,
    answering: new Set(['10.0.0.11', '10.0.0.21']),
    backendUp: true,
  }
  const reader = {
    nodes: (_c: Cluster, ctx: OperationContext, timeoutMs?: number) => {
      calls.nodes++
      timeouts.push(timeoutMs)
      signals.push(ctx.signal)
      return Promise.resolve(world.nodes)
    },
    backends: () => {
      calls.backends++
      return Promise.resolve({
        reachable: true as const,
        source: 'lb',
        items: [{ backend: 'b', server: 'cp1', status: world.backendUp ? 'UP' : 'DOWN', up: world.backendUp }],
      })
    },
    etcd: () => {
      calls.etcd++
      return Promise.resolve({
        reachable: true as const,
        source: 'cp1',
        items: [{ id: '1', name: 'cp1', peerURLs: [], clientURLs: [], learner: false, healthy: true }],
      })
    },
  }
  const probe: Probe = (address) => {
    calls.probes++
    return Promise.resolve(
      world.answering.has(address)
        ? { answering: true, detail: `${address} answers` }
        : { answering: false, detail: `no reply from ${address}` },
    )
  }
  return { calls, signals, timeouts, world, reader, probe }
}

describe('LiveStatusService', () => {
  let events: LiveEvents['clusters:live'][]
  let now: number
  beforeEach(() => {
    vi.useFakeTimers()
    events = []
    now = Date.parse('2026-12-07T12:00:00Z')
  })
  afterEach(() => vi.useRealTimers())

  function service(w: ReturnType<typeof fakeWorld>, clusters: () => Cluster | undefined = () => cluster) {
    return new LiveStatusService({
      reader: w.reader,
      probe: w.probe,
      cluster: () => clusters(),
      hosts: () => HOSTS,
      emit: (e) => events.push(e),
      now: () => new Date(now),
    })
  }
  /** Advances the fake clock and the timers together. */
  async function advance(ms: number) {
    now += ms
    await vi.advanceTimersByTimeAsync(ms)
  }

  it('reads every part while watched and sends snapshots: nodes Ready with OS facts, backends, etcd', async () => {
    const w = fakeWorld()
    const live = service(w)
    expect(live.watch(cluster, 'v1')).toEqual({ leaseMs: LEASE_MS })
    await advance(0)
    // One probe per spec node (cp1, w1) per round.
    expect(w.calls).toEqual({ nodes: 1, backends: 1, etcd: 1, probes: 2 })
    const last = events.at(-1)!
    expect(last.clusterId).toBe('c1')
    expect(last.status.healthy).toBe(true)
    expect(last.status.members.map((m) => [m.host, m.nodeName, m.state, m.os, m.node?.kubeletVersion])).toEqual([
      ['cp1', 'cp1', 'ready', 'Debian GNU/Linux 12 (bookworm)', 'v1.32.4'],
      ['w1', 'w1', 'ready', 'Debian GNU/Linux 12 (bookworm)', 'v1.32.4'],
    ])
    expect(last.status.backends.items?.map((b) => b.status)).toEqual(['UP'])
    expect(Object.keys(last.status.readAt).sort()).toEqual(['backends', 'etcd', 'nodes', 'probes'])
    // A read stuck on a dead backend's connection is cut short, not left to freeze the view.
    expect(w.timeouts[0]).toBe(LIVE_API_TIMEOUT_MS)
    // Each part at its own pace: after 5 s nodes ~5 more reads, etcd one more.
    await advance(5000)
    expect(w.calls.nodes).toBe(6)
    expect(w.calls.probes).toBe(12)
    expect(w.calls.backends).toBe(4)
    expect(w.calls.etcd).toBe(2)
    live.close()
  })

  it('shows a powered-off node as not answering (probe) while the API still says Ready, and its backend DOWN', async () => {
    const w = fakeWorld()
    const live = service(w)
    live.watch(cluster, 'v1')
    await advance(0)
    w.world.answering.delete('10.0.0.11')
    w.world.backendUp = false
    await advance(1500)
    const cp1 = events.at(-1)!.status.members.find((m) => m.host === 'cp1')!
    expect(cp1.node?.ready).toBe(true)
    expect(cp1.state).toBe('not-answering')
    expect(cp1.stateDetail).toContain('the API still says Ready')
    expect(events.at(-1)!.status.backends.items?.[0]?.up).toBe(false)
    expect(events.at(-1)!.status.healthy).toBe(false)
    live.close()
  })

  it('stops reading when the last watcher unwatches, and aborts the reads in flight', async () => {
    const w = fakeWorld()
    const live = service(w)
    live.watch(cluster, 'v1')
    live.watch(cluster, 'v2')
    await advance(0)
    expect(live.watching).toEqual(['c1'])
    live.unwatch('v1')
    await advance(2000)
    expect(live.watching).toEqual(['c1'])
    live.unwatch('v2')
    expect(live.watching).toEqual([])
    expect(w.signals.every((s) => s.aborted)).toBe(true)
    const before = { ...w.calls }
    const sent = events.length
    await advance(20_000)
    expect(w.calls).toEqual(before)
    expect(events).toHaveLength(sent)
  })

  it('stops by itself when a watch is not renewed (window closed, web client gone), keeps going while renewed', async () => {
    const w = fakeWorld()
    const live = service(w)
    live.watch(cluster, 'v1')
    for (let i = 0; i < 4; i++) {
      await advance(LEASE_MS / 3)
      live.watch(cluster, 'v1')
    }
    expect(live.watching).toEqual(['c1'])
    await advance(LEASE_MS + 2000)
    expect(live.watching).toEqual([])
    const before = w.calls.nodes
    await advance(10_000)
    expect(w.calls.nodes).toBe(before)
  })

  it('gives a second watcher the latest snapshot at once, and stops when the cluster is removed', async () => {
    const w = fakeWorld()
    let record: Cluster | undefined = cluster
    const live = service(w, () => record)
    live.watch(cluster, 'v1')
    await advance(0)
    const sent = events.length
    live.watch(cluster, 'v2')
    expect(events).toHaveLength(sent + 1)
    record = undefined
    await advance(1000)
    expect(live.watching).toEqual([])
  })
})

describe('nodeState', () => {
  const probe = (answering: boolean) => ({ hostId: 'h', address: 'a', port: 10250, answering, detail: 'd', at: '' })
  const nodes = (items: NodeStatus[]): StatusPart<NodeStatus> => ({ reachable: true, items, source: 'api' })
  it('says which source says what', () => {
    expect(nodeState(nodes([node('a')]), node('a'), probe(true), 'a').state).toBe('ready')
    expect(nodeState(nodes([node('a', false)]), node('a', false), probe(true), 'a').state).toBe('not-ready')
    expect(nodeState(nodes([node('a')]), node('a'), probe(false), 'a')).toEqual({
      state: 'not-answering',
      stateDetail: "Flotilla's probe: d; the API still says Ready (it notices only after its grace period).",
    })
    expect(nodeState(nodes([]), undefined, probe(true), 'a').state).toBe('missing')
    expect(nodeState({ reachable: false, reason: 'timeout' }, undefined, undefined, 'a')).toEqual({
      state: 'unknown',
      stateDetail: "The API did not answer (timeout); Flotilla's probe has not answered yet.",
    })
  })
})

describe('tcpProbe', () => {
  it('answering when something listens or the port is refused (the machine is on)', async () => {
    const server = createServer((s) => s.destroy())
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    expect((await tcpProbe('127.0.0.1', port, 1500)).answering).toBe(true)
    await new Promise((r) => server.close(r))
    const refused = await tcpProbe('127.0.0.1', port, 1500)
    expect(refused).toEqual({ answering: true, detail: `127.0.0.1 answers (nothing listens on port ${port})` })
  })
})
