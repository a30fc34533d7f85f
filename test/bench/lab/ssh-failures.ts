/**
 * Runs inside a lab desk (see groups/ssh-failures.ts), one MicroOS node. How long SSH failures
 * take to end, each against a baseline measured in the same run:
 * - a command stopped by its timeout: the time past the timeout until the call returns with the
 *   remote process group gone, against one plain command's round trip on the same connection;
 * - a frozen sshd: the time to fail, against the connect deadline it was given;
 * - a pulled cable under a running command: the time to CONNECTION_LOST, against the keep-alive
 *   budget (interval × (count max + 1)).
 */
import { KEEPALIVE_COUNT_MAX, KEEPALIVE_INTERVAL_MS } from '../../../src/main/services/ssh/connect'
import { installLabKey, rejection, testApp } from '../../integration/ssh-app'
import { labStatus, runLab, waitUntil } from '../../lab/harness'
import { median, round } from '../harness'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const CONNECT_DEADLINE_MS = 3_000
const status = await labStatus()
const node = status.nodes[0]!
const nodeExec = (command: string) => runLab(['node-exec', String(node.index), 'sh', '-c', command])
const fault = async (...args: string[]) => {
  const r = await runLab(['fault', String(node.index), ...args])
  if (r.code !== 0) throw new Error(`lab fault ${args.join(' ')}: ${r.stderr}`)
}

const app = testApp({ connectTimeoutMs: CONNECT_DEADLINE_MS })
installLabKey(app, status.keyPath)
const host = await app.addNode({ ...node, keyPath: status.keyPath })
await app.api.ssh.trust(host.id, node.hostKeyFingerprint!)
await app.api.ssh.run(host.id, ['true'])

// 1. Stop after a timeout vs one round trip.
const trips: number[] = []
const stops: number[] = []
for (let i = 0; i < ROUNDS; i++) {
  let t = performance.now()
  await app.api.ssh.run(host.id, ['true'])
  trips.push(performance.now() - t)
  t = performance.now()
  const error = await rejection(app.api.ssh.run(host.id, ['sleep', '301'], { timeoutSec: 1 }))
  stops.push(performance.now() - t - 1000)
  if ((error as { code?: string }).code !== 'TIMEOUT') throw new Error(`expected TIMEOUT, got ${JSON.stringify(error)}`)
  if ((await nodeExec("pgrep -f 'slee[p] 301'")).code === 0) throw new Error('the timed-out command survived')
}

// 2. A frozen sshd (SIGSTOP: connections queue, nobody answers) vs the connect deadline.
const frozen: number[] = []
for (let i = 0; i < Math.min(ROUNDS, 3); i++) {
  app.ssh.forgetSecrets(host.id) // drops the pooled connection: the check must connect afresh
  await nodeExec('kill -STOP "$(cat /run/sshd.pid)"')
  try {
    const t = performance.now()
    const [result] = await app.api.ssh.check([host.id])
    frozen.push(performance.now() - t)
    if (result?.ok !== false || result.error?.code !== 'TIMEOUT')
      throw new Error(`expected TIMEOUT: ${JSON.stringify(result)}`)
  } finally {
    await nodeExec('kill -CONT "$(cat /run/sshd.pid)"')
  }
}

// 3. A pulled cable under a running command vs the keep-alive budget.
const budget = KEEPALIVE_INTERVAL_MS * (KEEPALIVE_COUNT_MAX + 1)
const lost: number[] = []
for (let i = 0; i < 2; i++) {
  app.ssh.forgetSecrets(host.id)
  const running = rejection(app.api.ssh.run(host.id, ['sleep', '302'], { timeoutSec: 300 }))
  await waitUntil('the remote sleep', async () => (await nodeExec("pgrep -f 'slee[p] 302'")).code === 0, 20_000)
  await fault('unplug')
  const t = performance.now()
  const error = await running
  lost.push(performance.now() - t)
  await fault('replug')
  await nodeExec("pkill -f 'slee[p] 302' || true")
  if ((error as { code?: string }).code !== 'CONNECTION_LOST')
    throw new Error(`expected CONNECTION_LOST: ${JSON.stringify(error)}`)
}
app.close()

const trip = median(trips)
const stop = median(stops)
console.log(`BENCH ssh_round_trip_ms ${round(trip, 1)} ms`)
console.log(`BENCH ssh_timeout_stop_ms ${round(stop, 1)} ms`)
console.log(`BENCH ssh_timeout_stop_vs_round_trip ${round(stop / trip, 2)} ratio`)
console.log(`BENCH ssh_frozen_fail_ms ${round(median(frozen), 0)} ms`)
console.log(`BENCH ssh_frozen_fail_vs_deadline ${round(median(frozen) / CONNECT_DEADLINE_MS, 3)} ratio`)
console.log(`BENCH ssh_dead_link_ms ${round(median(lost), 0)} ms`)
console.log(`BENCH ssh_dead_link_vs_keepalive_budget ${round(median(lost) / budget, 3)} ratio`)
