import type { BenchGroup } from '../harness'
import { runInLab } from './in-lab'

/** SSH fan-out to 20 lab hosts, measured inside a lab of its own. */
export const ssh: BenchGroup = {
  name: 'ssh',
  description: 'fan-out of a login + command to 20 lab hosts, ours vs a bare ssh2 Promise.all',
  async run(report) {
    runInLab(
      {
        name: 'ssh',
        prefix: 'labbench',
        net: '10.81.0.0/24',
        up: ['20', '--profile', 'microos'],
        script: 'test/bench/lab/ssh-fanout.ts',
      },
      report,
    )
  },
}
