/**
 * kubelet, kubeadm and kubectl at the plan's version: on the Debian family from the pkgs.k8s.io
 * repository the packages-repository step configured (domain-engine.md §1), on MicroOS openSUSE's
 * own packages, cri-o with them (domain-engine.md §3).
 *
 * Debian, Ubuntu, Raspberry Pi OS: `apt-get install kubelet=V kubeadm=V kubectl=V` with V the
 * resolved patch as a version glob (`1.32.4-*`, the form of kubernetes.io's upgrade guide: the
 * Debian revision pkgs.k8s.io appends, `-1.1` today, is theirs to change), then `apt-mark hold` so
 * an unattended upgrade cannot move one node to another patch. `apt-get update` runs only inside
 * the branch that installs: it rewrites apt's lists, and a second run must change nothing. The
 * kubelet is enabled, not started (kubeadm init/join starts it; before that it would crash-loop).
 * A package held at ANOTHER version makes apt fail loudly (no --allow-change-held-packages):
 * moving a cluster's nodes to another version is an upgrade, not an apply.
 *
 * MicroOS: openSUSE's packages (cri-o and kubernetes1.xx-*, see microOsSteps). The root file
 * system is read-only, so they go into a new snapshot in ONE transaction and become live only
 * after a reboot (the k3sup#384 failure mode is software that lands in a snapshot that is never
 * booted). Three steps: the transaction (`transactional-update pkg install`), an orchestrated
 * reboot whose check is the live system (rpm's database and the binaries on PATH), then the
 * kubelet enabled; the runtime step configures and starts cri-o after the reboot. `-c` continues
 * from the default snapshot, so a transaction still waiting for its reboot (an interrupted apply,
 * another step's) is kept instead of discarded; `-d` drops the new snapshot
 * when nothing changed. Since "installed, waiting for the reboot" cannot be read from the running
 * system, a successful transaction leaves a note in /var (not part of the snapshot) naming the
 * boot it happened in and the versions: the step counts as done while that boot lasts.
 */
import { sh } from '../../ssh/shell-command'
import { stepId, type Recipe, type Step } from '../step'
import { check, INSTALL_TIMEOUT_MS, isDebianLike, isMicroOs, joinLines, run, runsKubernetes } from './common'
import { REBOOT_COMMAND } from './pi-cmdline'

export const KUBERNETES_PACKAGES = ['kubelet', 'kubeadm', 'kubectl'] as const

/** The MicroOS note: the boot id of the transaction and the packages it installed. */
export const TRANSACTION_NOTE = '/var/lib/flotilla/kubernetes-packages.transaction'

/** What the plan pins: the resolved patch, else any patch of the minor. */
export const pinnedVersion = (kubernetes: { minor: string; patch?: string }) =>
  kubernetes.patch ?? `${kubernetes.minor}.*`

/** apt's version glob: the patch with any Debian revision (`1.32.4-*`), or the minor's (`1.32.*`). */
export const aptVersion = (kubernetes: { minor: string; patch?: string }) =>
  kubernetes.patch ? `${kubernetes.patch}-*` : `${kubernetes.minor}.*`

export const packagesRecipe: Recipe = {
  name: 'packages',
  kind: 'packages',
  steps(ctx) {
    const { facts } = ctx
    if (!runsKubernetes(ctx)) return []
    if (isDebianLike(facts)) return [debianStep(ctx)]
    if (isMicroOs(facts)) return microOsSteps(ctx)
    return []
  },
}

function debianStep(ctx: Parameters<Recipe['steps']>[0]): Step {
  const version = aptVersion(ctx.kubernetes)
  const shown = pinnedVersion(ctx.kubernetes)
  // The glob as a case pattern: the fixed part quoted, the `*` left to the shell.
  const prefix = version.slice(0, -1)
  const pins = KUBERNETES_PACKAGES.map((p) => `${p}=${version}`)
  // dpkg's "want" word is `hold` once apt-mark hold ran: "hold ok installed 1.32.4-1.1".
  const status = (p: string) => sh`s=$(dpkg-query -W -f '\${Status} \${Version}' ${p} 2>/dev/null)`
  return {
    id: stepId(ctx, 'packages'),
    hostId: ctx.host.id,
    kind: 'packages',
    title: `Install kubelet, kubeadm and kubectl ${shown} and hold them`,
    deps: [stepId(ctx, 'packages-repository')],
    timeoutMs: INSTALL_TIMEOUT_MS,
    actions: [
      run(
        joinLines([
          sh`todo=`,
          sh`for p in ${[...KUBERNETES_PACKAGES]}; do case "$(dpkg-query -W -f '\${Status} \${Version}' "$p" 2>/dev/null)" in *" ok installed "${prefix}*) ;; *) todo=yes ;; esac; done`,
          sh`if [ -n "$todo" ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${pins}; fi`,
        ]),
      ),
      run(
        sh`for p in ${[...KUBERNETES_PACKAGES]}; do case "$(dpkg-query -W -f '\${Status}' "$p")" in "hold "*) ;; *) apt-mark hold "$p" || exit 1 ;; esac; done`,
      ),
      run(sh`systemctl is-enabled -q kubelet.service || systemctl enable kubelet.service`),
    ],
    check: check(
      joinLines([
        ...KUBERNETES_PACKAGES.map((p) =>
          joinLines([
            status(p),
            sh`case "$s" in "hold ok installed "${prefix}*) ;; *" ok installed "${prefix}*) echo ${`${p} ${shown} is installed but not held`}; exit 1 ;; *" ok installed "*) echo ${`${p} is installed at version`} "\${s##* }", ${`not ${shown}`}; exit 1 ;; *) echo ${`${p} is not installed`}; exit 1 ;; esac`,
          ]),
        ),
        sh`if ! systemctl is-enabled -q kubelet.service 2>/dev/null; then echo "the kubelet is not enabled"; exit 1; fi`,
        sh`echo ${`kubelet, kubeadm and kubectl ${shown} are installed and held`}`,
      ]),
    ),
  }
}

/** openSUSE's versioned Kubernetes packages of a minor (kubernetes1.32.spec): name → its binary. */
export const openSuseKubernetesPackages = (minor: string): readonly (readonly [string, string])[] => [
  [`kubernetes${minor}-kubeadm`, 'kubeadm'],
  [`kubernetes${minor}-kubelet`, 'kubelet'],
  [`kubernetes${minor}-client`, 'kubectl'],
]

/**
 * openSUSE's CRI-O and the subpackage that makes it kubeadm's runtime (it Provides
 * kubernetes-kubeadm-criconfig, which kubernetes1.xx-kubeadm Requires, and writes
 * /etc/sysconfig/kubelet with `--cgroup-driver=systemd`).
 */
export const CRIO_PACKAGES: readonly (readonly [string, string | undefined])[] = [
  ['cri-o', 'crio'],
  ['cri-o-kubeadm-criconfig', undefined],
]

/**
 * MicroOS: everything from openSUSE's own repositories (repo-oss, configured and trusted on every
 * MicroOS), so no repository step and no key import: cri-o and kubeadm/kubelet/kubectl as openSUSE
 * ships them, in ONE transaction, so that one reboot makes runtime and packages live together.
 * The Kubernetes packages are pinned to the plan's patch (`name=1.32.4` matches any release);
 * cri-o takes what the repository has. openSUSE's kubeadm defaults its images to
 * registry.opensuse.org/kubic: the cluster's kubeadm configuration must name imageRepository.
 */
function microOsSteps(ctx: Parameters<Recipe['steps']>[0]): Step[] {
  const version = pinnedVersion(ctx.kubernetes)
  const { minor, patch } = ctx.kubernetes
  const kube = openSuseKubernetesPackages(minor)
  const pins = [...CRIO_PACKAGES.map(([p]) => p), ...kube.map(([p]) => (patch ? `${p}=${patch}` : p))]
  const note = pins.join(' ')
  // rpm -q prints name-version-release.arch: the Kubernetes ones must be this version; each
  // package's binary must be on PATH. The last package missing names the reason.
  const live = joinLines([
    sh`live=yes`,
    ...CRIO_PACKAGES.map(
      ([p, bin]) =>
        sh`case "$(rpm -q ${p} 2>/dev/null)" in ${`${p}-`}[0-9]*) ${bin ? sh`command -v ${bin} >/dev/null 2>&1 || { why=${`${p} is installed but ${bin} is not on PATH`}; live=no; }` : sh`:`} ;; *) why=${`${p} is not installed in the running system`}; live=no ;; esac`,
    ),
    ...kube.map(
      ([p, bin]) =>
        sh`case "$(rpm -q ${p} 2>/dev/null)" in ${patch ? `${p}-${patch}-` : `${p}-${minor}.`}*) command -v ${bin} >/dev/null 2>&1 || { why=${`${p} is installed but ${bin} is not on PATH`}; live=no; } ;; *) why=${`${p} ${version} is not installed in the running system`}; live=no ;; esac`,
    ),
  ])
  const what = `cri-o, kubeadm, kubelet and kubectl ${version}`
  const install: Step = {
    id: stepId(ctx, 'packages'),
    hostId: ctx.host.id,
    kind: 'packages',
    title: `Install ${what} from openSUSE in one new snapshot (transactional-update)`,
    deps: [],
    timeoutMs: INSTALL_TIMEOUT_MS,
    actions: [
      // Nothing when the packages are live already: a second run starts no transaction.
      run(
        joinLines([
          live,
          sh`if [ "$live" = yes ]; then exit 0; fi`,
          sh`transactional-update --no-selfupdate -n -d -c pkg install ${pins} || exit 1`,
          sh`note="$(cat /proc/sys/kernel/random/boot_id) "${note}`,
          sh`if [ "$(cat ${TRANSACTION_NOTE} 2>/dev/null)" != "$note" ]; then mkdir -p ${TRANSACTION_NOTE.slice(0, TRANSACTION_NOTE.lastIndexOf('/'))} && printf '%s\\n' "$note" > ${TRANSACTION_NOTE}; fi`,
        ]),
      ),
    ],
    check: check(
      joinLines([
        live,
        sh`if [ "$live" = yes ]; then echo ${`${what} are installed and live`}; exit 0; fi`,
        sh`if [ "$(cat ${TRANSACTION_NOTE} 2>/dev/null)" = "$(cat /proc/sys/kernel/random/boot_id) "${note} ]; then echo "installed in a new snapshot, live after the next reboot"; exit 0; fi`,
        sh`echo "$why"; exit 1`,
      ]),
    ),
  }
  // The verify of the reboot is the live system only: packages in a snapshot that was never
  // booted (the k3sup#384 failure) fail it, whatever the transaction's note says.
  const reboot: Step = {
    id: stepId(ctx, 'packages', 'reboot'),
    hostId: ctx.host.id,
    kind: 'reboot',
    title: 'Reboot into the new snapshot, so cri-o and the Kubernetes packages are live',
    deps: [install.id],
    actions: [run(REBOOT_COMMAND)],
    check: check(
      joinLines([
        live,
        sh`if [ "$live" = yes ]; then echo ${`${what} are live`}; exit 0; fi`,
        sh`echo "$why: the snapshot with the packages is not the booted one"; exit 1`,
      ]),
    ),
  }
  const kubelet: Step = {
    id: stepId(ctx, 'packages', 'kubelet'),
    hostId: ctx.host.id,
    kind: 'packages',
    title: 'Enable the kubelet (kubeadm starts it)',
    deps: [reboot.id],
    actions: [run(sh`systemctl is-enabled -q kubelet.service || systemctl enable kubelet.service`)],
    check: check(
      sh`if systemctl is-enabled -q kubelet.service 2>/dev/null; then echo "the kubelet is enabled"; else echo "the kubelet is not enabled"; exit 1; fi`,
    ),
  }
  return [install, reboot, kubelet]
}
