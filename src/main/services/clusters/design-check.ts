/**
 * The designer's questions about a stored spec (issue 14): where does each host sit, what is wrong,
 * and what would moving a host to another place bring. Answered by the spec validator (validate.ts,
 * with readiness.ts's findings), judged on the inventory's last known facts: the designer probes
 * nothing, the plan probes stale hosts again before it relies on them.
 */
import { DEFAULT_API_PORT, DESIGN_TARGETS } from '../../../shared/channels/clusters'
import type { DesignCheck, DesignTarget, MoveVerdict } from '../../../shared/channels/clusters'
import type { ClusterSpecDocument } from '../../../shared/cluster-spec'
import type { Cluster, Host, SpecProblem } from '../../../shared/types'
import { SUPPORTED_MINORS } from '../plan/flavour-rules'
import { validateSpec, type ValidationInput } from '../plan/validate'
import { nodesWithRole } from './cluster-registry'
import { hostName, resolveHostRef } from './host-ref'

export interface DesignInput {
  cluster: Pick<Cluster, 'id' | 'revision' | 'spec'>
  hosts: readonly Host[]
  now: Date
  /** What the validator guards of a built cluster (plan-handlers' specFor gives it). */
  existing?: ValidationInput['existing']
}

/**
 * Findings about the host rather than the place it is put: fixed on the Hosts screen or by a plan
 * step the user consents to, so they never refuse a move (the problem list still shows them).
 */
const HOST_STATE = new Set([
  'host-untrusted',
  'host-unidentified',
  'login-unchecked',
  'login-failed',
  'sudo-password',
  'probe-stale',
  'leftovers',
  'leftovers-unchecked',
])

function validate(spec: ClusterSpecDocument, input: DesignInput) {
  return validateSpec({
    spec,
    hosts: input.hosts,
    now: input.now,
    // Last known facts, however old: the plan refreshes them, the designer only draws.
    maxProbeAgeMs: Number.POSITIVE_INFINITY,
    ...(input.existing ? { existing: input.existing } : {}),
  })
}

/** Where each host of the stored spec sits, its problems and its quorum. */
export function checkDesign(input: DesignInput): DesignCheck {
  const { spec } = input.cluster
  const result = validate(spec, input)
  const nodes = spec.spec.nodes.map((node) => {
    const matches = resolveHostRef(node.host, input.hosts)
    return { ref: node.host, roles: [...node.roles], ...(matches.length === 1 ? { hostId: matches[0]!.id } : {}) }
  })
  const placed = new Set([...nodes.flatMap((n) => (n.hostId ? [n.hostId] : [])), result.endpointHost?.id])
  return {
    id: input.cluster.id,
    revision: input.cluster.revision,
    spec,
    nodes,
    ...(result.endpointHost ? { endpointHostId: result.endpointHost.id } : {}),
    unassigned: input.hosts.filter((h) => !h.pending && !h.ignored && !placed.has(h.id)).map((h) => h.id),
    problems: result.problems,
    quorum: result.quorum,
    kubernetesVersions: [...SUPPORTED_MINORS],
  }
}

/** The spec after moving `host` to `target`: a node role (alone), the HAProxy endpoint, or out of the nodes. */
export function specAfterMove(spec: ClusterSpecDocument, host: Host, target: DesignTarget, hosts: readonly Host[]) {
  if (target === 'endpoint') {
    const port = spec.spec.endpoint.haproxy?.port ?? DEFAULT_API_PORT
    return { ...spec, spec: { ...spec.spec, endpoint: { haproxy: { host: hostName(host), port } } } }
  }
  return { ...spec, spec: { ...spec.spec, nodes: nodesWithRole(spec.spec.nodes, host.id, target, hosts) } }
}

/**
 * For each place, what moving `hostRef` there would bring: the problems concerning this host that
 * the spec after the move has and the spec now has not. A move is refused by a blocking one that
 * comes with the place; the endpoint host cannot leave for the unassigned hosts (a cluster needs
 * an endpoint: another host or an address takes its place).
 */
export function checkMoves(input: DesignInput, hostRef: string): MoveVerdict[] {
  const matches = resolveHostRef(hostRef, input.hosts)
  const host = matches.length === 1 ? matches[0]! : undefined
  if (!host) return DESIGN_TARGETS.map((target) => unknownHost(target, hostRef, matches.length))
  const { spec } = input.cluster
  const before = validate(spec, input)
  const key = (p: SpecProblem) => `${p.code}\n${p.message}`
  // This host's problems; for the endpoint also the endpoint's own (e.g. it may not change once built).
  const concerns = (p: SpecProblem, target: DesignTarget) =>
    p.hostId === host.id || (target === 'endpoint' && !p.hostId && (p.path ?? '').startsWith('spec.endpoint'))
  const had = new Set(before.problems.filter((p) => concerns(p, 'endpoint')).map(key))
  const node = before.nodes.find((n) => n.host.id === host.id)
  const isEndpoint = before.endpointHost?.id === host.id
  return DESIGN_TARGETS.map((target): MoveVerdict => {
    const current =
      target === 'endpoint'
        ? isEndpoint
        : target === 'none'
          ? !node && !isEndpoint
          : node?.roles.length === 1 && node.roles[0] === target
    if (target === 'none' && isEndpoint && !node) {
      return { target, current, allowed: false, reasons: [endpointRequired(host)], notes: [] }
    }
    const after = validate(specAfterMove(spec, host, target, input.hosts), input)
    const brought = after.problems.filter((p) => concerns(p, target) && !had.has(key(p)))
    const reasons = brought.filter((p) => p.severity === 'blocking' && !HOST_STATE.has(p.code))
    const notes = brought.filter((p) => !reasons.includes(p))
    return { target, current, allowed: reasons.length === 0, reasons, notes }
  })
}

function endpointRequired(host: Host): SpecProblem {
  const name = hostName(host)
  return {
    code: 'endpoint-required',
    severity: 'blocking',
    message: `${name} is the cluster's endpoint (HAProxy), and a cluster needs one.`,
    next: 'Drop another host on the endpoint, or give the address of a load balancer you run in the spec panel.',
    hostId: host.id,
    host: name,
  }
}

function unknownHost(target: DesignTarget, ref: string, count: number): MoveVerdict {
  const problem: SpecProblem = {
    code: count > 1 ? 'host-ambiguous' : 'host-unknown',
    severity: 'blocking',
    message:
      count > 1 ? `"${ref}" names ${count} inventory hosts.` : `No adopted host in the inventory is called "${ref}".`,
    next: 'Name the host by its id, or adopt it on the Hosts screen first.',
  }
  return { target, current: false, allowed: false, reasons: [problem], notes: [] }
}
