/**
 * Runs inside a lab desk (see groups/discovery.ts) with 20 advertising hosts:
 * - discovery_20_ms: scan start until every host is listed (rounds 1.5 s apart, so responders are
 *   not within their 1 s repeat window: the first answer is not suppressed);
 * - discovery_20_avahi_ms: `avahi-browse -arpt` in the same desk, a fresh avahi-daemon (private
 *   /run, no publishing) per round, until it exits with everything resolved;
 * - discovery_misses_10: hosts missed over 10 back-to-back 2 s scans;
 * - probe_20_ms vs probe_20_raw_ms: identification of the 20 through the app (fresh connections
 *   every round) vs a bare ssh2 Promise.all running the same script.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { probeScript } from '../../../src/main/services/identify/probe-script'
import { installLabKey, testApp } from '../../integration/ssh-app'
import { labStatus } from '../../lab/harness'
import { median, round } from '../harness'
import { rawFanOut } from './raw-ssh'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const status = await labStatus()
const nodes = status.nodes
const wanted = new Set(nodes.map((n) => n.address))
const app = testApp()
installLabKey(app, status.keyPath)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** One scan; resolves with ms until all 20 were seen (or NaN) and how many were seen. */
async function scanOnce(timeoutSec: number): Promise<{ ms: number; seen: number }> {
  const seen = new Set<string>()
  const abort = new AbortController()
  const t0 = performance.now()
  let ms = NaN
  const off = app.discovery.onChange((changed) => {
    for (const d of changed) for (const a of d.addresses) if (wanted.has(a)) seen.add(a)
    if (seen.size === wanted.size && Number.isNaN(ms)) {
      ms = performance.now() - t0
      abort.abort()
    }
  })
  await app.api.discovery.scan({ timeoutSec }, { signal: abort.signal }).catch(() => undefined)
  off()
  return { ms, seen: seen.size }
}

const ours: number[] = []
await scanOnce(5)
for (let i = 0; i < ROUNDS; i++) {
  await sleep(1500)
  const r = await scanOnce(10)
  ours.push(r.ms)
}
let misses = 0
for (let i = 0; i < 10; i++) misses += wanted.size - (await scanOnce(2)).seen

/**
 * avahi-browse needs avahi-daemon and a system D-Bus: both started per round in a private /run
 * and a PID namespace of their own, so they end with that namespace's init (this bash) and never
 * meet the machine's own D-Bus.
 */
const AVAHI = `set -e
mount -t tmpfs tmpfs /run
mkdir -p /run/dbus /run/avahi-daemon
printf '[server]\\nuse-ipv4=yes\\nuse-ipv6=no\\nenable-dbus=yes\\n[publish]\\ndisable-publishing=yes\\n' > /run/avahi.conf
dbus-daemon --system --fork --nopidfile
avahi-daemon -D --no-chroot --no-drop-root -f /run/avahi.conf
for i in $(seq 100); do avahi-daemon -c 2>/dev/null && break; sleep 0.05; done
t0=$(date +%s%N); avahi-browse -arpt > /run/out.txt 2> /run/err.txt || true; t1=$(date +%s%N)
echo "ms $(( (t1 - t0) / 1000000 )) resolved $(grep '^=' /run/out.txt | cut -d';' -f8 | sort -u | wc -l)"
avahi-daemon -k 2>/dev/null || true
`
const avahi: number[] = []
writeFileSync('/tmp/flotilla-bench-avahi.sh', AVAHI)
for (let i = 0; i < ROUNDS * 2 && avahi.length < ROUNDS; i++) {
  // Same spacing as our rounds: responders do not repeat an answer within a second.
  await sleep(1500)
  const r = spawnSync(
    'unshare',
    ['--mount', '--propagation', 'private', '--pid', '--fork', 'bash', '/tmp/flotilla-bench-avahi.sh'],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  )
  const m = /ms (\d+) resolved (\d+)/.exec(r.stdout)
  if (!m) {
    console.log(`# avahi-browse could not run in the desk: ${r.stderr.trim().split('\n').at(-1)}`)
    break
  }
  // A round that did not resolve all 20 is not a time to compare with: reported, not counted.
  if (Number(m[2]) < wanted.size) console.log(`# avahi-browse round ${i + 1} incomplete: ${r.stdout.trim()}`)
  else avahi.push(Number(m[1]))
}

// Probe: every host adopted with its lab login and trusted.
const ids: string[] = []
for (const node of nodes) {
  const host =
    (await app.api.hosts.list()).find((h) => h.address === node.address) ??
    (await app.api.hosts.add({ address: node.address, port: node.port, user: node.user }))
  if (host.pending) await app.api.discovery.adopt(host.id, { user: node.user, port: node.port })
  await app.api.ssh.trust(host.id, node.hostKeyFingerprint!)
  ids.push(host.id)
}
const script = probeScript().text
const rawProbe = () => rawFanOut(nodes, status.keyPath, script)
async function oursProbe(): Promise<void> {
  const results = await app.api.discovery.probe(ids)
  if (results.some((r) => !r.ok)) throw new Error(`probe failed: ${JSON.stringify(results.find((r) => !r.ok))}`)
  for (const id of ids) app.ssh.forgetSecrets(id) // drops pooled connections: the next round reconnects
}
const probeOurs: number[] = []
const probeRaw: number[] = []
await rawProbe()
await oursProbe()
for (let i = 0; i < ROUNDS; i++) {
  let t = performance.now()
  await rawProbe()
  probeRaw.push(performance.now() - t)
  t = performance.now()
  await oursProbe()
  probeOurs.push(performance.now() - t)
}
app.close()

const o = median(ours)
console.log(`BENCH discovery_${nodes.length}_ms ${round(o, 1)} ms`)
if (avahi.length > 0) {
  const a = median(avahi)
  console.log(`BENCH discovery_${nodes.length}_avahi_ms ${round(a, 1)} ms`)
  console.log(`BENCH discovery_ratio ${round(o / a, 3)} ratio`)
}
console.log(`BENCH discovery_misses_10 ${misses} hosts`)
const po = median(probeOurs)
const pr = median(probeRaw)
console.log(`BENCH probe_${nodes.length}_ms ${round(po, 1)} ms`)
console.log(`BENCH probe_${nodes.length}_raw_ms ${round(pr, 1)} ms`)
console.log(`BENCH probe_ratio ${round(po / pr, 3)} ratio`)
