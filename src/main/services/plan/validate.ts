/**
 * The validator (issue 12 §2): every problem of a cluster spec against the inventory, as a
 * sentence with a next step, a stable code and the spec path. Synchronous and without I/O: the
 * caller probes stale hosts and resolves an `address` endpoint's name first (resolveEndpointName),
 * so validating 100 nodes takes a few milliseconds. Blocking problems stop the plan; warnings are
 * listed with it.
 */
import { lookup } from 'node:dns/promises'
import type { ClusterSpecDocument, NodeRole } from '../../../shared/cluster-spec'
import type { Host, SpecProblem } from '../../../shared/types'
import { endpointRules, resolveEndpointHost } from './endpoint-rules'
import { flavourRules } from './flavour-rules'
import { DEFAULT_MAX_PROBE_AGE_MS, hostRules } from './host-rules'
import { quorumRules, quorumSummary } from './quorum'
import { resolveNodes } from './refs'
import { subnetRules } from './subnet-rules'

export interface ValidationInput {
  spec: ClusterSpecDocument
  /** The whole inventory. */
  hosts: readonly Host[]
  now: Date
  /** The stored cluster when it already exists: its endpoint, and whether it was built (then the endpoint may not change). */
  existing?: {
    endpoint: { host: string; port: number }
    built: boolean
    /** The minor the built cluster runs (e.g. "1.32"): the spec may move it one minor up, never down. */
    kubernetesVersion?: string
    /** Ids of the hosts already in the built cluster: their Kubernetes files and ports are the cluster itself, not leftovers. */
    members?: readonly string[]
  }
  /** What an `address` endpoint's name resolved to (the caller resolves; undefined = not resolved). */
  endpointAddresses?: string[]
  /** Host ids whose leftovers the user consented to reset (then a reset step is planned instead of a blocking problem). */
  resetConsent?: readonly string[]
  /** Oldest identification accepted (default 10 minutes). */
  maxProbeAgeMs?: number
}

export interface ResolvedNode {
  /** The host as the spec names it. */
  ref: string
  /** e.g. "spec.nodes[2]". */
  path: string
  host: Host
  roles: NodeRole[]
}

export interface ValidationResult {
  problems: SpecProblem[]
  /** The nodes whose host resolved, in spec order. */
  nodes: ResolvedNode[]
  /** The HAProxy host, when the endpoint is `haproxy` and its host resolved. */
  endpointHost?: Host
  /**
   * How many failures the cluster survives, as a sentence (quorumSummary): of the control planes,
   * or with external etcd of the etcd hosts. Shown with every plan, problem or not.
   */
  quorum: string
  /** The names and addresses the API server certificate must carry (see apiServerCertSans). */
  apiServerSans: string[]
  blocked: boolean
}

export { DEFAULT_MAX_PROBE_AGE_MS }
export { apiServerCertSans, endpointNameToResolve } from './endpoint-rules'
export { quorumSummary } from './quorum'
export { PROBLEM_CODES } from './problems'

/** Validates a spec against the inventory; see the rule files for each rule and its reasons. */
export function validateSpec(input: ValidationInput): ValidationResult {
  const problems: SpecProblem[] = []
  const nodes = resolveNodes(input.spec, input.hosts, problems)
  const endpoint = resolveEndpointHost(input.spec, input.hosts)
  problems.push(...endpoint.problems)
  const endpointHost = endpoint.host
  const spec = input.spec.spec
  problems.push(...quorumRules(spec, nodes))
  const ep = endpointRules(input, nodes, endpointHost)
  problems.push(...ep.problems)
  problems.push(...subnetRules(spec.network, nodes, endpointHost, ep.addresses))
  problems.push(...hostRules(input, nodes, endpointHost))
  problems.push(...flavourRules(spec, input.existing))
  return {
    problems,
    nodes,
    ...(endpointHost ? { endpointHost } : {}),
    apiServerSans: ep.sans,
    quorum:
      spec.etcd === 'external'
        ? quorumSummary(nodes.filter((n) => n.roles.includes('etcd')).length, 'etcd host')
        : quorumSummary(nodes.filter((n) => n.roles.includes('control-plane')).length),
    blocked: problems.some((p) => p.severity === 'blocking'),
  }
}

/** Every address a name resolves to (IPv4 and IPv6); [] when it does not resolve. */
export async function resolveEndpointName(name: string): Promise<string[]> {
  try {
    const found = await lookup(name, { all: true, verbatim: true })
    return [...new Set(found.map((a) => a.address))]
  } catch {
    return []
  }
}
