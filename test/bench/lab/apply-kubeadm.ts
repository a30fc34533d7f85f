/**
 * Runs inside a lab desk (see groups/apply.ts): `flotilla apply homelab -f spec --yes` builds the
 * HA lab cluster of the sim test apply-kubeadm (HAProxy host, 3 control planes, 2 workers, the
 * simulator's kubeadm/kubelet/API server, a real etcd and HAProxy) from hosts already trusted and
 * probed, timed from the outside; the apply's journal gives each step's running → done time and
 * the plan gives the DAG, whose longest path is the critical path. Then a second apply of the
 * finished cluster, which must do nothing. One run each: a build takes over a minute. Last, the live
 * view's detection of a powered-off control plane (live_notready_detect_s).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { criticalPath, journalDurations } from '../../../src/main/services/apply/critical-path'
import type { JournalRecord } from '../../../src/main/services/operations/journal'
import type { OpLogLine } from '../../../src/shared/types'
import type { LiveStatus } from '../../../src/shared/channels/status'
import { waitUntil } from '../../lab/harness'
import { buildSetup, cli, HA_PROFILES, haSpec, PASSPHRASE } from '../../lab/sim/build-support'
import { round } from '../harness'

const note = (line: string) => console.log(`# ${line}`)
const ms = (a: string, b: string) => Date.parse(b) - Date.parse(a)
const sec = (milliseconds: number) => round(milliseconds / 1000, 2)

// The HA lab of test/lab/sim/apply-kubeadm.test.ts.
const s = await buildSetup(HA_PROFILES, haSpec)
try {
  // The DAG: the plan apply will run (same spec, same facts), read before the clock starts. With its
  // checks: without them the Kubernetes patch is not resolved, and the phases that need it are not planned.
  const view = await s.app.api.plan.compute('homelab', { specYaml: readFileSync(s.specFile, 'utf8') })
  const journals = () =>
    readdirSync(join(s.app.dataDir, 'operations'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(s.app.dataDir, 'operations', f), 'utf8')) as JournalRecord)
  const before = new Set(journals().map((j) => j.op.id))

  const t0 = performance.now()
  const first = await cli(s, ['apply', 'homelab', '-f', s.specFile, '--yes'])
  const wallMs = performance.now() - t0
  if (first.code !== 0) throw new Error(`the apply failed:\n${first.stdout}\n${first.stderr}`)

  const mine = journals().filter((j) => !before.has(j.op.id))
  for (const j of mine) before.add(j.op.id)
  const apply = mine.find((j) => j.op.kind === 'apply:run')
  if (!apply) throw new Error('no apply:run journal')
  const durations = journalDurations(apply.steps)
  const missing = view.steps.filter((st) => !durations.has(st.id)).map((st) => st.id)
  if (view.steps.length !== apply.steps.length)
    throw new Error(`the plan has ${view.steps.length} steps, the apply ran ${apply.steps.length}`)
  if (missing.length) throw new Error(`steps without a finished duration in the journal: ${missing.join(', ')}`)
  const path = criticalPath(view.steps.map((st) => ({ id: st.id, deps: st.deps, durationMs: durations.get(st.id)! })))

  // Where the rest of the wall time goes, from the journals' timestamps.
  const byId = new Map(apply.steps.map((st) => [st.stepId, st]))
  const starts = apply.steps.map((st) => st.startedAt!).sort()
  const ends = apply.steps.map((st) => st.endedAt!).sort()
  for (const j of mine)
    note(`op ${j.op.kind}: ${sec(ms(j.op.startedAt, j.op.endedAt ?? j.updatedAt))} s (${j.steps.length} steps)`)
  note(`apply op start -> first step: ${sec(ms(apply.op.startedAt, starts[0]!))} s`)
  note(`first step -> last step end: ${sec(ms(starts[0]!, ends.at(-1)!))} s`)
  note(`last step end -> apply op end: ${sec(ms(ends.at(-1)!, apply.op.endedAt ?? apply.updatedAt))} s`)
  // The runner checks every step again before applying it (the plan had just checked it): that
  // check is the step's time up to its "applying" line, or all of it for a step already done.
  const applying = new Map<string, string>()
  for (const raw of readFileSync(join(s.app.dataDir, 'operations', `${apply.op.id}.log`), 'utf8').split('\n')) {
    if (!raw) continue
    const entry = JSON.parse(raw) as OpLogLine
    if (entry.stepId && entry.line.startsWith('applying') && !applying.has(entry.stepId))
      applying.set(entry.stepId, entry.at)
  }
  const checkMs = (id: string) => {
    const st = byId.get(id)!
    return st.state === 'skipped' ? durations.get(id)! : ms(st.startedAt!, applying.get(id) ?? st.startedAt!)
  }
  const sum = (ids: string[]) => ids.reduce((total, id) => total + checkMs(id), 0)
  let gapMs = 0
  const deps = new Map(view.steps.map((st) => [st.id, st.deps]))
  for (const id of path.steps) {
    const st = byId.get(id)!
    const ready = (deps.get(id) ?? [])
      .map((d) => byId.get(d)!.endedAt!)
      .sort()
      .at(-1)
    const gap = ready ? ms(ready, st.startedAt!) : 0
    gapMs += gap
    note(
      `  critical ${id} ${st.state} ${sec(durations.get(id)!)} s (its check ${sec(checkMs(id))} s; waited ${sec(gap)} s after its deps)`,
    )
  }
  note(`critical path: ${path.steps.length} steps, waits between them ${sec(gapMs)} s`)
  note(
    `the runner's own checks: ${sec(sum(path.steps))} s of the critical path, ${sec(sum(view.steps.map((st) => st.id)))} s over all steps`,
  )
  const kinds = new Map<string, number>()
  for (const st of view.steps) {
    const kind = st.id.split('/').slice(1).join('/')
    kinds.set(kind, (kinds.get(kind) ?? 0) + durations.get(st.id)!)
  }
  for (const [kind, total] of [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 12))
    note(`  step kind ${kind}: ${sec(total)} s summed over hosts`)

  const t1 = performance.now()
  const second = await cli(s, ['apply', 'homelab', '-f', s.specFile, '--yes'])
  const reapplyMs = performance.now() - t1
  if (second.code !== 0 || !second.stdout.includes('Nothing to do'))
    throw new Error(`the second apply did something or failed:\n${second.stdout}\n${second.stderr}`)
  for (const j of journals().filter((j) => !before.has(j.op.id)))
    note(`reapply op ${j.op.kind}: ${sec(ms(j.op.startedAt, j.op.endedAt ?? j.updatedAt))} s`)

  console.log(`BENCH apply_kubeadm_3cp_2w_s ${sec(wallMs)} s`)
  console.log(`BENCH apply_critical_path_s ${sec(path.totalMs)} s`)
  console.log(`BENCH apply_overhead_ratio ${round(wallMs / path.totalMs, 3)} ratio`)
  console.log(`BENCH reapply_noop_s ${sec(reapplyMs)} s`)

  // The live view (issue 14 §4) on the built cluster: from a control plane's power cut to the first
  // `clusters:live` snapshot that shows it not answering with its HAProxy backend DOWN.
  await s.app.api.vault.unlock(PASSPHRASE)
  let latest: LiveStatus | undefined
  const stop = s.app.api.clusters.onLive((e) => void (latest = e.status))
  const { leaseMs } = await s.app.api.clusters.watch('homelab', 'bench-live')
  const renew = setInterval(() => void s.app.api.clusters.watch('homelab', 'bench-live'), leaseMs / 3)
  try {
    await waitUntil('a healthy live snapshot', () => latest?.healthy, 60_000, 100)
    const victim = s.lab.nodes[2]!
    const t2 = performance.now()
    await s.lab.powerCut(victim)
    note(`the lab's power cut itself took ${sec(performance.now() - t2)} s`)
    await waitUntil(
      'the victim not answering with its backend DOWN',
      () =>
        latest?.members.find((m) => m.host === victim.hostname)?.state === 'not-answering' &&
        latest.backends.items?.find((b) => b.server === victim.hostname)?.up === false,
      60_000,
      50,
    )
    console.log(`BENCH live_notready_detect_s ${sec(performance.now() - t2)} s`)
  } finally {
    clearInterval(renew)
    await s.app.api.clusters.unwatch('bench-live')
    stop()
  }
} finally {
  s.app.close()
  await s.lab.dispose()
  // A benchmark leaves nothing behind: the data directory holds the lab cluster's vault and journals.
  for (const dir of [s.scratch, s.app.dataDir, s.app.home]) rmSync(dir, { recursive: true, force: true })
}
