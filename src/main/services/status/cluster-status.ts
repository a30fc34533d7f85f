/**
 * `flotilla status NAME` / `clusters:status` (issue 13 §4): a built cluster as it is right now, read
 * three ways, each on its own so one part that cannot be reached does not hide the others:
 * - nodes, through the API with Flotilla's in-memory admin client (name, roles from the
 *   `node-role.kubernetes.io/*` labels, Ready, taints, kubelet version);
 * - the endpoint's backends, over SSH on the HAProxy host: `show stat` on HAProxy's stats socket.
 *   Flotilla's configuration has a read-only TCP stats socket on loopback (haproxy-config.ts), read
 *   with nothing but bash's /dev/tcp; failing that, socat on the admin socket when socat is
 *   installed (Debian's haproxy does not bring it). An `address` endpoint is the user's load
 *   balancer: Flotilla does not log in there, and says so;
 * - etcd's members, over SSH on a control plane (the first that answers, in spec order): etcd's v3
 *   JSON gateway on 127.0.0.1:2379 with curl and kubeadm's healthcheck client certificate (root's),
 *   `member/list`, then each member's `/health` on its client URL.
 * Commands reach hosts only as `sh`-built ShellCommands. Nothing is changed anywhere.
 */
import type { V1Node } from '@kubernetes/client-node'
import type {
  BackendStatus,
  ClusterStatus,
  EtcdMemberStatus,
  NodeStatus,
  StatusPart,
} from '../../../shared/channels/status'
import { toAppErrorData } from '../../../shared/errors'
import type { Cluster, Host } from '../../../shared/types'
import type { KubeClient } from '../kube/kube-client'
import type { OperationContext } from '../operations/registry'
import { hostName, resolveHostRef } from '../clusters/host-ref'
import { ADMIN_SOCKET, BACKEND, STATS_TCP } from '../plan/recipes/haproxy-config'
import { joinLines } from '../plan/recipes/common'
import { ETCD_PKI, etcdPost } from '../reset/reset-plan'
import { sh } from '../ssh/shell-command'
import type { SshService } from '../ssh/ssh-service'

/** How long the API may take to list the nodes before the part is reported unreachable. */
const API_TIMEOUT_MS = 15_000
const SSH_TIMEOUT_MS = 30_000

export interface ClusterStatusDeps {
  hosts: () => readonly Host[]
  ssh: Pick<SshService, 'run'>
  kube: { kubeClient(clusterId: string): Promise<KubeClient> }
  now?: () => Date
}

const ROLE_LABEL = 'node-role.kubernetes.io/'

/** One Node as the status shows it. */
export function nodeStatus(node: V1Node): NodeStatus {
  const labels = node.metadata?.labels ?? {}
  const internal = (node.status?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address
  return {
    name: node.metadata?.name ?? '',
    roles: Object.keys(labels)
      .filter((k) => k.startsWith(ROLE_LABEL))
      .map((k) => k.slice(ROLE_LABEL.length))
      .filter(Boolean)
      .sort(),
    ready: (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    taints: (node.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    kubeletVersion: node.status?.nodeInfo?.kubeletVersion ?? '',
    ...(internal ? { address: internal } : {}),
    ...(node.spec?.unschedulable ? { unschedulable: true } : {}),
  }
}

/**
 * HAProxy's `show stat` CSV (first line `# pxname,svname,…,status,…`): the servers of `backend`
 * (not its FRONTEND/BACKEND summary rows). UP means serving: `UP`, or `UP 1/3` (up, failing checks).
 */
export function parseShowStat(csv: string, backend = BACKEND): BackendStatus[] {
  const lines = csv.split('\n').map((l) => l.trim())
  const header = lines.find((l) => l.startsWith('# '))
  if (!header) return []
  const cols = header.slice(2).split(',')
  const at = (name: string) => cols.indexOf(name)
  const [px, sv, status, addr] = [at('pxname'), at('svname'), at('status'), at('addr')]
  const servers: BackendStatus[] = []
  for (const line of lines) {
    if (!line || line.startsWith('#')) continue
    const f = line.split(',')
    if (f[px] !== backend || f[sv] === 'BACKEND' || f[sv] === 'FRONTEND') continue
    const state = f[status] ?? ''
    servers.push({
      backend: f[px]!,
      server: f[sv]!,
      status: state,
      up: /^UP\b/.test(state),
      ...(addr >= 0 && f[addr] ? { address: f[addr] } : {}),
    })
  }
  return servers
}

interface GatewayMember {
  ID?: string | number
  name?: string
  peerURLs?: string[]
  clientURLs?: string[]
  isLearner?: boolean
}

/** etcd's member/list answer (the JSON gateway writes uint64 IDs as strings). */
export function parseMemberList(json: string): Omit<EtcdMemberStatus, 'healthy'>[] {
  const parsed = JSON.parse(json) as { members?: GatewayMember[]; error?: string; message?: string }
  if (!parsed.members)
    throw new Error(`etcd answered without a member list: ${parsed.message ?? parsed.error ?? json.slice(0, 200)}`)
  return parsed.members.map((m) => ({
    id: BigInt(m.ID ?? 0).toString(16),
    name: m.name ?? '',
    peerURLs: m.peerURLs ?? [],
    clientURLs: m.clientURLs ?? [],
    learner: m.isLearner === true,
  }))
}

/** Lines `URL ANSWER` of the health probe → per client URL, healthy or why not. */
export function parseHealth(text: string): Map<string, { healthy: boolean; detail: string }> {
  const out = new Map<string, { healthy: boolean; detail: string }>()
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ')
    if (space <= 0) continue
    const url = line.slice(0, space)
    const answer = line.slice(space + 1).trim()
    let healthy = false
    try {
      healthy = (JSON.parse(answer) as { health?: unknown }).health === 'true'
    } catch {
      healthy = false
    }
    out.set(url, { healthy, detail: healthy ? 'healthy' : answer.slice(0, 200) || 'no answer' })
  }
  return out
}

/**
 * Healthy: every part reached, every node Ready, every backend UP, every etcd member healthy. An
 * `address` endpoint's backends are the user's load balancer's, which Flotilla does not read: the
 * nodes answering through that endpoint stand for it.
 */
export function isHealthy(s: Pick<ClusterStatus, 'nodes' | 'backends' | 'etcd' | 'endpoint'>): boolean {
  const backendsOk =
    s.endpoint.kind === 'address' ||
    (s.backends.reachable && s.backends.items.length > 0 && s.backends.items.every((b) => b.up))
  return (
    s.nodes.reachable &&
    s.nodes.items.length > 0 &&
    s.nodes.items.every((n) => n.ready) &&
    backendsOk &&
    s.etcd.reachable &&
    s.etcd.items.length > 0 &&
    s.etcd.items.every((m) => m.healthy)
  )
}

function reason(error: unknown): string {
  return toAppErrorData(error).message.split('\n')[0]!.slice(0, 300)
}

export class ClusterStatusService {
  constructor(private readonly deps: ClusterStatusDeps) {}

  async status(cluster: Cluster, ctx: OperationContext): Promise<ClusterStatus> {
    const [nodes, backends, etcd] = await Promise.all([
      this.nodes(cluster, ctx),
      this.backends(cluster, ctx),
      this.etcd(cluster, ctx),
    ])
    const parts = { endpoint: endpointOf(cluster), nodes, backends, etcd }
    return {
      cluster: cluster.name,
      at: (this.deps.now?.() ?? new Date()).toISOString(),
      healthy: isHealthy(parts),
      ...parts,
    }
  }

  /**
   * The cluster's nodes through its API (one part of `status`; the live view polls it alone, with a
   * shorter `timeoutMs`: a read stuck on a connection to a dead backend must not freeze the view).
   */
  nodes(cluster: Cluster, ctx: OperationContext, timeoutMs = API_TIMEOUT_MS): Promise<StatusPart<NodeStatus>> {
    return this.#nodes(cluster.id, ctx, timeoutMs)
  }

  /** The endpoint's backends from HAProxy's stats on the spec's HAProxy host. */
  backends(cluster: Cluster, ctx: OperationContext): Promise<StatusPart<BackendStatus>> {
    const lbRef = cluster.spec?.spec.endpoint.haproxy?.host
    if (!lbRef)
      return Promise.resolve(
        unreachable<BackendStatus>(
          `the endpoint ${cluster.endpointHost}:${cluster.endpointPort} is a load balancer Flotilla does not manage`,
        ),
      )
    const lb = this.#find(lbRef)
    return lb
      ? this.#backends(lb, ctx)
      : Promise.resolve(unreachable<BackendStatus>(`the endpoint host "${lbRef}" is not in Flotilla's host list`))
  }

  /** etcd's members and their health, asked through the first control plane that answers. */
  etcd(cluster: Cluster, ctx: OperationContext): Promise<StatusPart<EtcdMemberStatus>> {
    const planes = (cluster.spec?.spec.nodes ?? [])
      .filter((n) => n.roles.includes('control-plane'))
      .map((n) => this.#find(n.host))
      .filter((h): h is Host => h !== undefined)
    return planes.length > 0
      ? this.#etcd(planes, ctx)
      : Promise.resolve(unreachable<EtcdMemberStatus>("none of the spec's control planes is in Flotilla's host list"))
  }

  #find(ref: string): Host | undefined {
    const found = resolveHostRef(ref, this.deps.hosts())
    return found.length === 1 ? found[0]! : undefined
  }

  async #nodes(clusterId: string, ctx: OperationContext, timeoutMs: number): Promise<StatusPart<NodeStatus>> {
    try {
      const client = await this.deps.kube.kubeClient(clusterId)
      const list = await withTimeout(client.core.listNode(), timeoutMs, 'the API server did not answer')
      const items = list.items.map(nodeStatus).sort((a, b) => a.name.localeCompare(b.name))
      return { reachable: true, items, source: client.config.getCurrentCluster()?.server ?? 'the endpoint' }
    } catch (error) {
      ctx.log(`The cluster's API could not list the nodes: ${reason(error)}`)
      return unreachable(`the cluster's API did not answer: ${reason(error)}`)
    }
  }

  async #backends(lb: Host, ctx: OperationContext): Promise<StatusPart<BackendStatus>> {
    const tcp = `exec 3<>/dev/tcp/${STATS_TCP.host}/${STATS_TCP.port} && printf 'show stat\\n' >&3 && cat <&3`
    const command = joinLines([
      sh`if out=$(bash -c ${tcp} 2>/dev/null) && [ -n "$out" ]; then printf '%s\\n' "$out"; exit 0; fi`,
      sh`if command -v socat >/dev/null 2>&1 && [ -r ${ADMIN_SOCKET} ] && [ -w ${ADMIN_SOCKET} ]; then echo 'show stat' | socat stdio ${`unix-connect:${ADMIN_SOCKET}`}; exit $?; fi`,
      sh`echo ${`HAProxy's stats socket does not answer (${STATS_TCP.host}:${STATS_TCP.port}, or ${ADMIN_SOCKET} with socat): is HAProxy running?`} >&2; exit 3`,
    ])
    try {
      const r = await this.deps.ssh.run(lb.id, command, { timeoutMs: SSH_TIMEOUT_MS }, ctx)
      if (r.exitCode !== 0)
        return unreachable(`${hostName(lb)}: ${lastLine(r.stderr) || `exit ${r.exitCode}`}`, hostName(lb))
      return { reachable: true, items: parseShowStat(r.stdout.toString('utf8')), source: hostName(lb) }
    } catch (error) {
      return unreachable(`${hostName(lb)} could not be reached: ${reason(error)}`, hostName(lb))
    }
  }

  /** The member list from the first control plane whose etcd answers, then every member's health from there. */
  async #etcd(planes: readonly Host[], ctx: OperationContext): Promise<StatusPart<EtcdMemberStatus>> {
    const reasons: string[] = []
    for (const plane of planes) {
      const name = hostName(plane)
      try {
        const list = await this.deps.ssh.run(
          plane.id,
          etcdPost('/v3/cluster/member/list', sh`{}`),
          { sudo: true, timeoutMs: SSH_TIMEOUT_MS },
          ctx,
        )
        if (list.exitCode !== 0) {
          reasons.push(`${name}: ${lastLine(list.stderr) || `curl exit ${list.exitCode}`}`)
          continue
        }
        const members = parseMemberList(list.stdout.toString('utf8'))
        const urls = [...new Set(members.flatMap((m) => m.clientURLs))]
        const health = urls.length
          ? parseHealth(
              (
                await this.deps.ssh.run(
                  plane.id,
                  sh`for u in ${urls}; do r=$(curl -sS --max-time 3 --cacert ${ETCD_PKI.ca} --cert ${ETCD_PKI.cert} --key ${ETCD_PKI.key} "$u/health" 2>&1 | tr '\\n' ' '); printf '%s %s\\n' "$u" "$r"; done`,
                  { sudo: true, timeoutMs: SSH_TIMEOUT_MS },
                  ctx,
                )
              ).stdout.toString('utf8'),
            )
          : new Map<string, { healthy: boolean; detail: string }>()
        const items = members.map((m): EtcdMemberStatus => {
          const answers = m.clientURLs.map((u) => health.get(u)).filter((h) => h !== undefined)
          const good = answers.find((h) => h.healthy)
          return {
            ...m,
            healthy: good !== undefined,
            detail:
              m.clientURLs.length === 0
                ? 'not started (no client URL yet)'
                : ((good ?? answers[0])?.detail ?? 'no answer'),
          }
        })
        return { reachable: true, items, source: name }
      } catch (error) {
        reasons.push(`${name}: ${reason(error)}`)
      }
    }
    return unreachable(`no control plane's etcd answered (${reasons.join('; ')})`)
  }
}

/** The endpoint as the status shows it: HAProxy when the spec names an HAProxy host. */
export function endpointOf(cluster: Cluster): ClusterStatus['endpoint'] {
  return {
    host: cluster.endpointHost,
    port: cluster.endpointPort,
    kind: cluster.spec?.spec.endpoint.haproxy?.host ? 'haproxy' : 'address',
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? ''
}

function unreachable<T>(why: string, source?: string): StatusPart<T> {
  return { reachable: false, reason: why, ...(source ? { source } : {}) }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${Math.round(ms / 1000)} s`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
