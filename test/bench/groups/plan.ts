import { buildPlan } from '../../../src/main/services/plan/planner'
import { PREPARE_RECIPES } from '../../../src/main/services/plan/recipes'
import { fakeFleet } from '../../../src/main/services/plan/test-fixtures'
import { validateSpec } from '../../../src/main/services/plan/validate'
import { round, timeMedian, type BenchGroup } from '../harness'
import { runInLab } from './in-lab'

/**
 * The plan (issue 12): validation + step generation for 100 nodes with no SSH (target ≤ 100 ms),
 * and in the lab the read-only checks of a 20-host plan next to one raw fan-out round measured in
 * the same run (target: within 2×).
 */
export const plan: BenchGroup = {
  name: 'plan',
  description: 'validation + steps for 100 nodes; checks of a 20-host plan vs one raw SSH fan-out',
  async run(report) {
    const fleet = fakeFleet(100)
    const ms = await timeMedian(() => {
      const validation = validateSpec({ spec: fleet.spec, hosts: fleet.hosts, now: fleet.now })
      const made = buildPlan({
        spec: fleet.spec,
        validation,
        recipes: PREPARE_RECIPES,
        kubernetes: { minor: fleet.spec.spec.kubernetesVersion },
        now: fleet.now,
      })
      if (made.steps.length < 100) throw new Error(`only ${made.steps.length} steps for 100 nodes`)
    }, 11)
    report('plan_validate_100_nodes_ms', round(ms, 2), 'ms')
    runInLab(
      {
        name: 'plan',
        prefix: 'hp',
        net: '10.93.0.0/24',
        up: ['20', '--profile', 'microos'],
        script: 'test/bench/lab/plan-checks.ts',
      },
      report,
    )
  },
}
