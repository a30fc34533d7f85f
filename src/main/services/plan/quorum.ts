/**
 * Quorum rules: how many control planes (and, with external etcd, etcd hosts) the spec has, and
 * how many failures that survives. etcd keeps working while a majority of its members is up, so
 * n members survive n - (floor(n/2) + 1) failures: 1 → 0, 2 → 0, 3 → 1, 4 → 1, 5 → 2, 7 → 3.
 */
import type { SpecProblem } from '../../../shared/types'
import { problem } from './problems'
import type { ResolvedNode } from './validate'

/** Failures a cluster of `n` etcd members survives. */
export function survivableFailures(n: number): number {
  return n <= 0 ? 0 : n - (Math.floor(n / 2) + 1)
}

/**
 * The one sentence the CLI and UI show for a control-plane count (also for a clean spec, where it
 * is no problem but still worth saying), e.g. "3 control planes: survives 1 failure (etcd needs 2
 * of 3 up)."
 */
export function quorumSummary(n: number, noun = 'control plane'): string {
  if (n <= 0) return `No ${noun}s: the cluster has no API server.`
  if (n === 1)
    return `1 ${noun}: no high availability (while it is down, nothing in the cluster can be changed or rescheduled).`
  const f = survivableFailures(n)
  const majority = Math.floor(n / 2) + 1
  return `${n} ${noun}s: survives ${f} ${f === 1 ? 'failure' : 'failures'} (etcd needs ${majority} of ${n} up).`
}

/** Control-plane count, etcd placement and workers. */
export function quorumRules(
  spec: { etcd: 'stacked' | 'external'; devCluster: boolean },
  nodes: readonly ResolvedNode[],
): SpecProblem[] {
  const out: SpecProblem[] = []
  const controlPlanes = nodes.filter((n) => n.roles.includes('control-plane')).length
  const where = { path: 'spec.nodes' }
  if (controlPlanes === 0) out.push(problem('quorum-none', {}, where))
  else if (controlPlanes === 1) out.push(problem('quorum-single', { summary: quorumSummary(1) }, where))
  else if (controlPlanes % 2 === 0 && spec.etcd === 'stacked') {
    // With external etcd the control planes hold no etcd votes: any count above one is HA there.
    if (controlPlanes === 2) out.push(problem('quorum-two', { summary: quorumSummary(2) }, where))
    else out.push(problem('quorum-even', { n: controlPlanes, summary: quorumSummary(controlPlanes) }, where))
  }
  if (spec.etcd === 'stacked') {
    for (const node of nodes.filter((n) => n.roles.includes('etcd'))) {
      out.push(problem('etcd-role-stacked', { name: node.ref }, { path: `${node.path}.roles`, host: node.host }))
    }
  } else {
    const etcd = nodes.filter((n) => n.roles.includes('etcd')).length
    if (etcd !== 3 && etcd !== 5) out.push(problem('etcd-count', { n: etcd }, { path: 'spec.etcd' }))
  }
  if (!spec.devCluster && controlPlanes > 0 && !nodes.some((n) => n.roles.includes('worker'))) {
    out.push(problem('no-workers', {}, where))
  }
  return out
}
