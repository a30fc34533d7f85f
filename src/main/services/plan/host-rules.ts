/**
 * Host rules, from each host's identification and login: identified, fresh, trusted, sudo works;
 * then readiness.ts's findings for the host's roles (OS, 64-bit, RAM, CPUs, ports, leftovers, swap,
 * memory cgroup, clock), and across the nodes: unique host names and machine-ids, the CPU
 * architectures, and addresses that came from DHCP.
 */
import type { NodeRole } from '../../../shared/cluster-spec'
import type { ClusterRole, Host, ReadinessReason, SpecProblem } from '../../../shared/types'
import { hostName } from '../clusters/host-ref'
import { reasonsFor } from '../identify/readiness'
import { parseIp } from './net'
import { list, problem, readinessProblem } from './problems'
import type { ResolvedNode, ValidationInput } from './validate'

/** Identifications older than this are probed again before a plan (ValidationInput.maxProbeAgeMs). */
export const DEFAULT_MAX_PROBE_AGE_MS = 10 * 60_000

/**
 * The readiness role whose minimums a spec role must meet. An etcd host runs etcd as a static pod
 * under a kubelet, so it is judged like a worker (kubelet, 1 GB) plus etcd's ports below.
 */
const READINESS_ROLE: Record<NodeRole, ClusterRole> = {
  'control-plane': 'control-plane',
  worker: 'worker',
  etcd: 'worker',
}
const ETCD_PORTS = [2379, 2380]
/** Findings that concern the node's own old Kubernetes: on a member of the built cluster, that is the cluster. */
const CLUSTER_ITSELF = new Set(['leftovers', 'leftovers-unchecked', 'port-in-use'])

interface Subject {
  host: Host
  /** Spec path of the node entry, or of the endpoint host. */
  path: string
  roles: ClusterRole[]
  /** Holds etcd (external): its ports must be free too. */
  etcd: boolean
}

export function hostRules(
  input: ValidationInput,
  nodes: readonly ResolvedNode[],
  endpointHost: Host | undefined,
): SpecProblem[] {
  const out: SpecProblem[] = []
  const subjects: Subject[] = nodes.map((n) => ({
    host: n.host,
    path: n.path,
    roles: [...new Set(n.roles.map((r) => READINESS_ROLE[r]))].sort(strictestFirst),
    etcd: n.roles.includes('etcd'),
  }))
  if (endpointHost) {
    const asNode = subjects.find((s) => s.host.id === endpointHost.id)
    if (asNode) asNode.roles.push('haproxy')
    else subjects.push({ host: endpointHost, path: 'spec.endpoint.haproxy.host', roles: ['haproxy'], etcd: false })
  }
  const fresh: Subject[] = []
  for (const subject of subjects) {
    if (accessRules(input, subject, out)) fresh.push(subject)
  }
  for (const subject of fresh) out.push(...factRules(input, subject))
  const kube = fresh.filter((s) => nodes.some((n) => n.host.id === s.host.id))
  out.push(...uniquenessRules(kube), ...archMix(kube))
  return out
}

/** control-plane before worker before haproxy: the first "RAM too low" found is the strictest. */
function strictestFirst(a: ClusterRole, b: ClusterRole): number {
  const order: ClusterRole[] = ['control-plane', 'worker', 'haproxy']
  return order.indexOf(a) - order.indexOf(b)
}

/** Identified, fresh, trusted, logged in; true when its facts are fresh enough to judge. */
function accessRules(input: ValidationInput, { host, path }: Subject, out: SpecProblem[]): boolean {
  const name = hostName(host)
  const where = { path, host }
  if (!host.hostKey) out.push(problem('host-untrusted', { name }, where))
  const login = host.lastLogin
  if (!login) out.push(problem('login-unchecked', { name }, where))
  // The login worked and sudo asks for a password nobody has typed yet: Raspberry Pi OS's default,
  // not a failure. The run asks for it (the operation pauses for the secret).
  else if (!login.ok && login.error?.code === 'SUDO_PASSWORD_NEEDED')
    out.push(problem('sudo-password', { name }, where))
  else if (!login.ok)
    out.push(problem('login-failed', { name, ...(login.error ? { reason: login.error.message } : {}) }, where))
  else if (login.sudo === undefined) out.push(problem('login-unchecked', { name }, where))
  else if (login.sudo === 'password') out.push(problem('sudo-password', { name }, where))
  const id = host.identification
  if (!id) {
    out.push(problem('host-unidentified', { name }, where))
    return false
  }
  const max = input.maxProbeAgeMs ?? DEFAULT_MAX_PROBE_AGE_MS
  const age = input.now.getTime() - Date.parse(id.at)
  // Facts older than the plan accepts are not judged: the planner probes again, then validates.
  if (!(age <= max)) {
    out.push(problem('probe-stale', { name, age: duration(age), max: duration(max) }, where))
    return false
  }
  return true
}

function duration(ms: number): string {
  if (!Number.isFinite(ms)) return 'an unknown time'
  const minutes = Math.round(ms / 60_000)
  if (minutes < 1) return `${Math.round(ms / 1000)} s`
  if (minutes < 120) return `${minutes} min`
  const hours = Math.round(minutes / 60)
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`
}

/** readiness.ts's findings for the subject's roles, as problems; leftovers only with consent. */
function factRules(input: ValidationInput, { host, path, roles, etcd }: Subject): SpecProblem[] {
  const id = host.identification!
  const where = { path, host }
  // On a built cluster a member's Kubernetes files and ports are the cluster itself, and so are the
  // HAProxy host's ports (the endpoint cannot change, so it is the same host).
  const onlyHaproxy = roles.length === 1 && roles[0] === 'haproxy'
  const member = input.existing?.built === true && (onlyHaproxy || (input.existing.members ?? []).includes(host.id))
  const consented = (input.resetConsent ?? []).includes(host.id)
  const reasons: ReadinessReason[] = []
  const seen = new Set<string>()
  // Machine-ids are compared across the nodes below (uniquenessRules), so no peers here.
  for (const role of roles) {
    for (const reason of reasonsFor(role, id, [])) {
      // One "RAM too low" per host, the strictest role's (roles are sorted strictest first).
      const key = reason.code === 'ram-low' ? reason.code : `${reason.code}\n${reason.message}`
      if (!seen.has(key)) reasons.push(reason)
      seen.add(key)
    }
  }
  if (etcd) {
    for (const port of ETCD_PORTS.filter((p) => id.portsInUse.includes(p))) {
      const message = `port ${port} is already in use: stop what listens there first`
      if (!seen.has(`port-in-use\n${message}`)) reasons.push({ code: 'port-in-use', severity: 'blocking', message })
    }
  }
  const out: SpecProblem[] = []
  for (const reason of reasons) {
    if (member && CLUSTER_ITSELF.has(reason.code)) continue
    if (reason.code === 'leftovers' && consented) {
      out.push(problem('leftovers-reset', { name: hostName(host), paths: id.leftovers }, where))
      continue
    }
    // Fixable findings become plan steps (swap off, time sync): listed, never blocking.
    const severity = reason.severity === 'blocking' ? 'blocking' : 'warning'
    out.push(readinessProblem(reason.code, severity, reason.message, where))
  }
  out.push(...dhcpRule(host, path))
  return out
}

/**
 * The address Flotilla reaches the host on (or, when that is a name, each global IPv4 address)
 * came from DHCP: say so, with the interface's MAC for the router's reservation.
 */
function dhcpRule(host: Host, path: string): SpecProblem[] {
  const interfaces = host.identification?.interfaces ?? []
  const isIp = parseIp(host.address) !== undefined
  const out: SpecProblem[] = []
  for (const iface of interfaces) {
    for (const a of iface.addresses) {
      if (a.dynamic !== true) continue
      const relevant = isIp ? a.address === host.address : a.family === 'ipv4' && !/^(127|169\.254)\./.test(a.address)
      if (!relevant) continue
      out.push(
        problem(
          'address-dynamic',
          { name: hostName(host), address: a.address, iface: iface.name, ...(iface.mac ? { mac: iface.mac } : {}) },
          { path, host },
        ),
      )
    }
  }
  return out
}

/** Host names and machine-ids must be unique among the nodes. */
function uniquenessRules(subjects: readonly Subject[]): SpecProblem[] {
  const out: SpecProblem[] = []
  const group = (key: (s: Subject) => string) => {
    const groups = new Map<string, Subject[]>()
    for (const s of subjects) {
      const k = key(s)
      if (k) groups.set(k, [...(groups.get(k) ?? []), s])
    }
    return [...groups.entries()].filter(([, members]) => members.length > 1)
  }
  for (const [hostname, members] of group((s) => s.host.identification!.hostname.toLowerCase())) {
    const names = members.map((m) => hostName(m.host))
    out.push(problem('duplicate-hostname', { hostname, names }, { path: members[1]!.path, host: members[1]!.host }))
  }
  for (const [, members] of group((s) => s.host.identification!.machineId)) {
    const names = members.map((m) => hostName(m.host))
    out.push(problem('duplicate-machine-id', { names }, { path: members[1]!.path, host: members[1]!.host }))
  }
  return out
}

/** Different CPU architectures among the nodes: allowed, but said, with which node has which. */
function archMix(subjects: readonly Subject[]): SpecProblem[] {
  const byArch = new Map<string, string[]>()
  for (const s of subjects) {
    const raw = s.host.identification!.arch
    // uname says aarch64 on Linux; arm64 is the same CPU under Kubernetes' name.
    const arch = raw === 'arm64' ? 'aarch64' : raw
    byArch.set(arch, [...(byArch.get(arch) ?? []), hostName(s.host)])
  }
  if (byArch.size < 2) return []
  const arches = [...byArch.entries()].map(([arch, names]) => `${arch}: ${list(names)}`)
  return [problem('arch-mix', { arches }, { path: 'spec.nodes' })]
}
