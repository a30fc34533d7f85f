/**
 * Flavour rules: what kubeadm and k3s each allow. Control-plane (k3s: server) counts follow the
 * quorum rules for both, since k3s's embedded etcd has the same majority rule.
 *
 * Supported minors: 1.31–1.34. The recipes are written against 1.32 → 1.33 (docs/domain-engine.md:
 * pkgs.k8s.io has one repository per minor from 1.24 on; MicroOS packages kubernetes1.3x); Calico,
 * the default CNI, is tested on 1.31–1.35; and upstream supports the three newest minors with
 * patches while kubeadm upgrades one minor at a time, so 1.31 is the oldest a user can still
 * upgrade from in supported steps. 1.35 follows when the recipes are checked against it.
 */
import type { ClusterSpecDocument } from '../../../shared/cluster-spec'
import type { SpecProblem } from '../../../shared/types'
import { problem } from './problems'
import type { ValidationInput } from './validate'

export const SUPPORTED_MINORS = ['1.31', '1.32', '1.33', '1.34'] as const

function minorOf(version: string): number | undefined {
  const m = /^v?1\.(\d+)/.exec(version.trim())
  return m ? Number(m[1]) : undefined
}

export function flavourRules(spec: ClusterSpecDocument['spec'], existing: ValidationInput['existing']): SpecProblem[] {
  const out: SpecProblem[] = []
  if (spec.flavour === 'k3s' && spec.etcd === 'external') {
    out.push(problem('k3s-external-etcd', {}, { path: 'spec.etcd' }))
  }
  const version = spec.kubernetesVersion
  if (!(SUPPORTED_MINORS as readonly string[]).includes(version)) {
    out.push(
      problem('version-unsupported', { version, supported: SUPPORTED_MINORS }, { path: 'spec.kubernetesVersion' }),
    )
  }
  // Version skew (kubernetes.io/releases/version-skew-policy): control planes move one minor at a
  // time and never back; the running minor comes from the built cluster.
  const running = existing?.built && existing.kubernetesVersion ? minorOf(existing.kubernetesVersion) : undefined
  const wanted = minorOf(version)
  if (running !== undefined && wanted !== undefined) {
    const where = { path: 'spec.kubernetesVersion' }
    const from = `1.${running}`
    if (wanted < running) out.push(problem('version-downgrade', { from, to: version }, where))
    else if (wanted > running + 1)
      out.push(problem('version-skip', { from, to: version, step: `1.${running + 1}` }, where))
  }
  if (spec.network.cni === 'flannel') out.push(problem('cni-no-network-policy', {}, { path: 'spec.network.cni' }))
  return out
}
