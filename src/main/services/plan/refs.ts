/**
 * Host references: each node's `host` (and the HAProxy host) must name exactly one adopted
 * inventory host (resolveHostRef: by id, label, address), and no host may be two nodes.
 */
import type { ClusterSpecDocument } from '../../../shared/cluster-spec'
import type { Host, SpecProblem } from '../../../shared/types'
import { resolveHostRef } from '../clusters/host-ref'
import { problem } from './problems'
import type { ResolvedNode } from './validate'

/** Each node's host, exactly one per reference, no host twice. */
export function resolveNodes(
  spec: ClusterSpecDocument,
  hosts: readonly Host[],
  problems: SpecProblem[],
): ResolvedNode[] {
  const nodes: ResolvedNode[] = []
  const seen = new Map<string, string>()
  spec.spec.nodes.forEach((node, i) => {
    const path = `spec.nodes[${i}]`
    const host = resolveOne(node.host, hosts, `${path}.host`, problems)
    if (!host) return
    const first = seen.get(host.id)
    if (first !== undefined) {
      problems.push(problem('host-duplicate', { name: node.host, first }, { path, host }))
      return
    }
    seen.set(host.id, path)
    nodes.push({ ref: node.host, path, host, roles: [...node.roles] })
  })
  return nodes
}

/** The one inventory host a reference names, or a problem saying why there is none. */
export function resolveOne(
  ref: string,
  hosts: readonly Host[],
  path: string,
  problems: SpecProblem[],
): Host | undefined {
  const matches = resolveHostRef(ref, hosts)
  if (matches.length === 1) return matches[0]
  if (matches.length > 1) {
    problems.push(
      problem('host-ambiguous', { ref, matches: matches.map((h) => `${h.label ?? h.address} (${h.id})`) }, { path }),
    )
  } else {
    const pending = resolveHostRef(
      ref,
      hosts.filter((h) => h.pending && !h.ignored).map((h) => ({ ...h, pending: false })),
    )
    problems.push(problem('host-unknown', { ref, pending: pending.length > 0 }, { path }))
  }
  return undefined
}
