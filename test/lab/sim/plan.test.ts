/**
 * `flotilla plan` against six real sim nodes (issue 12): an HAProxy host, three control planes (a
 * Raspberry Pi 4 whose sudo asks for a password and whose cmdline.txt lacks the memory cgroup, a
 * MicroOS box, a Debian box) and two workers, one with an old cluster's leftovers. Through the CLI
 * and the app over real SSH: every step listed per host, the checks ran, and NOTHING on any node
 * changed (files under /etc and /boot, packages, modules, swap, sysctls compared before/after). The
 * leftovers block the plan until the user consents to their reset (then a reset step comes first on
 * that host, and only there); a host's `--script`, run by hand, does what the plan showed and the next plan finds it done; a
 * stale probe is refreshed first.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../../src/main/cli/main'
import type { PlanView } from '../../../src/shared/types'
import { installLabKey, testApp, type TestApp } from '../../integration/ssh-app'
import { useLab, type Lab, type LabNode } from '../harness'
import { sshExec } from '../ssh'

let lab: Lab
let app: TestApp
let lb: LabNode, pi: LabNode, microos: LabNode, cp3: LabNode, w1: LabNode, old: LabNode
let specFile: string
const ids = new Map<string, string>()

/** What must not change on a node: file contents under /etc and /boot, packages, modules, swap, sysctls. */
const SNAPSHOT = [
  'echo "## files"; find /etc /boot -xdev -type f 2>/dev/null | LC_ALL=C sort | while IFS= read -r f; do sha256sum "$f" 2>/dev/null || echo "unreadable $f"; done',
  'echo "## packages"; if command -v dpkg-query >/dev/null 2>&1; then dpkg-query -W -f \'${Package} ${Version} ${Status}\\n\' 2>/dev/null | LC_ALL=C sort; fi; if command -v rpm >/dev/null 2>&1; then rpm -qa 2>/dev/null | LC_ALL=C sort; fi',
  'echo "## modules"; lsmod 2>/dev/null | tail -n +2 | awk \'{print $1}\' | LC_ALL=C sort',
  'echo "## swaps"; cat /proc/swaps',
  'echo "## sysctls"; for k in net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables vm.swappiness; do printf "%s=" "$k"; sysctl -n "$k" 2>/dev/null || echo absent; done',
  'echo "## units"; ls -1 /etc/systemd/system/*.wants 2>/dev/null | LC_ALL=C sort',
].join('\n')

async function snapshot(node: LabNode): Promise<string> {
  const r = await lab.nodeExec(node, SNAPSHOT)
  if (r.code !== 0) throw new Error(`snapshot of ${node.hostname} failed: ${r.stderr}`)
  return r.stdout
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(
    ['--data-dir', app.dataDir, ...args],
    { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    { sshEnvironment: { home: app.home, agent: undefined } },
  )
  return { code, stdout, stderr }
}

async function planJson(extra: string[] = []): Promise<{ code: number; view: PlanView; stderr: string }> {
  const r = await cli(['--json', 'plan', 'homelab', '-f', specFile, ...extra])
  return { code: r.code, view: JSON.parse(r.stdout) as PlanView, stderr: r.stderr }
}

beforeAll(async () => {
  lab = await useLab({
    profiles: [
      'debian-sudo-nopass+sim',
      'pi4+sim',
      'microos+sim',
      'debian-sudo-nopass+sim',
      'ubuntu-sudo-nopass+sim',
      'debian-sudo-nopass+old-cluster+sim',
    ],
  })
  ;[lb, pi, microos, cp3, w1, old] = lab.nodes as [LabNode, LabNode, LabNode, LabNode, LabNode, LabNode]
  app = testApp()
  installLabKey(app, lab.keyPath)
  for (const node of lab.nodes) {
    const host = await app.addNode(node)
    await app.api.ssh.trust(host.id, node.hostKeyFingerprint!)
    ids.set(node.hostname, host.id)
  }
  // The Pi's sudo asks for its password: `ssh check` proves it (as a user would, once).
  await app.api.ssh.provideSecret(ids.get(pi.hostname)!, 'sudo', pi.password!)
  const checked = await app.api.ssh.check([...ids.values()])
  expect(checked.filter((c) => !c.ok)).toEqual([])
  const probed = await app.api.discovery.probe([...ids.values()])
  expect(probed.filter((p) => !p.ok)).toEqual([])

  specFile = join(mkdtempSync(join(tmpdir(), 'plan-spec-')), 'homelab.yaml')
  writeFileSync(
    specFile,
    `apiVersion: flotilla/v1alpha1
kind: Cluster
metadata:
  name: homelab
spec:
  flavour: kubeadm
  kubernetesVersion: "1.32"
  endpoint:
    haproxy: { host: ${lb.hostname}, port: 6443 }
  # Outside any LAB_TEST_NET (10.x): the default service subnet 10.96.0.0/12 holds 10.96-10.111,
  # and the validator rightly blocks a LAN inside it.
  network: { podSubnet: 172.20.0.0/16, serviceSubnet: 172.21.0.0/16 }
  nodes:
    - { host: ${pi.hostname}, roles: [control-plane] }
    - { host: ${microos.hostname}, roles: [control-plane] }
    - { host: ${cp3.hostname}, roles: [control-plane] }
    - { host: ${w1.hostname}, roles: [worker] }
    - { host: ${old.hostname}, roles: [worker] }
`,
  )
}, 600_000)

afterAll(async () => {
  app?.close()
  await lab?.dispose()
})

describe('flotilla plan on six sim nodes', () => {
  const before = new Map<string, string>()

  it('plans every host, runs the checks, blocks on leftovers without consent, and changes nothing', async () => {
    for (const node of lab.nodes) before.set(node.hostname, await snapshot(node))

    const blocked = await planJson()
    expect(blocked.code, blocked.stderr).toBe(1)
    const { view } = blocked
    expect(view.blocked).toBe(true)
    const leftovers = view.problems.filter((p) => p.severity === 'blocking')
    expect(leftovers.map((p) => [p.code, p.host])).toEqual([['leftovers', old.hostname]])
    expect(view.steps.some((s) => s.kind === 'reset')).toBe(false)

    // Every host is in the plan, in order: the HAProxy host first, then the nodes as the spec lists them.
    expect(view.hosts.map((h) => h.host)).toEqual([lb, pi, microos, cp3, w1, old].map((n) => n.hostname))
    const stepsOf = (node: LabNode) => view.hosts.find((h) => h.host === node.hostname)!.steps
    for (const node of [pi, microos, cp3, w1, old]) {
      // MicroOS takes openSUSE's packages from the repositories it comes with: no repository step.
      const recipes = [
        'swap',
        'kernel-modules',
        'sysctl',
        'time-sync',
        ...(node === microos ? [] : ['packages-repository']),
      ]
      for (const recipe of recipes) {
        expect(
          stepsOf(node).some((id) => id.startsWith(`${node.hostname}/${recipe}`)),
          `${node.hostname} ${recipe}`,
        ).toBe(true)
      }
    }
    // The HAProxy host runs no Kubernetes: of the prepare phase only the time sync concerns it; then
    // HAProxy itself, and the waits for each control plane's backend to come UP.
    expect(stepsOf(lb)).toEqual([
      `${lb.hostname}/time-sync`,
      `${lb.hostname}/haproxy`,
      ...[pi, microos, cp3].map((n) => `${lb.hostname}/haproxy-backend-up/${n.hostname}`),
    ])
    // The Pi (cmdline.txt without the memory cgroup) alone gets the cmdline fix, with its reboot.
    expect(stepsOf(pi).some((id) => id.startsWith(`${pi.hostname}/pi-cmdline`))).toBe(true)
    for (const node of [lb, microos, cp3, w1, old])
      expect(stepsOf(node).some((id) => id.includes('pi-cmdline'))).toBe(false)

    // The checks ran on every host: each step done or to do, with the host's own reasons. (Steps
    // checked through the Kubernetes API are not checked before the cluster exists.)
    const unknown = view.steps.filter((s) => s.status !== 'done' && s.status !== 'todo' && !s.check[0]?.api)
    expect(unknown.map((s) => `${s.id}: ${s.status} ${s.detail ?? ''}`)).toEqual([])
    const swap = view.steps.find((s) => s.id === `${pi.hostname}/swap`)!
    expect(swap).toMatchObject({ status: 'todo', detail: 'swap is on: /var/swap' })
    expect(view.kubernetes).toEqual({ minor: '1.32', patch: '1.32.4' })
    expect(view.summary.todo).toBeGreaterThan(0)

    for (const node of lab.nodes) expect(await snapshot(node), node.hostname).toBe(before.get(node.hostname))
  })

  it('plans a reset of the leftovers only with consent, first on that host, and prints the plan as text', async () => {
    const consented = await planJson(['--reset-leftovers', old.hostname])
    expect(consented.code, consented.stderr).toBe(0)
    expect(consented.view.blocked).toBe(false)
    expect(consented.view.problems.filter((p) => p.severity === 'blocking')).toEqual([])
    const resets = consented.view.steps.filter((s) => s.kind === 'reset')
    expect(resets.map((s) => s.id)).toEqual([`${old.hostname}/reset`])
    expect(resets[0]).toMatchObject({ status: 'todo', consent: expect.stringContaining(old.hostname) })
    expect(consented.view.hosts.find((h) => h.host === old.hostname)!.steps[0]).toBe(`${old.hostname}/reset`)
    // Consent for a host with no leftovers plans nothing there.
    const other = await planJson(['--reset-leftovers', old.hostname, '--reset-leftovers', w1.hostname])
    expect(other.view.steps.filter((s) => s.kind === 'reset').map((s) => s.host)).toEqual([old.hostname])

    const scripts = mkdtempSync(join(tmpdir(), 'plan-scripts-'))
    const text = await cli(['plan', 'homelab', '-f', specFile, '--script', scripts])
    expect(text.code, text.stderr).toBe(1)
    expect(text.stdout).toMatch(/BLOCKING leftovers \(/)
    expect(text.stdout).toContain(`[to do] ${pi.hostname}/swap: `)
    expect(text.stdout).toContain('The plan is blocked by 1 problem')
    expect(readdirSync(scripts).sort()).toEqual(lab.nodes.map((n) => `${n.hostname}.sh`).sort())
    for (const file of readdirSync(scripts)) {
      expect(statSync(join(scripts, file)).mode & 0o777).toBe(0o700)
      execFileSync('sh', ['-n', join(scripts, file)])
    }
    expect(readFileSync(join(scripts, `${pi.hostname}.sh`), 'utf8')).toContain(`# ${pi.hostname}/swap: `)

    for (const node of lab.nodes) expect(await snapshot(node), node.hostname).toBe(before.get(node.hostname))
  })

  it('runs a host’s --script as root: it does what the plan showed up to kubeadm (which needs Flotilla), then the plan finds those steps done', async () => {
    const scripts = mkdtempSync(join(tmpdir(), 'plan-scripts-'))
    expect((await cli(['plan', 'homelab', '-f', specFile, '--script', scripts])).code).toBe(1)
    const script = readFileSync(join(scripts, `${cp3.hostname}.sh`), 'utf8')
    const ran = await sshExec(
      cp3,
      `printf %s ${Buffer.from(script).toString('base64')} | base64 -d > /tmp/plan.sh && sudo sh /tmp/plan.sh`,
      {
        timeoutMs: 120_000,
      },
    )
    // The join needs the cluster's CA files and a fresh token: the script stops there and says so.
    const joinStep = `${cp3.hostname}/kubeadm-join`
    expect(ran.code, ran.stderr).toBe(1)
    expect(ran.stderr).toContain(
      `${joinStep} needs "pki/ca.crt" from Flotilla (its vault, or a token made just before use), which is never in a plan: run this step from Flotilla.`,
    )
    expect(ran.stdout).toContain(`${cp3.hostname}/kernel-modules: Load the kernel modules`)
    expect(ran.stdout).toContain(`${cp3.hostname}/packages-repository: Add the Kubernetes 1.32 package repository`)

    const { view } = await planJson()
    const mine = view.steps.filter((s) => s.hostId === ids.get(cp3.hostname) && s.id !== joinStep)
    expect(mine.length).toBeGreaterThan(5)
    expect(mine.filter((s) => s.status !== 'done').map((s) => `${s.id}: ${s.status} ${s.detail ?? ''}`)).toEqual([])
    // A second run finds every step before the join done and changes nothing.
    const again = await sshExec(cp3, 'sudo sh /tmp/plan.sh', { timeoutMs: 120_000 })
    expect(again.code, again.stderr).toBe(1)
    for (const s of mine) expect(again.stdout).toContain(`${s.id}: already done`)
  })

  it('probes a host again when its facts are older than the plan allows', async () => {
    const id = ids.get(w1.hostname)!
    const longAgo = new Date(Date.now() - 3_600_000).toISOString()
    app.inventory.mutate((hosts) =>
      hosts.map((h) => (h.id === id ? { ...h, identification: { ...h.identification!, at: longAgo } } : h)),
    )
    const started = Date.now()
    const { view } = await planJson()
    const at = Date.parse(app.inventory.get(id).identification!.at)
    expect(at).toBeGreaterThanOrEqual(started - 1000)
    expect(view.hosts.find((h) => h.hostId === id)!.probedAt).toBe(app.inventory.get(id).identification!.at)
    expect(view.problems.filter((p) => p.severity === 'blocking').map((p) => p.host)).toEqual([old.hostname])

    // --max-probe-age 0: every host of the spec is probed again.
    const again = Date.now()
    await cli(['plan', 'homelab', '-f', specFile, '--no-checks', '--max-probe-age', '0'])
    for (const node of lab.nodes) {
      expect(
        Date.parse(app.inventory.get(ids.get(node.hostname)!).identification!.at),
        node.hostname,
      ).toBeGreaterThanOrEqual(again - 1000)
    }
  })
})
