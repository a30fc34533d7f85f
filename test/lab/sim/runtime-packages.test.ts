/**
 * The runtime and packages recipes (issue 13 §1) on sim nodes, after the prepare recipes, through
 * the app's real SshService (sudo with the Pi's password): every check says "to do", the actions
 * make them "done" (containerd.io from Docker's repository with SystemdCgroup = true and its CRI
 * plugin, kubelet/kubeadm/kubectl 1.32.4 from pkgs.k8s.io, held), a second run changes no file and
 * no package, and each check notices what it guards. MicroOS: openSUSE's cri-o and
 * kubernetes1.32-* in one transaction into a new snapshot, not live until the reboot step (a reboot
 * into the old snapshot fails its verify), live after it; then cri-o configured and running, and
 * `kubeadm init` naming cri-o's socket (criSocket()) passes preflight and builds the control plane.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PACKAGES_RECIPES, PREPARE_RECIPES, RUNTIME_RECIPES } from '../../../src/main/services/plan/recipes'
import { criSocket } from '../../../src/main/services/plan/recipes/common'
import type { RecipeContext, Step } from '../../../src/main/services/plan/step'
import { runCheck, runStepActions } from '../../../src/main/services/plan/step-runner'
import type { OperationContext } from '../../../src/main/services/operations/registry'
import { sh } from '../../../src/main/services/ssh/shell-command'
import type { Host } from '../../../src/shared/types'
import { installLabKey, testApp, type TestApp } from '../../integration/ssh-app'
import { useLab, type Lab, type LabNode } from '../harness'

let lab: Lab
let app: TestApp
let debian: LabNode
let pi5: LabNode
let microos: LabNode
const hosts = new Map<LabNode, Host>()
const facts = new Map<LabNode, RecipeContext['facts']>()
const steps = new Map<LabNode, Step[]>()

const ctx: OperationContext = {
  id: 'runtime-packages-test',
  signal: new AbortController().signal,
  progress: () => undefined,
  log: () => undefined,
  throwIfCancelled: () => undefined,
}

const run = async (node: LabNode, command: string, sudo = false) => {
  const r = await app.ssh.run(hosts.get(node)!.id, sh`sh -c ${command}`, { sudo }, ctx)
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr }
}

const rctx = async (node: LabNode): Promise<RecipeContext> => {
  const [result] = await app.api.discovery.probe([hosts.get(node)!.id])
  if (!result!.ok) throw new Error(`${node.profile}: ${result!.error.message}`)
  const host = hosts.get(node)!
  facts.set(node, result!.identification)
  return {
    spec: {} as RecipeContext['spec'],
    clusterName: 'lab',
    host,
    facts: result!.identification,
    roles: ['control-plane'],
    name: host.label!,
    kubernetes: { minor: '1.32', patch: '1.32.4' },
    cluster: { hosts: [], endpoint: { host: '10.0.0.1', port: 6443 } },
  }
}

const stepOf = (node: LabNode, part: string) =>
  steps.get(node)!.find((s) => s.id === `${hosts.get(node)!.label}/${part}`)!
const check = (node: LabNode, part: string) => runCheck(app.ssh, stepOf(node, part), ctx)

/** Every file and package state these recipes may touch, with mtimes: equal means nothing changed. */
const SNAPSHOT = [
  'for f in /etc/containerd/config.toml /etc/crio/crio.conf.d/50-flotilla.conf /run/flotilla-sim/crio.json /etc/apt/keyrings/docker.asc /etc/apt/sources.list.d/docker.list /run/flotilla-sim/containerd.json /var/lib/dpkg/status /var/lib/flotilla/kubernetes-packages.transaction; do [ -e "$f" ] && echo "$f $(stat -c %y "$f") $(sha256sum < "$f")"; done',
  'ls -l --time-style=full-iso /var/lib/apt/lists /etc/systemd/system/multi-user.target.wants 2>/dev/null',
  'command -v dpkg >/dev/null && dpkg -l | grep -E "kube|containerd|cri-tools"',
  'ls -l --time-style=full-iso /etc/crio/crio.conf.d 2>/dev/null',
  'command -v rpm >/dev/null && rpm -qa | sort',
  'ls /var/lib/flotilla-sim/snapshots 2>/dev/null; cat /var/lib/flotilla-sim/snapshots/default 2>/dev/null',
  'true',
].join('; ')

beforeAll(async () => {
  lab = await useLab({ profiles: ['debian-sudo-nopass+sim', 'pi5+sim+memcg-default-on', 'microos+sim'] })
  ;[debian, pi5, microos] = lab.nodes as [LabNode, LabNode, LabNode]
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

describe('the runtime and packages recipes after the prepare recipes', () => {
  it('plan: containerd then the packages on Debian and Pi OS; one transaction, its reboot and the kubelet on MicroOS', async () => {
    await Promise.all(
      lab.nodes.map(async (node) => {
        const c = await rctx(node)
        for (const step of PREPARE_RECIPES.flatMap((r) => r.steps(c))) {
          if ((await runCheck(app.ssh, step, ctx)).state !== 'done') await runStepActions(app.ssh, step, ctx)
        }
        steps.set(
          node,
          [...RUNTIME_RECIPES, ...PACKAGES_RECIPES].flatMap((r) => r.steps(c)),
        )
      }),
    )
    const names = (node: LabNode) => steps.get(node)!.map((s) => s.id.slice(s.id.indexOf('/') + 1))
    expect(names(debian)).toEqual(['runtime', 'packages'])
    expect(names(pi5)).toEqual(['runtime', 'packages'])
    expect(names(microos)).toEqual(['runtime', 'packages', 'packages/reboot', 'packages/kubelet'])
  }, 300_000)

  it('every check says "to do" first, with its reason', async () => {
    for (const node of [debian, pi5]) {
      expect(await check(node, 'runtime')).toEqual({ state: 'todo', detail: 'containerd is not installed' })
      expect(await check(node, 'packages')).toEqual({ state: 'todo', detail: 'kubelet is not installed' })
    }
    const todo = { state: 'todo', detail: 'kubernetes1.32-client 1.32.4 is not installed in the running system' }
    expect(await check(microos, 'packages')).toEqual(todo)
    expect(await check(microos, 'packages/reboot')).toEqual({
      ...todo,
      detail: `${todo.detail}: the snapshot with the packages is not the booted one`,
    })
    expect(await check(microos, 'runtime')).toEqual({
      state: 'todo',
      detail: 'cri-o is not installed in the running system',
    })
    expect(await check(microos, 'packages/kubelet')).toEqual({ state: 'todo', detail: 'the kubelet is not enabled' })
  }, 60_000)

  it('Debian and Pi OS: containerd.io active with SystemdCgroup and CRI, the packages at 1.32.4 and held', async () => {
    await Promise.all(
      [debian, pi5].map(async (node) => {
        for (const step of steps.get(node)!) await runStepActions(app.ssh, step, ctx)
      }),
    )
    for (const node of [debian, pi5]) {
      expect(await check(node, 'runtime')).toEqual({
        state: 'done',
        detail: 'containerd runs with its CRI plugin and SystemdCgroup = true',
      })
      expect(await check(node, 'packages')).toEqual({
        state: 'done',
        detail: 'kubelet, kubeadm and kubectl 1.32.4 are installed and held',
      })
      // What the running containerd read (the stand-in publishes it): the config took effect.
      expect(JSON.parse((await run(node, 'cat /run/flotilla-sim/containerd.json')).stdout)).toMatchObject({
        cri: true,
        systemdCgroup: true,
      })
      expect(
        (await run(node, 'grep -c "sandbox_image = \\"registry.k8s.io/pause:3.10\\"" /etc/containerd/config.toml'))
          .stdout,
      ).toBe('1\n')
      const versions = await run(
        node,
        "dpkg-query -W -f '${Package} ${Status} ${Version}\\n' kubelet kubeadm kubectl containerd.io",
      )
      expect(versions.stdout).toMatch(/^containerd\.io install ok installed 1\.7\.24-1$/m)
      for (const p of ['kubeadm', 'kubectl', 'kubelet'])
        expect(versions.stdout).toMatch(new RegExp(`^${p} hold ok installed 1\\.32\\.4-1\\.1$`, 'm'))
      expect((await run(node, 'apt-mark showhold')).stdout).toBe('kubeadm\nkubectl\nkubelet\n')
      expect((await run(node, 'systemctl is-active containerd; systemctl is-enabled kubelet')).stdout).toBe(
        'active\nenabled\n',
      )
    }
  }, 300_000)

  it('MicroOS: cri-o and the packages land in one new snapshot; a reboot into the old one fails the verify; the right one makes them live', async () => {
    const [install, reboot, kubelet] = ['packages', 'packages/reboot', 'packages/kubelet'].map((p) =>
      stepOf(microos, p),
    ) as [Step, Step, Step]
    await runStepActions(app.ssh, install, ctx)
    expect(await runCheck(app.ssh, install, ctx)).toEqual({
      state: 'done',
      detail: 'installed in a new snapshot, live after the next reboot',
    })
    expect((await run(microos, 'rpm -q kubernetes1.32-kubeadm cri-o')).stdout).toBe(
      'package kubernetes1.32-kubeadm is not installed\npackage cri-o is not installed\n',
    )
    expect((await run(microos, 'command -v kubeadm || command -v crio')).code).not.toBe(0)
    expect((await runCheck(app.ssh, reboot, ctx)).state).toBe('todo')
    // The k3sup#384 failure: the machine reboots, but not into the snapshot with the packages (here
    // the default snapshot set back to the running one). The reboot step's verify says so.
    expect((await run(microos, 'cd /var/lib/flotilla-sim/snapshots && cp current default', true)).code).toBe(0)
    const boot0 = (await run(microos, 'cat /proc/sys/kernel/random/boot_id')).stdout
    await runStepActions(app.ssh, reboot, ctx)
    expect((await run(microos, 'cat /proc/sys/kernel/random/boot_id')).stdout).not.toBe(boot0)
    expect(await runCheck(app.ssh, reboot, ctx)).toEqual({
      state: 'todo',
      detail:
        'kubernetes1.32-client 1.32.4 is not installed in the running system: the snapshot with the packages is not the booted one',
    })
    // The next apply: the transaction is to do again (its note was of the last boot).
    expect((await runCheck(app.ssh, install, ctx)).state).toBe('todo')
    await runStepActions(app.ssh, install, ctx)
    // An interrupted apply runs the transaction again before the reboot: -c keeps the pending one.
    await runStepActions(app.ssh, install, ctx)
    const boot = (await run(microos, 'cat /proc/sys/kernel/random/boot_id')).stdout
    await runStepActions(app.ssh, reboot, ctx)
    expect((await run(microos, 'cat /proc/sys/kernel/random/boot_id')).stdout).not.toBe(boot)
    expect(await runCheck(app.ssh, reboot, ctx)).toEqual({
      state: 'done',
      detail: 'cri-o, kubeadm, kubelet and kubectl 1.32.4 are live',
    })
    const rpms = (await run(microos, 'rpm -qa | sort')).stdout
    for (const p of ['kubernetes1.32-kubeadm', 'kubernetes1.32-kubelet', 'kubernetes1.32-client'])
      expect(rpms).toMatch(new RegExp(`^${p}-1\\.32\\.4-1\\.1\\.\\w+$`, 'm'))
    // cri-o Provides cri-runtime and the criconfig kubernetes-kubeadm-criconfig, which kubeadm Requires.
    for (const p of ['cri-o', 'cri-o-kubeadm-criconfig', 'cri-tools'])
      expect(rpms).toMatch(new RegExp(`^${p}-\\d`, 'm'))
    expect(rpms).not.toMatch(/^kubeadm-/m)
    expect((await run(microos, 'kubeadm version -o short; cat /etc/sysconfig/kubelet')).stdout).toContain('v1.32.4\n')
    await runStepActions(app.ssh, kubelet, ctx)
    const runtime = stepOf(microos, 'runtime')
    expect(await runCheck(app.ssh, runtime, ctx)).toEqual({
      state: 'todo',
      detail: "/etc/crio/crio.conf.d/50-flotilla.conf does not set cri-o's cgroup manager and pause image",
    })
    await runStepActions(app.ssh, runtime, ctx)
    for (const step of [install, reboot, kubelet, runtime])
      expect((await runCheck(app.ssh, step, ctx)).state, step.id).toBe('done')
    // What the running cri-o read: openSUSE's defaults with Flotilla's drop-in over them.
    expect(JSON.parse((await run(microos, 'cat /run/flotilla-sim/crio.json')).stdout)).toMatchObject({
      cri: true,
      cgroupDriver: 'systemd',
      pauseImage: 'registry.k8s.io/pause:3.10',
      listen: '/var/run/crio/crio.sock',
    })
    expect(
      (await run(microos, 'systemctl is-active crio; systemctl is-enabled kubelet; systemctl is-active kubelet'))
        .stdout,
    ).toBe('active\nenabled\ninactive\n')
  }, 300_000)

  it('a second run changes no file and no package', async () => {
    for (const node of lab.nodes) {
      const before = (await run(node, SNAPSHOT, true)).stdout
      expect(before, node.profile).toMatch(node === microos ? /kubeadm-1\.32\.4/ : /containerd\.json/)
      for (const step of steps.get(node)!) if (step.kind !== 'reboot') await runStepActions(app.ssh, step, ctx)
      expect((await run(node, SNAPSHOT, true)).stdout, node.profile).toBe(before)
    }
  }, 300_000)

  it('each check notices what it guards, and the actions put it right (containerd restarted for a changed config)', async () => {
    const node = debian
    const runtime = stepOf(node, 'runtime')
    const breakages: [string, string][] = [
      [
        'sed -i "s/^disabled_plugins = \\[\\]/disabled_plugins = [\\"cri\\"]/" /etc/containerd/config.toml',
        "/etc/containerd/config.toml disables containerd's CRI plugin",
      ],
      [
        'sed -i "s/SystemdCgroup = true/SystemdCgroup = false/" /etc/containerd/config.toml',
        '/etc/containerd/config.toml does not set SystemdCgroup = true',
      ],
      [
        'sed -i "s#pause:3.10#pause:3.8#" /etc/containerd/config.toml',
        '/etc/containerd/config.toml does not use the sandbox image registry.k8s.io/pause:3.10',
      ],
      ['systemctl stop containerd', 'containerd is not running'],
      ['systemctl disable containerd', 'containerd is not enabled'],
    ]
    for (const [breakIt, detail] of breakages) {
      expect((await run(node, breakIt, true)).code, breakIt).toBe(0)
      expect(await runCheck(app.ssh, runtime, ctx), breakIt).toEqual({ state: 'todo', detail })
      await runStepActions(app.ssh, runtime, ctx)
      expect((await runCheck(app.ssh, runtime, ctx)).state, breakIt).toBe('done')
      expect(JSON.parse((await run(node, 'cat /run/flotilla-sim/containerd.json')).stdout), breakIt).toMatchObject({
        cri: true,
        systemdCgroup: true,
      })
    }
    const packages = stepOf(node, 'packages')
    const pkgBreakages: [string, string][] = [
      ['apt-mark unhold kubeadm', 'kubeadm 1.32.4 is installed but not held'],
      ['systemctl disable kubelet', 'the kubelet is not enabled'],
    ]
    for (const [breakIt, detail] of pkgBreakages) {
      expect((await run(node, breakIt, true)).code, breakIt).toBe(0)
      expect(await runCheck(app.ssh, packages, ctx), breakIt).toEqual({ state: 'todo', detail })
      await runStepActions(app.ssh, packages, ctx)
      expect((await runCheck(app.ssh, packages, ctx)).state, breakIt).toBe('done')
    }
    // Another patch is not this plan's: the check says which version is there.
    const [other] = PACKAGES_RECIPES[0]!.steps({
      ...(await rctx(node)),
      kubernetes: { minor: '1.32', patch: '1.32.5' },
    })
    expect(await runCheck(app.ssh, other!, ctx)).toEqual({
      state: 'todo',
      detail: 'kubelet is installed at version 1.32.4-1.1, not 1.32.5',
    })
  }, 300_000)

  it('MicroOS checks: the kubelet not enabled, another patch not live; zypper refuses a version the repository lacks', async () => {
    const [install, reboot, kubelet] = ['packages', 'packages/reboot', 'packages/kubelet'].map((p) =>
      stepOf(microos, p),
    ) as [Step, Step, Step]
    expect((await run(microos, 'systemctl disable kubelet', true)).code).toBe(0)
    expect(await runCheck(app.ssh, kubelet, ctx)).toEqual({ state: 'todo', detail: 'the kubelet is not enabled' })
    await runStepActions(app.ssh, kubelet, ctx)
    expect((await runCheck(app.ssh, kubelet, ctx)).state).toBe('done')
    const r = await run(microos, 'transactional-update -n pkg install kubernetes1.32-kubeadm=1.32.5', true)
    expect(r.code).toBe(104)
    expect(r.stderr).toContain("No provider of 'kubernetes1.32-kubeadm = 1.32.5' found.")
    // Another patch than the running system's: both checks say the plan's is not live.
    const c = { ...(await rctx(microos)), kubernetes: { minor: '1.32', patch: '1.32.5' } }
    const [install5, reboot5] = PACKAGES_RECIPES[0]!.steps(c) as [Step, Step]
    expect(await runCheck(app.ssh, install5, ctx)).toEqual({
      state: 'todo',
      detail: 'kubernetes1.32-client 1.32.5 is not installed in the running system',
    })
    expect((await runCheck(app.ssh, reboot5, ctx)).state).toBe('todo')
    for (const step of [install, reboot]) expect((await runCheck(app.ssh, step, ctx)).state).toBe('done')
  }, 120_000)

  it("MicroOS: cri-o refuses an unknown key; the kubelet refuses a cgroup driver other than cri-o's; kubeadm without cri-o fails its CRI check", async () => {
    const unknown = await run(
      microos,
      'printf "[crio.runtime]\\nconmon_env = [\\"X=1\\"]\\n" > /etc/crio/crio.conf.d/99-test.conf; systemctl restart crio; echo "rc=$?"; journalctl -u crio -n 4',
      true,
    )
    expect(unknown.stdout).toContain('rc=1')
    expect(unknown.stdout).toContain(
      'flotilla-sim: crio: /etc/crio/crio.conf.d/99-test.conf:2: conmon_env in [crio.runtime] is not simulated',
    )
    const cgroupfs = await run(
      microos,
      'printf "[crio.runtime]\\ncgroup_manager = \\"cgroupfs\\"\\nconmon_cgroup = \\"pod\\"\\n" > /etc/crio/crio.conf.d/99-test.conf && systemctl restart crio && timeout 20 kubelet --container-runtime-endpoint=unix:///var/run/crio/crio.sock --cgroup-driver=systemd --fail-swap-on=false; echo "rc=$?"',
      true,
    )
    expect(cgroupfs.stdout).toContain('rc=1')
    expect(cgroupfs.stderr).toContain(
      `kubelet cgroup driver: \\"systemd\\" is different from the container runtime's cgroup driver: \\"cgroupfs\\" (flotilla-sim: cri-o's cgroup_manager must match)`,
    )
    expect((await run(microos, 'rm /etc/crio/crio.conf.d/99-test.conf && systemctl stop crio', true)).code).toBe(0)
    const down = await run(
      microos,
      `kubeadm init --config /dev/stdin <<'EOF'\n${initConfig()}\nEOF\necho "rc=$?"`,
      true,
    )
    expect(down.stdout).toContain('rc=1')
    expect(down.stderr).toContain(
      '[ERROR CRI]: could not connect to the container runtime: failed to create new CRI runtime service: validate service connection: validate CRI v1 runtime API for endpoint "unix:///var/run/crio/crio.sock"',
    )
    expect((await run(microos, 'systemctl start crio', true)).code).toBe(0)
    expect((await runCheck(app.ssh, stepOf(microos, 'runtime'), ctx)).state).toBe('done')
  }, 120_000)

  it("MicroOS: kubeadm init with a v1beta4 config naming cri-o's socket passes preflight and its kubelet runs on cri-o", async () => {
    expect(criSocket(facts.get(microos)!)).toBe('unix:///var/run/crio/crio.sock')
    const r = await run(
      microos,
      `cat > /tmp/kubeadm.yaml <<'EOF'\n${initConfig()}\nEOF\nkubeadm init --config /tmp/kubeadm.yaml; echo "rc=$?"`,
      true,
    )
    expect(r.stderr).not.toContain('[ERROR')
    expect(r.stdout).toContain('[preflight] Running pre-flight checks')
    expect(r.stdout).toContain('Your Kubernetes control-plane has initialized successfully!')
    expect(r.stdout).toContain('rc=0')
    expect((await run(microos, 'cat /var/lib/kubelet/kubeadm-flags.env', true)).stdout).toContain(
      '--container-runtime-endpoint=unix:///var/run/crio/crio.sock',
    )
    expect((await run(microos, 'systemctl is-active kubelet')).stdout).toBe('active\n')
    expect((await run(microos, 'kubeadm reset -f >/dev/null 2>&1; echo "rc=$?"', true)).stdout).toBe('rc=0\n')
  }, 240_000)

  it("MicroOS: kubeadm without a criSocket finds cri-o's as the only one, and refuses to choose between two", async () => {
    const noSocket = initConfig().replace(/\nnodeRegistration:\n {2}criSocket: .*/, '')
    expect(noSocket).not.toContain('criSocket')
    const r = await run(
      microos,
      `cat > /tmp/kubeadm.yaml <<'EOF'\n${noSocket}\nEOF\nkubeadm init --config /tmp/kubeadm.yaml >/dev/null; echo "rc=$?"; grep -o 'container-runtime-endpoint=[^ ]*' /var/lib/kubelet/kubeadm-flags.env; kubeadm reset -f >/dev/null 2>&1`,
      true,
    )
    expect(r.stdout, r.stderr).toBe('rc=0\ncontainer-runtime-endpoint=unix:///var/run/crio/crio.sock\n')
    // A second runtime's socket next to cri-o's (here containerd's path, bound and left): kubeadm
    // (DetectCRISocket) asks which one.
    const two = await run(
      microos,
      `python3 -c "import os, socket; os.makedirs('/run/containerd', exist_ok=True); socket.socket(socket.AF_UNIX).bind('/run/containerd/containerd.sock')" && kubeadm init --config /tmp/kubeadm.yaml; echo "rc=$?"; rm -f /run/containerd/containerd.sock`,
      true,
    )
    expect(two.stdout).toContain('rc=1')
    expect(two.stderr).toContain(
      "found multiple CRI endpoints on the host. Please define which one do you wish to use by setting the 'criSocket' field in the kubeadm configuration file: unix:///var/run/containerd/containerd.sock, unix:///var/run/crio/crio.sock",
    )
  }, 120_000)
})

/** The InitConfiguration the kubeadm-config recipe will write for this node: criSocket from criSocket(). */
function initConfig(): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${microos.address}
nodeRegistration:
  criSocket: ${criSocket(facts.get(microos)!)}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.32.4
imageRepository: registry.k8s.io`
}
