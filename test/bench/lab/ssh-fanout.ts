/**
 * Runs inside a lab desk (see groups/ssh.ts): 20 lab hosts, our fan-out (pool + exec + fan-out
 * over the contract) against a bare ssh2 Promise.all doing the same work: connect, run `true`,
 * disconnect. Fresh connections every round, so both pay the key exchange.
 */
import { sh } from '../../../src/main/services/ssh/shell-command'
import { installLabKey, testApp } from '../../integration/ssh-app'
import { labStatus } from '../../lab/harness'
import { median, round } from '../harness'
import { rawFanOut } from './raw-ssh'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const status = await labStatus()
const nodes = status.nodes

const rawRound = () => rawFanOut(nodes, status.keyPath, 'true')

const app = testApp()
installLabKey(app, status.keyPath)
const ids: string[] = []
for (const node of nodes) {
  const host = await app.api.hosts.add({ address: node.address, port: node.port, user: node.user })
  await app.api.ssh.trust(host.id, node.hostKeyFingerprint!)
  ids.push(host.id)
}

let round_ = 0
async function oursRound(): Promise<void> {
  const results = await app.ops.run({ id: `bench-${round_++}`, kind: 'bench', title: 'bench' }, (ctx) =>
    app.ssh.runEach(ids, sh`true`, {}, ctx),
  )
  if (results.some((r) => !r.ok)) throw new Error(`fan-out failed: ${JSON.stringify(results.find((r) => !r.ok))}`)
  for (const id of ids) app.ssh.forgetSecrets(id) // drops pooled connections: the next round reconnects
}

const ours: number[] = []
const raw: number[] = []
await rawRound()
await oursRound()
for (let i = 0; i < ROUNDS; i++) {
  // Interleaved, so both see the same machine load.
  let t = performance.now()
  await rawRound()
  raw.push(performance.now() - t)
  t = performance.now()
  await oursRound()
  ours.push(performance.now() - t)
}
app.close()
const o = median(ours)
const r = median(raw)
console.log(`BENCH ssh_fanout_${nodes.length}_ms ${round(o, 1)} ms`)
console.log(`BENCH ssh_fanout_${nodes.length}_raw_ms ${round(r, 1)} ms`)
console.log(`BENCH ssh_fanout_ratio ${round(o / r, 3)} ratio`)
