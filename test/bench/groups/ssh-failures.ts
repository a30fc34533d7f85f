import type { BenchGroup } from '../harness'
import { runInLab } from './in-lab'

/** How fast SSH failures end (issue 11, items 2 and 5), on one real sshd in a lab of its own. */
export const sshFailures: BenchGroup = {
  name: 'ssh-failures',
  description: 'stopping a timed-out command, failing on a frozen sshd, noticing a pulled cable',
  async run(report) {
    runInLab(
      {
        name: 'ssh-failures',
        prefix: 'labbenchf',
        net: '10.86.0.0/24',
        up: ['1', '--profile', 'microos'],
        script: 'test/bench/lab/ssh-failures.ts',
      },
      report,
    )
  },
}
