import type { BenchGroup } from '../harness'
import { runInLab } from './in-lab'

/**
 * The apply (issue 13): `flotilla apply` building the kubeadm HA lab cluster (simulator stand-ins,
 * real sshd, etcd, HAProxy) against the critical path of its own journal (target: wall time ≤ 1.3×
 * the critical path), and a second apply of the finished cluster (target ≤ 10 s).
 */
export const apply: BenchGroup = {
  name: 'apply',
  description:
    'flotilla apply of the HA lab cluster (3 control planes, 2 workers) vs its critical path; a no-op re-apply; the live view detecting a powered-off control plane',
  async run(report) {
    runInLab(
      { name: 'apply', prefix: 'hb', net: '10.77.4.0/24', up: ['0'], script: 'test/bench/lab/apply-kubeadm.ts' },
      report,
    )
  },
}
