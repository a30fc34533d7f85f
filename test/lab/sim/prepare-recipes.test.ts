/**
 * The prepare recipes (issue 12 §3) on fresh sim nodes, through the app's real SshService (sudo
 * with the Pi's password where it asks): every check says "to do", the actions make every check say
 * "done", running the actions again changes no file, and after a reboot everything holds (swap off,
 * modules loaded, sysctls applied, the memory cgroup on for the Pi that needed cmdline.txt fixed).
 *
 * Nodes: a Pi 4 on Raspberry Pi OS 12 (dphys-swapfile, needs the cgroup fix), a Pi 5 on 13 (rpi-swap;
 * its kernel has the memory cgroup, so no cmdline step), MicroOS (chrony, zypper), Debian with
 * passwordless sudo; and a Debian with the files of an old kubeadm cluster, for the reset recipe.
 * Each OS's time daemon is enabled on a fresh node (as the OSes ship), so the test turns it off
 * first; MicroOS and Debian have no swap, so the test gives their fstab a swap line.
 *
 * Also the timedatectl and time daemon stand-ins' own checks (test/lab/sim/README.md, "Time").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PREPARE_RECIPES, resetRecipe } from '../../../src/main/services/plan/recipes'
import type { RecipeContext, Step } from '../../../src/main/services/plan/step'
import { runCheck, runStepActions } from '../../../src/main/services/plan/step-runner'
import type { OperationContext } from '../../../src/main/services/operations/registry'
import { sh } from '../../../src/main/services/ssh/shell-command'
import type { Host, HostIdentification } from '../../../src/shared/types'
import { installLabKey, testApp, type TestApp } from '../../integration/ssh-app'
import { useLab, waitUntil, type Lab, type LabNode } from '../harness'
import { sshExec } from '../ssh'

let lab: Lab
let app: TestApp
let pi4: LabNode
let pi5: LabNode
let microos: LabNode
let debian: LabNode
let old: LabNode // Debian with the files of an old kubeadm cluster, and kubeadm installed
const hosts = new Map<LabNode, Host>()
const steps = new Map<LabNode, Step[]>()
let prepared: LabNode[]

/** What the SshService logged through the operation context (commands and their output). */
const logged: string[] = []
const ctx: OperationContext = {
  id: 'prepare-recipes-test',
  signal: new AbortController().signal,
  progress: () => undefined,
  log: (line) => void logged.push(line),
  throwIfCancelled: () => undefined,
}

/** The files the recipes write (or edit) on each node, for the "nothing changed" comparison. */
const FILES = [
  '/etc/fstab',
  '/etc/modules-load.d/k8s.conf',
  '/etc/sysctl.d/k8s.conf',
  '/etc/rpi/swap.conf.d/90-flotilla-no-swap.conf',
  '/etc/apt/keyrings/kubernetes-apt-keyring.gpg',
  '/etc/apt/sources.list.d/kubernetes.list',
  '/etc/zypp/repos.d/kubernetes.repo',
  '/boot/firmware/cmdline.txt',
  '/boot/firmware/cmdline.txt.flotilla-orig',
  '/etc/systemd/system/multi-user.target.wants',
]
const TIME_UNIT = (node: LabNode) => (node === microos ? 'chronyd.service' : 'systemd-timesyncd.service')

const run = async (node: LabNode, command: string, sudo = false) => {
  const r = await app.ssh.run(hosts.get(node)!.id, sh`sh -c ${command}`, { sudo }, ctx)
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr }
}

async function probe(node: LabNode): Promise<HostIdentification> {
  const [result] = await app.api.discovery.probe([hosts.get(node)!.id])
  if (!result!.ok) throw new Error(`${node.profile}: ${result!.error.message}`)
  return result!.identification
}

async function checks(node: LabNode): Promise<Record<string, { state: string; detail: string }>> {
  const out: Record<string, { state: string; detail: string }> = {}
  for (const step of steps.get(node)!) out[step.id] = await runCheck(app.ssh, step, ctx)
  return out
}

/** mtime (ns), mode, owner and sha256 of every file the recipes touch: one line each. */
const snapshot = async (node: LabNode) =>
  (
    await run(
      node,
      `for f in ${FILES.join(' ')}; do if [ -e "$f" ]; then echo "$f $(stat -c '%y %a %U:%G' "$f") $(if [ -f "$f" ]; then sha256sum < "$f"; else ls "$f"; fi)"; fi; done`,
      true,
    )
  ).stdout

beforeAll(async () => {
  lab = await useLab({
    profiles: [
      'pi4+sim',
      'pi5+sim+memcg-default-on',
      'microos+sim',
      'debian-sudo-nopass+sim',
      'debian-sudo-nopass+old-cluster+sim',
    ],
  })
  ;[pi4, pi5, microos, debian, old] = lab.nodes as [LabNode, LabNode, LabNode, LabNode, LabNode]
  prepared = [pi4, pi5, microos, debian]
  app = testApp()
  installLabKey(app, lab.keyPath)
  for (const node of lab.nodes) {
    const host = await app.addNode(node)
    await app.api.ssh.trust(host.id, node.hostKeyFingerprint!)
    if (node.password && node.profile.startsWith('pi')) await app.api.ssh.provideSecret(host.id, 'sudo', node.password)
    hosts.set(node, host)
  }
}, 240_000)
afterAll(() => app?.close())

describe('the time stand-ins', () => {
  it('timedatectl: NTPSynchronized from the daemon, anything else not simulated', async () => {
    // Enabled on a fresh node and started at boot, as the OSes ship them.
    for (const node of [pi4, pi5, microos, debian]) {
      const r = await sshExec(
        node,
        `systemctl is-enabled ${TIME_UNIT(node)}; timedatectl show -p NTPSynchronized --value`,
      )
      expect(r.stdout, node.profile).toBe('enabled\nyes\n')
    }
    const props = await sshExec(debian, 'timedatectl show --property=NTPSynchronized --property NTP')
    expect(props.stdout).toBe('NTPSynchronized=yes\nNTP=yes\n')
    for (const args of ['', 'status', 'show', 'show -p Timezone', 'set-ntp true']) {
      const r = await sshExec(debian, `timedatectl ${args}`)
      expect(r.code, args).toBe(1)
      expect(r.stderr, args).toContain('is not simulated')
    }
    const daemon = await sshExec(debian, '/usr/lib/flotilla-sim/timesync.sh ntpd')
    expect(daemon).toMatchObject({ code: 1, stderr: expect.stringContaining('is not simulated') })
  })
})

describe('the prepare recipes on fresh nodes', () => {
  it('plan steps from the probe: the cmdline fix and its reboot only for the Pi whose kernel lacks the memory cgroup', async () => {
    for (const node of prepared) {
      const facts = await probe(node)
      const host = hosts.get(node)!
      const rctx: RecipeContext = {
        spec: {} as RecipeContext['spec'],
        clusterName: 'lab',
        host,
        facts,
        roles: ['control-plane'],
        name: host.label!,
        kubernetes: { minor: '1.32' },
        cluster: { hosts: [], endpoint: { host: '10.0.0.1', port: 6443 } },
      }
      steps.set(
        node,
        PREPARE_RECIPES.flatMap((r) => r.steps(rctx)),
      )
    }
    const names = (node: LabNode) => steps.get(node)!.map((s) => s.id.slice(s.id.indexOf('/') + 1))
    const common = ['swap', 'kernel-modules', 'sysctl', 'time-sync', 'packages-repository']
    expect(names(pi4)).toEqual([...common, 'pi-cmdline', 'pi-cmdline/reboot'])
    for (const node of [pi5, debian]) expect(names(node), node.profile).toEqual(common)
    // MicroOS takes its packages from openSUSE's repositories, which it comes with: no repository step.
    expect(names(microos)).toEqual(common.filter((n) => n !== 'packages-repository'))
  })

  it('every check says "to do" first, with its reason', async () => {
    // The time daemons are on as the OSes ship them: turned off here, so their step has work to do.
    for (const node of prepared) {
      expect((await run(node, `systemctl disable --now ${TIME_UNIT(node)}`, true)).code).toBe(0)
    }
    // These images come without swap: give their fstab a swap line for the recipe to take out.
    for (const node of [microos, debian]) {
      expect((await run(node, "echo '/swapfile none swap sw 0 0' >> /etc/fstab", true)).code).toBe(0)
    }
    for (const node of prepared) {
      const states = await checks(node)
      for (const [id, { state, detail }] of Object.entries(states)) {
        expect(state, `${id}: ${detail}`).toBe('todo')
        expect(detail, id).not.toBe('')
      }
    }
    const pi4States = await checks(pi4)
    expect(pi4States[`${hosts.get(pi4)!.label}/swap`]!.detail).toBe('swap is on: /var/swap')
    expect(pi4States[`${hosts.get(pi4)!.label}/pi-cmdline/reboot`]!.detail).toBe(
      'the running kernel lacks the memory cgroup: it needs a reboot',
    )
    expect((await checks(debian))[`${hosts.get(debian)!.label}/swap`]!.detail).toBe('/etc/fstab turns swap on at boot')
  }, 120_000)

  it('the actions make every check say "done" (the Pi rebooted by its reboot step)', async () => {
    const bootId = async (node: LabNode) => (await run(node, 'cat /proc/sys/kernel/random/boot_id')).stdout
    const before = await bootId(pi4)
    await Promise.all(
      prepared.map(async (node) => {
        for (const step of steps.get(node)!) await runStepActions(app.ssh, step, ctx)
      }),
    )
    expect(await bootId(pi4)).not.toBe(before)
    // The Pi's enabled services (its time daemon) start after sshd answers again, as on a real boot.
    await waitUntil(
      'pi4 time daemon started after its reboot',
      async () => (await checks(pi4))[`${hosts.get(pi4)!.label}/time-sync`]!.state === 'done',
      30_000,
      300,
    )
    for (const node of prepared) {
      for (const [id, { state, detail }] of Object.entries(await checks(node)))
        expect(state, `${id}: ${detail}`).toBe('done')
    }
    // MicroOS comes with openSUSE's repository, and the plan added none next to it.
    const repos = (await run(microos, 'zypper repos')).stdout
    expect(repos).toContain('repo-oss')
    expect(repos).not.toContain('kubernetes')
    for (const node of [microos, debian]) {
      expect((await run(node, 'grep -c "^#/swapfile none swap" /etc/fstab')).stdout).toBe('1\n')
    }
  }, 240_000)

  it('running the actions again changes no file', async () => {
    for (const node of prepared) {
      const before = await snapshot(node)
      expect(before).toContain('/etc/sysctl.d/k8s.conf')
      for (const step of steps.get(node)!) if (step.kind !== 'reboot') await runStepActions(app.ssh, step, ctx)
      expect(await snapshot(node), node.profile).toBe(before)
    }
  }, 120_000)

  it('after a reboot everything holds: swap off, modules loaded, sysctls applied, memory cgroup on', async () => {
    await Promise.all(prepared.map((node) => app.ssh.reboot(hosts.get(node)!.id, ctx, 90_000)))
    for (const node of prepared) {
      expect((await run(node, 'tail -n +2 /proc/swaps')).stdout, node.profile).toBe('')
      const lsmod = (await run(node, 'lsmod')).stdout
      expect(lsmod).toMatch(/^overlay /m)
      expect(lsmod).toMatch(/^br_netfilter /m)
      expect((await run(node, 'cat /proc/sys/net/ipv4/ip_forward')).stdout).toBe('1\n')
      // Enabled units start after sshd (multi-user.target): the daemon and the clock's flag shortly after.
      await waitUntil(
        `${node.profile}: the time daemon started and the clock synchronized again`,
        async () => (await checks(node))[`${hosts.get(node)!.label}/time-sync`]!.state === 'done',
        30_000,
        300,
      )
      expect((await run(node, 'timedatectl show -p NTPSynchronized --value')).stdout).toBe('yes\n')
      for (const [id, { state, detail }] of Object.entries(await checks(node)))
        expect(state, `${id}: ${detail}`).toBe('done')
    }
    expect((await run(pi4, 'cat /sys/fs/cgroup/cgroup.controllers')).stdout).toMatch(/\bmemory\b/)
  }, 240_000)
})

describe('the reset recipe', () => {
  const rctx = (node: LabNode, facts: HostIdentification): RecipeContext => ({
    spec: {} as RecipeContext['spec'],
    clusterName: 'lab',
    host: hosts.get(node)!,
    facts,
    roles: ['worker'],
    name: hosts.get(node)!.label!,
    kubernetes: { minor: '1.32' },
    cluster: { hosts: [], endpoint: { host: '10.0.0.1', port: 6443 } },
  })

  it('resets the leftovers of an old cluster with kubeadm reset -f and the cleanup, after which the probe finds none', async () => {
    expect(resetRecipe.steps(rctx(debian, await probe(debian)))).toEqual([])
    const before = await probe(old)
    expect(before.leftovers).toContain('/etc/kubernetes')
    const [step] = resetRecipe.steps(rctx(old, before))
    expect(step!.consent).toBe(`reset the leftovers of an old cluster on ${hosts.get(old)!.label}`)
    // kubeadm from the lab's pkgs.k8s.io packages, so its own reset runs first.
    expect((await run(old, 'sim-pkg install kubeadm >/dev/null', true)).code).toBe(0)
    expect(await runCheck(app.ssh, step!, ctx)).toEqual({
      state: 'todo',
      detail: '/etc/kubernetes is left from an old cluster',
    })
    logged.length = 0
    await runStepActions(app.ssh, step!, ctx)
    expect(logged.join('\n')).toContain('[reset] Deleted contents of the etcd data directory: /var/lib/etcd')
    expect(await runCheck(app.ssh, step!, ctx)).toEqual({ state: 'done', detail: 'no leftovers of an old cluster' })
    expect((await probe(old)).leftovers).toEqual([])
    // Again: nothing left to do, and nothing fails.
    await runStepActions(app.ssh, step!, ctx)
    expect((await runCheck(app.ssh, step!, ctx)).state).toBe('done')
  }, 120_000)
})
