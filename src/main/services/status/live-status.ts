/**
 * The live cluster view's background reads (issue 14 §4): while at least one view watches a cluster,
 * its parts are read again and again, each at its own pace, and every new reading goes out as a
 * `clusters:live` snapshot:
 * - nodes through the API (ClusterStatusService.nodes, Flotilla's in-memory admin client), ~1 s;
 * - Flotilla's own probe of each node's machine (a TCP connect to the kubelet's port 10250), ~1 s:
 *   a powered-off node stops answering at once, while the API keeps saying Ready until its
 *   node-monitor grace period (40 s by default) has passed. The snapshot says which source says what;
 * - the HAProxy backends (`show stat` over SSH on the HAProxy host), ~1.5 s;
 * - etcd's members (over SSH on a control plane, with sudo for kubeadm's root-only client key), ~5 s.
 *
 * These reads are not operations: polling would otherwise put one in the tray every second. They
 * run with a quiet context (no log, no progress) and without `needSecret`, so a sudo password
 * Flotilla does not hold is never asked in the background: the etcd part then says so, and the view
 * offers to read the status once as an operation (`clusters:status`), which asks through the usual
 * `op:secret-needed` dialog; the password is then held for the session and later reads use it.
 *
 * A watch is a lease renewed by the view: a window closed or a web client gone without a goodbye
 * stops the reads when the lease lapses, with no hook in any transport. Each part is read again only
 * after its previous read ended (no pile-up on a slow host); nothing is read once nobody watches.
 */
import { connect } from 'node:net'
import type {
  BackendStatus,
  EtcdMemberStatus,
  LiveEvents,
  LiveNode,
  LiveStatus,
  NodeProbe,
  NodeStatus,
  StatusPart,
} from '../../../shared/channels/status'
import { AppError } from '../../../shared/errors'
import type { Cluster, Host } from '../../../shared/types'
import { hostName, resolveHostRef } from '../clusters/host-ref'
import type { OperationContext } from '../operations/registry'
import { endpointOf, isHealthy, type ClusterStatusService } from './cluster-status'

export type LivePart = 'nodes' | 'probes' | 'backends' | 'etcd'

/** How often each part is read again (after the previous read ended), in milliseconds. */
export const LIVE_EVERY: Record<LivePart, number> = { nodes: 1000, probes: 1000, backends: 1500, etcd: 5000 }
/** A watch lapses this long after its last renewal. */
export const LEASE_MS = 15_000
/** The kubelet's port: what Flotilla's probe connects to. */
export const PROBE_PORT = 10250
export const PROBE_TIMEOUT_MS = 1500
/**
 * How long one read of the nodes may take. After a power cut a kept-alive connection through HAProxy
 * (TCP mode) can still lead to the dead backend and hang; this bounds the read, and the next read
 * goes out on a fresh connection HAProxy sends to a live backend.
 */
export const LIVE_API_TIMEOUT_MS = 4000

export type Probe = (
  address: string,
  port: number,
  timeoutMs: number,
) => Promise<{ answering: boolean; detail: string }>

export interface LiveStatusDeps {
  reader: Pick<ClusterStatusService, 'nodes' | 'backends' | 'etcd'>
  /** The cluster record as it is now (its spec may change while watched); undefined once removed. */
  cluster: (id: string) => Cluster | undefined
  hosts: () => readonly Host[]
  emit: (payload: LiveEvents['clusters:live']) => void
  probe?: Probe
  now?: () => Date
  every?: Partial<Record<LivePart, number>>
  leaseMs?: number
}

interface Loop {
  clusterId: string
  controller: AbortController
  timers: Set<NodeJS.Timeout>
  nodes: StatusPart<NodeStatus>
  backends: StatusPart<BackendStatus>
  etcd: StatusPart<EtcdMemberStatus>
  probes: Map<string, NodeProbe>
  readAt: LiveStatus['readAt']
  last?: LiveStatus
}

const NOT_READ_REASON = 'not read yet'
const NOT_READ: StatusPart<never> = { reachable: false, reason: NOT_READ_REASON }

export class LiveStatusService {
  readonly #d: LiveStatusDeps
  readonly #every: Record<LivePart, number>
  readonly #leaseMs: number
  /** watchId → the cluster it watches and when its lease lapses (ms since the epoch). */
  readonly #watches = new Map<string, { clusterId: string; until: number }>()
  readonly #loops = new Map<string, Loop>()

  constructor(deps: LiveStatusDeps) {
    this.#d = deps
    this.#every = { ...LIVE_EVERY, ...deps.every }
    this.#leaseMs = deps.leaseMs ?? LEASE_MS
  }

  /** Starts or renews a watch; a new watcher of a running loop gets its latest snapshot at once. */
  watch(cluster: Cluster, watchId: string): { leaseMs: number } {
    const known = this.#watches.get(watchId)
    this.#watches.set(watchId, { clusterId: cluster.id, until: this.#nowMs() + this.#leaseMs })
    if (known && known.clusterId !== cluster.id) this.#sweep()
    const loop = this.#loops.get(cluster.id)
    if (!loop) this.#start(cluster.id)
    else if (!known && loop.last) this.#d.emit({ clusterId: cluster.id, status: loop.last })
    return { leaseMs: this.#leaseMs }
  }

  unwatch(watchId: string): void {
    if (this.#watches.delete(watchId)) this.#sweep()
  }

  /** Cluster ids being read right now (for tests and diagnostics). */
  get watching(): string[] {
    return [...this.#loops.keys()]
  }

  close(): void {
    this.#watches.clear()
    for (const id of [...this.#loops.keys()]) this.#stop(id)
  }

  #nowMs(): number {
    return (this.#d.now?.() ?? new Date()).getTime()
  }

  /** Drops lapsed watches and stops every loop nobody watches any more. */
  #sweep(): void {
    const now = this.#nowMs()
    for (const [id, w] of this.#watches) if (w.until <= now) this.#watches.delete(id)
    const watched = new Set([...this.#watches.values()].map((w) => w.clusterId))
    for (const id of [...this.#loops.keys()]) if (!watched.has(id)) this.#stop(id)
  }

  #start(clusterId: string): void {
    const loop: Loop = {
      clusterId,
      controller: new AbortController(),
      timers: new Set(),
      nodes: NOT_READ,
      backends: NOT_READ,
      etcd: NOT_READ,
      probes: new Map(),
      readAt: {},
    }
    this.#loops.set(clusterId, loop)
    for (const part of ['nodes', 'probes', 'backends', 'etcd'] as const) void this.#tick(loop, part)
  }

  #stop(clusterId: string): void {
    const loop = this.#loops.get(clusterId)
    if (!loop) return
    this.#loops.delete(clusterId)
    loop.controller.abort()
    for (const t of loop.timers) clearTimeout(t)
    loop.timers.clear()
  }

  #alive(loop: Loop): boolean {
    return this.#loops.get(loop.clusterId) === loop && !loop.controller.signal.aborted
  }

  /** Reads one part, publishes the snapshot, and schedules the next read of that part. */
  async #tick(loop: Loop, part: LivePart): Promise<void> {
    this.#sweep()
    if (!this.#alive(loop)) return
    const cluster = this.#d.cluster(loop.clusterId)
    if (!cluster) return this.#stop(loop.clusterId)
    const ctx = quietContext(`live:${cluster.id}:${part}`, loop.controller.signal)
    try {
      if (part === 'probes') loop.probes = await this.#probeAll(cluster)
      else if (part === 'nodes') loop.nodes = await this.#d.reader.nodes(cluster, ctx, LIVE_API_TIMEOUT_MS)
      else if (part === 'backends') loop.backends = await this.#d.reader.backends(cluster, ctx)
      else loop.etcd = await this.#d.reader.etcd(cluster, ctx)
    } catch (error) {
      // The readers answer every failure as an unreachable part; this is a bug's last line.
      const reason = error instanceof Error ? error.message : String(error)
      if (part !== 'probes') loop[part] = { reachable: false, reason }
    }
    if (!this.#alive(loop)) return
    loop.readAt[part] = (this.#d.now?.() ?? new Date()).toISOString()
    loop.last = this.#snapshot(cluster, loop)
    this.#d.emit({ clusterId: cluster.id, status: loop.last })
    const timer = setTimeout(() => {
      loop.timers.delete(timer)
      void this.#tick(loop, part)
    }, this.#every[part])
    // The reads must not keep the app (or the CLI, or a test) alive.
    timer.unref?.()
    loop.timers.add(timer)
  }

  #specHosts(cluster: Cluster): { host: Host | undefined; ref: string; roles: string[] }[] {
    const hosts = this.#d.hosts()
    return (cluster.spec?.spec.nodes ?? []).map((n) => {
      const found = resolveHostRef(n.host, hosts)
      return { host: found.length === 1 ? found[0] : undefined, ref: n.host, roles: [...n.roles] }
    })
  }

  async #probeAll(cluster: Cluster): Promise<Map<string, NodeProbe>> {
    const probe = this.#d.probe ?? tcpProbe
    const targets = this.#specHosts(cluster).flatMap((s) => (s.host ? [s.host] : []))
    const results = await Promise.all(
      targets.map(async (host): Promise<NodeProbe> => {
        const r = await probe(host.address, PROBE_PORT, PROBE_TIMEOUT_MS)
        const at = (this.#d.now?.() ?? new Date()).toISOString()
        return { hostId: host.id, address: host.address, port: PROBE_PORT, ...r, at }
      }),
    )
    return new Map(results.map((p) => [p.hostId, p]))
  }

  #snapshot(cluster: Cluster, loop: Loop): LiveStatus {
    const byName = new Map((loop.nodes.items ?? []).map((n) => [n.name, n]))
    const members = this.#specHosts(cluster).map(({ host, ref, roles }): LiveNode => {
      const facts = host?.identification
      const nodeName = facts?.hostname.trim().toLowerCase()
      const node =
        (nodeName ? byName.get(nodeName) : undefined) ??
        (loop.nodes.items ?? []).find((n) => host && n.address === host.address)
      const probe = host ? loop.probes.get(host.id) : undefined
      return {
        hostId: host?.id ?? '',
        host: host ? hostName(host) : ref,
        ...(nodeName ? { nodeName } : {}),
        specRoles: roles,
        ...(facts ? { os: facts.os.prettyName, arch: facts.arch } : {}),
        ...(facts?.model ? { model: facts.model } : {}),
        ...(node ? { node } : {}),
        ...(probe ? { probe } : {}),
        ...nodeState(loop.nodes, node, probe, nodeName ?? ref),
      }
    })
    const parts = { endpoint: endpointOf(cluster), nodes: loop.nodes, backends: loop.backends, etcd: loop.etcd }
    return {
      cluster: cluster.name,
      at: (this.#d.now?.() ?? new Date()).toISOString(),
      healthy: isHealthy(parts) && members.every((m) => m.state === 'ready'),
      ...parts,
      members,
      readAt: { ...loop.readAt },
      everyMs: { ...this.#every },
    }
  }
}

/**
 * The one state of a node from the two sources. Flotilla's probe wins when the machine does not
 * answer: the API's Ready is stale until its grace period ends, and the view should not wait for it.
 */
export function nodeState(
  nodes: StatusPart<NodeStatus>,
  node: NodeStatus | undefined,
  probe: NodeProbe | undefined,
  name: string,
): Pick<LiveNode, 'state' | 'stateDetail'> {
  const probeSays = probe ? `Flotilla's probe: ${probe.detail}` : "Flotilla's probe has not answered yet"
  if (probe && !probe.answering) {
    const api = !nodes.reachable
      ? 'the API did not answer'
      : !node
        ? `the API lists no Node "${name}"`
        : node.ready
          ? 'the API still says Ready (it notices only after its grace period)'
          : 'the API says NotReady'
    return { state: 'not-answering', stateDetail: `${probeSays}; ${api}.` }
  }
  if (!nodes.reachable)
    return {
      state: 'unknown',
      stateDetail: `${nodes.reason === NOT_READ_REASON ? 'The API has not been read yet' : `The API did not answer (${nodes.reason})`}; ${probeSays}.`,
    }
  if (!node) return { state: 'missing', stateDetail: `The API lists no Node "${name}"; ${probeSays}.` }
  return node.ready
    ? { state: 'ready', stateDetail: `The API says Ready; ${probeSays}.` }
    : { state: 'not-ready', stateDetail: `The API says NotReady; ${probeSays}.` }
}

/**
 * A TCP connect to the node: connected or refused both mean the machine is on (a refusal is its
 * kernel answering); a timeout or "host unreachable" means it is not answering.
 */
export const tcpProbe: Probe = (address, port, timeoutMs) =>
  new Promise((resolve) => {
    const socket = connect({ host: address, port })
    let settled = false
    const done = (answering: boolean, detail: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ answering, detail })
    }
    const timer = setTimeout(
      () => done(false, `no reply from ${address}:${port} within ${timeoutMs / 1000} s`),
      timeoutMs,
    )
    socket.once('connect', () => done(true, `${address}:${port} (the kubelet's port) answers`))
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') done(true, `${address} answers (nothing listens on port ${port})`)
      else done(false, `${address} is not answering (${error.code ?? error.message})`)
    })
  })

/** An operation context for background reads: no tray entry, no log, and nobody to ask for secrets. */
export function quietContext(id: string, signal: AbortSignal): OperationContext {
  return {
    id,
    signal,
    progress: () => undefined,
    log: () => undefined,
    throwIfCancelled: () => {
      if (signal.aborted) throw new AppError('CANCELLED', 'The live view stopped watching.')
    },
  }
}
