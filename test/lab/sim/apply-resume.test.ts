/**
 * `flotilla apply` of a whole kubeadm cluster, killed -9 and resumed (issue 13 §2, test 3), on four
 * real sim nodes: an HAProxy host (Debian, sudo without password) and three control planes — a
 * Raspberry Pi 4 whose sudo asks for a password and whose cmdline.txt lacks the memory cgroup (so:
 * the cmdline fix and an orchestrated reboot), a Pi 5, a MicroOS box (cri-o in a snapshot and its
 * reboot). Through the CLI and the app over real SSH, against the simulator's stand-ins.
 *
 * 1. An uninterrupted apply builds it; the plan then says nothing to do; a second apply says so and
 *    changes no file (snapshots before/after).
 * 2. On a second, identical lab, `flotilla apply` runs as a child process and is SIGKILLed at
 *    points chosen at random (the seed is printed; LAB_APPLY_SEED replays one): after a step
 *    ended, in the middle of a step, during the Pi's reboot and in the middle of kubeadm init or a
 *    join. `npm test` kills 3 times (plus the kubeadm one); `npm run test:resume` 10 times
 *    (LAB_APPLY_KILLS). It is run again until it completes. The journal shows no finished step
 *    applied twice; every node changed the same files as in the uninterrupted run, and the cluster
 *    answers with its three members.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OperationJournal } from '../../../src/main/services/operations/journal'
import type { PlanView } from '../../../src/shared/types'
import type { Lab, LabNode } from '../harness'
import { buildSetup, cli, homelab, PASSPHRASE, type BuildSetup } from './build-support'

const PROFILES = ['debian-sudo-nopass+sim', 'pi4+sim', 'pi5+sim', 'microos+sim']
const BIN = join(import.meta.dirname, '../../../bin/flotilla.mjs')

/** What apply may change on a node, and what a second apply must not: files, modules, swap, sysctls. */
const SNAPSHOT = [
  'echo "## files"; find /etc /boot -xdev -type f 2>/dev/null | LC_ALL=C sort | while IFS= read -r f; do sha256sum "$f" 2>/dev/null || echo "unreadable $f"; done',
  'echo "## modules"; lsmod 2>/dev/null | tail -n +2 | awk \'{print $1}\' | LC_ALL=C sort',
  'echo "## swaps"; cat /proc/swaps',
  'echo "## sysctls"; for k in net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables vm.swappiness; do printf "%s=" "$k"; sysctl -n "$k" 2>/dev/null || echo absent; done',
  'echo "## units"; ls -1 /etc/systemd/system/*.wants 2>/dev/null | LC_ALL=C sort',
  // cmdline.txt holds a per-node PARTUUID, so two labs compare by its cgroup flags, not its hash.
  'echo "## cmdline cgroup flags"; for f in /boot/firmware/cmdline.txt; do [ -f "$f" ] && tr " " "\\n" < "$f" | grep cgroup | LC_ALL=C sort; done; true',
].join('\n')

interface Setup extends BuildSetup {
  /** Per profile index: the snapshot before any apply. */
  before: string[]
}

async function setup(): Promise<Setup> {
  const built = await buildSetup(
    PROFILES,
    ([lb, pi, pi5, microos]) =>
      homelab(
        lb!,
        [pi!, pi5!, microos!].map((node) => ({ node, roles: 'control-plane' })),
      ),
    // Both Pis' sudo asks for a password; a script gives one (FLOTILLA_SUDO_PASSWORD), so the
    // Pi 5's user gets the Pi 4's password (as one person's two Pis often share it).
    async (lab) => {
      const [, pi, pi5] = lab.nodes as [LabNode, LabNode, LabNode]
      const chpasswd = await lab.nodeExec(pi5, `echo '${pi5.user}:${pi.password!}' | chpasswd`)
      expect(chpasswd.code, chpasswd.stderr).toBe(0)
      pi5.password = pi.password
    },
  )
  const before = await Promise.all(built.lab.nodes.map((n) => snapshot(built.lab, n)))
  return { ...built, before }
}

async function snapshot(lab: Lab, node: LabNode): Promise<string> {
  const r = await lab.nodeExec(node, SNAPSHOT)
  if (r.code !== 0) throw new Error(`snapshot of ${node.hostname} failed: ${r.stderr}`)
  return r.stdout
}

/**
 * What an apply changed on a node: the snapshot lines that are new, a file as its path only (two
 * labs differ in their CAs, addresses and tokens, so the same build writes other bytes), the node's
 * name taken out.
 */
function changes(before: string, after: string, node: LabNode): string[] {
  const old = new Set(before.split('\n'))
  return after
    .split('\n')
    .filter((line) => !old.has(line))
    .map((line) => line.replaceAll(node.hostname, '<node>').replace(/^[0-9a-f]{64} {2}/, 'changed '))
    .sort()
}

/** Per step id, the apply operations (journals) in which it was applied and finished (`done`). */
function appliedRuns(s: Setup): Map<string, string[]> {
  const runs = new Map<string, string[]>()
  for (const record of new OperationJournal(join(s.app.dataDir, 'operations')).loadAll()) {
    if (record.op.kind !== 'apply:run') continue
    for (const step of record.steps)
      if (step.state === 'done') runs.set(step.stepId, [...(runs.get(step.stepId) ?? []), record.op.id])
  }
  return runs
}

/** Per profile index, what the uninterrupted apply changed: the resumed one must change the same. */
const uninterrupted: string[][] = []

describe('flotilla apply: a kubeadm cluster on four sim nodes, uninterrupted', () => {
  let s: Setup
  beforeAll(async () => {
    s = await setup()
  }, 600_000)
  afterAll(async () => {
    s?.app.close()
    await s?.lab.dispose()
  })

  it('applies every step (the Pi: cmdline fix and reboot), then there is nothing to do and nothing changes', async () => {
    const { lab, specFile } = s
    const pi = lab.nodes[1]!
    const bootBefore = (await lab.nodeExec(pi, 'cat /proc/sys/kernel/random/boot_id')).stdout
    // Without a terminal to ask at, and without --yes, nothing is applied.
    const unasked = await cli(s, ['apply', 'homelab', '-f', specFile])
    expect(unasked.code).toBe(1)
    expect(unasked.stderr).toContain('Not applied: there is no terminal to ask at.')
    expect(await snapshot(lab, pi)).toBe(s.before[1])

    const first = await cli(s, ['apply', 'homelab', '-f', specFile, '--yes'])
    expect(first.code, first.stdout + first.stderr).toBe(0)
    expect(first.stdout).toContain('homelab: every step is done.')
    expect(first.stdout).toContain('/kubeadm-init: applied')
    expect(first.stdout).toContain(`${pi.hostname}: ${pi.hostname}/pi-cmdline/reboot: applied`)
    expect((await lab.nodeExec(pi, 'cat /proc/sys/kernel/random/boot_id')).stdout).not.toBe(bootBefore)
    expect((await lab.nodeExec(pi, 'cat /sys/fs/cgroup/cgroup.controllers')).stdout).toMatch(/\bmemory\b/)

    const plan = await cli(s, ['--json', 'plan', 'homelab', '-f', specFile])
    const view = JSON.parse(plan.stdout) as PlanView
    expect(view.steps.filter((st) => st.status !== 'done').map((st) => `${st.id}: ${st.status} ${st.detail}`)).toEqual(
      [],
    )

    const after = await Promise.all(lab.nodes.map((n) => snapshot(lab, n)))
    lab.nodes.forEach((n, i) => uninterrupted.push(changes(s.before[i]!, after[i]!, n)))
    // The build changed every Kubernetes node (swap, modules, sysctls, packages, kubeadm at least).
    for (const i of [1, 2, 3]) expect(uninterrupted[i]!.length, lab.nodes[i]!.hostname).toBeGreaterThan(0)

    const second = await cli(s, ['apply', 'homelab', '-f', specFile, '--yes'])
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toContain('Nothing to do: every step is already done.')
    for (const [i, node] of lab.nodes.entries()) expect(await snapshot(lab, node), node.hostname).toBe(after[i])
    // Each step applied exactly once.
    expect([...appliedRuns(s).values()].filter((runs) => runs.length !== 1)).toEqual([])

    const logs = await cli(s, ['logs', 'homelab', '--host', pi.hostname, '--step', `${pi.hostname}/swap`])
    expect(logs.code, logs.stderr).toBe(0)
    expect(logs.stdout).toMatch(new RegExp(`\\[${pi.hostname} ${pi.hostname}/swap\\] applying`))
    expect(logs.stdout).not.toContain(pi.password!)
  }, 600_000)
})

describe('flotilla apply, killed -9 at random points, resumes', () => {
  let s: Setup
  beforeAll(async () => {
    s = await setup()
  }, 600_000)
  afterAll(async () => {
    s?.app.close()
    await s?.lab.dispose()
  })

  it('completes after every kill; no finished step applied twice; every node changed as in an uninterrupted run', async () => {
    const seed = Number(process.env.LAB_APPLY_SEED ?? Math.floor(Math.random() * 2 ** 31))
    const count = Math.max(3, Number(process.env.LAB_APPLY_KILLS ?? 3))
    console.log(`apply resume: LAB_APPLY_SEED=${seed} LAB_APPLY_KILLS=${count}`)
    const random = mulberry32(seed)
    const pi = s.lab.nodes[1]!
    // Where to kill: during the Pi's reboot (it comes in the first run; later runs find it done);
    // in the middle of kubeadm init or a join; then after the n-th step ended, or n ms into the n-th
    // step, at random. One step at a time (--parallel 1), so that steps remain after each kill.
    const kills: Kill[] = [
      { kind: 'pi-reboot', delayMs: Math.floor(random() * 3000) },
      { kind: 'mid-kubeadm', delayMs: 500 + Math.floor(random() * 4000) },
      // Ctrl-C: the CLI cancels the operation and exits by itself; the next apply continues.
      { kind: 'cancel', n: 1 + Math.floor(random() * 3), delayMs: Math.floor(random() * 1500) },
      ...Array.from({ length: count - 1 }, (_, i): Kill =>
        i % 2 === 0
          ? { kind: 'after-step', n: 1 + Math.floor(random() * 4) }
          : { kind: 'mid-step', n: 1 + Math.floor(random() * 4), delayMs: Math.floor(random() * 1500) },
      ),
    ]
    const killedAt: string[] = []
    let completed = false
    for (let run = 0; run < kills.length + 8 && !completed; run++) {
      const kill = kills[killedAt.length]
      const outcome = await applyChild(s, kill, pi)
      if (outcome.killed && kill?.kind === 'cancel') {
        // Cancelled, not killed: the CLI stopped the operation and exited by itself.
        expect(outcome.signal, outcome.stderr).toBeNull()
        expect(outcome.code).not.toBe(0)
        expect(outcome.stderr).toContain('Cancelling: stopping the running steps')
        expect(outcome.stderr).toMatch(/cancelled/i)
      }
      if (outcome.killed) killedAt.push(`${kill!.kind}: ${outcome.killed}`)
      else completed = outcome.code === 0
    }
    console.log(`apply resume: killed at ${killedAt.join('; ')}`)
    expect(completed).toBe(true)
    // A kill point the build had passed already (e.g. every kubeadm step done) is skipped.
    expect(killedAt.length).toBeGreaterThanOrEqual(Math.min(count, 3))

    expect([...appliedRuns(s).entries()].filter(([, runs]) => runs.length > 1)).toEqual([])
    const after = await Promise.all(s.lab.nodes.map((n) => snapshot(s.lab, n)))
    s.lab.nodes.forEach((n, i) => expect(changes(s.before[i]!, after[i]!, n), n.hostname).toEqual(uninterrupted[i]))
    const again = await cli(s, ['apply', 'homelab', '-f', s.specFile, '--yes'])
    expect(again.stdout).toContain('Nothing to do')
    // The resumed build is a cluster: three etcd members answer on the first control plane.
    const members = await s.lab.nodeExec(
      pi,
      'curl -sS --cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key -X POST -d "{}" https://127.0.0.1:2379/v3/cluster/member/list',
    )
    expect((JSON.parse(members.stdout) as { members: unknown[] }).members, members.stderr).toHaveLength(3)
  }, 2_400_000)
})

type Kill =
  | { kind: 'mid-kubeadm'; delayMs: number }
  | { kind: 'cancel'; n: number; delayMs: number }
  | { kind: 'after-step'; n: number }
  | { kind: 'mid-step'; n: number; delayMs: number }
  | { kind: 'pi-reboot'; delayMs: number }

/** Runs `flotilla apply` as a child; SIGKILLs it at `kill`'s point. Resolves with its exit or where it was killed. */
function applyChild(
  s: Setup,
  kill: Kill | undefined,
  pi: LabNode,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; killed?: string }> {
  const child = spawn(
    process.execPath,
    [BIN, '--data-dir', s.app.dataDir, 'apply', 'homelab', '-f', s.specFile, '--yes', '--parallel', '1'],
    {
      env: {
        ...process.env,
        HOME: s.app.home,
        FLOTILLA_SUDO_PASSWORD: pi.password!,
        FLOTILLA_VAULT_PASSPHRASE: PASSPHRASE,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let ended = 0
  let started = 0
  let killed: string | undefined
  let buffered = ''
  const killNow = (where: string, delayMs = 0, signal: NodeJS.Signals = 'SIGKILL') => {
    if (killed) return
    killed = where
    setTimeout(() => child.kill(signal), delayMs)
  }
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop()!
    for (const line of lines) {
      if (!kill) continue
      if (/ \.\.\.$/.test(line)) started++
      if (kill.kind === 'after-step' && /: applied$/.test(line) && ++ended >= kill.n) killNow(line)
      if (kill.kind === 'mid-step' && / \.\.\.$/.test(line) && started >= kill.n) killNow(line, kill.delayMs)
      if (kill.kind === 'pi-reboot' && line.includes(`${pi.hostname}/pi-cmdline/reboot ...`))
        killNow(line, kill.delayMs)
      if (kill.kind === 'cancel' && / \.\.\.$/.test(line) && started >= kill.n) killNow(line, kill.delayMs, 'SIGINT')
      if (kill.kind === 'mid-kubeadm' && /\/kubeadm-(init|join) \.\.\.$/.test(line)) killNow(line, kill.delayMs)
    }
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()))
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr, ...(killed ? { killed } : {}) })),
  )
}

/** A small seeded PRNG, so a failing run can be replayed with its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
