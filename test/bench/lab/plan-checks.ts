/**
 * Runs inside a lab desk (see groups/plan.ts): the read-only checks of a 20-host plan (the prepare
 * recipes on every host, one framed round trip per host) against one raw fan-out round (a bare ssh2
 * Promise.all running `true`), interleaved in the same run. Fresh connections every round for both.
 */
import type { OperationContext } from '../../../src/main/services/operations/registry'
import { runPlanChecks } from '../../../src/main/services/plan/check-runner'
import { buildPlan } from '../../../src/main/services/plan/planner'
import { PREPARE_RECIPES } from '../../../src/main/services/plan/recipes'
import { fakeSpec } from '../../../src/main/services/plan/test-fixtures'
import { installLabKey, testApp } from '../../integration/ssh-app'
import { labStatus } from '../../lab/harness'
import { median, round } from '../harness'
import { rawFanOut } from './raw-ssh'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const status = await labStatus()
const nodes = status.nodes

const app = testApp()
installLabKey(app, status.keyPath)
const ids: string[] = []
for (const node of nodes) {
  const host = await app.api.hosts.add({
    address: node.address,
    port: node.port,
    user: node.user,
    label: node.hostname,
  })
  await app.api.ssh.trust(host.id, node.hostKeyFingerprint!)
  ids.push(host.id)
}
await app.api.discovery.probe(ids)
const hosts = app.inventory.list()
const spec = fakeSpec({
  endpoint: { address: 'k8s.lab:6443' },
  nodes: hosts.map((h, i) => ({ host: h.label!, roles: [i < 3 ? 'control-plane' : 'worker'] })),
})
const plan = buildPlan({
  spec,
  validation: {
    problems: [],
    blocked: false,
    nodes: hosts.map((host, i) => ({
      ref: host.label!,
      path: `spec.nodes[${i}]`,
      host,
      roles: spec.spec.nodes[i]!.roles,
    })),
  },
  recipes: PREPARE_RECIPES,
  kubernetes: { minor: '1.32' },
  now: new Date(),
})
if (plan.steps.length < nodes.length) throw new Error(`the plan has only ${plan.steps.length} steps`)

let round_ = 0
async function checksRound(): Promise<void> {
  const outcomes = await app.ops.run(
    { id: `bench-${round_++}`, kind: 'bench', title: 'bench' },
    (ctx: OperationContext) => runPlanChecks(app.ssh, plan, ctx),
  )
  const failed = [...outcomes.values()].find((o) => o.state === 'unknown' && o.detail?.startsWith('The host'))
  if (failed) throw new Error(`checks failed: ${failed.detail}`)
  for (const id of ids) app.ssh.forgetSecrets(id) // drops pooled connections: the next round reconnects
}
const rawRound = () => rawFanOut(nodes, status.keyPath, 'true')

const checks: number[] = []
const raw: number[] = []
await rawRound()
await checksRound()
for (let i = 0; i < ROUNDS; i++) {
  // Interleaved, so both see the same machine load.
  let t = performance.now()
  await rawRound()
  raw.push(performance.now() - t)
  t = performance.now()
  await checksRound()
  checks.push(performance.now() - t)
}
app.close()
const c = median(checks)
const r = median(raw)
console.error(`# ${plan.steps.length} steps on ${nodes.length} hosts`)
console.log(`BENCH plan_checks_${nodes.length}_hosts_ms ${round(c, 1)} ms`)
console.log(`BENCH ssh_fanout_${nodes.length}_raw_ms ${round(r, 1)} ms`)
console.log(`BENCH plan_checks_ratio ${round(c / r, 3)} ratio`)
