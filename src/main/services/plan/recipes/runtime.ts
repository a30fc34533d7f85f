/**
 * The container runtime on Debian, Ubuntu and Raspberry Pi OS: containerd, configured the way
 * kubeadm needs it (domain-engine.md §2).
 *
 * Which containerd: Docker's `containerd.io`, from Docker's apt repository with its key
 * (docs.docker.com's Debian/Ubuntu instructions; 64-bit Raspberry Pi OS uses the Debian one).
 * Debian's own `containerd` is 1.6.20 on bookworm, below the 1.6.36 containerd recommends for
 * Kubernetes 1.32, and its default CNI directory is patched to /usr/lib/cni, where neither Calico
 * nor flannel put their plugins; Raspberry Pi OS takes it from the same archive. containerd.io
 * carries its own runc and declares Conflicts/Replaces containerd, runc, so apt swaps a Debian
 * containerd out for it.
 *
 * containerd.io ships a config.toml with `disabled_plugins = ["cri"]` (it is made for Docker), so
 * the config is regenerated from `containerd config default` with `SystemdCgroup = true` (kubeadm
 * defaults the kubelet to the systemd cgroup driver since 1.22: both must agree) and the sandbox
 * (pause) image kubeadm of this minor expects, written and containerd restarted ONLY when the text
 * differs, so a second run neither touches the file nor restarts the runtime under running pods.
 * `apt-get update` runs only when containerd.io is not installed yet: it rewrites apt's lists.
 *
 * MicroOS: cri-o, openSUSE's, installed by the packages step in the same transaction as kubeadm
 * and the kubelet (one snapshot, one reboot: packages.ts). This step runs after that reboot, in
 * the booted snapshot: a drop-in /etc/crio/crio.conf.d/50-flotilla.conf (/etc is writable on
 * MicroOS; written after the reboot so no pending snapshot can miss it) with cgroup_manager
 * "systemd" (the kubelet's driver, also what cri-o-kubeadm-criconfig's /etc/sysconfig/kubelet
 * passes) and the pause image of registry.k8s.io that kubeadm of this minor uses (openSUSE's
 * default names registry.opensuse.org/kubic, which kubeadm's preflight warns about as inconsistent once the
 * cluster's imageRepository is registry.k8s.io); crio restarted only when the drop-in changed,
 * then enabled and started.
 */
import type { HostIdentification } from '../../../../shared/types'
import { sh } from '../../ssh/shell-command'
import { stepId, type Recipe, type Step } from '../step'
import { check, INSTALL_TIMEOUT_MS, isDebianLike, isMicroOs, joinLines, run, runsKubernetes } from './common'

export const CONTAINERD_CONFIG = '/etc/containerd/config.toml'
export const DOCKER_KEYRING = '/etc/apt/keyrings/docker.asc'
export const DOCKER_SOURCE = '/etc/apt/sources.list.d/docker.list'
export const CRIO_DROP_IN = '/etc/crio/crio.conf.d/50-flotilla.conf'

/**
 * The pause image kubeadm of each minor pulls and checks the runtime's sandbox image against
 * (`kubeadm config images list`; cmd/kubeadm/app/constants PauseVersion). An unknown minor keeps
 * containerd's default, and kubeadm's preflight then only warns.
 */
export const PAUSE_VERSIONS: Readonly<Record<string, string>> = {
  '1.29': '3.9',
  '1.30': '3.9',
  '1.31': '3.10',
  '1.32': '3.10',
  '1.33': '3.10',
}

export function sandboxImage(minor: string): string | undefined {
  const version = PAUSE_VERSIONS[minor]
  return version ? `registry.k8s.io/pause:${version}` : undefined
}

/** Docker's repository for the host's distribution: Ubuntu has its own, Debian serves Pi OS too. */
export function dockerRepositoryUrl(facts: HostIdentification): string {
  return `https://download.docker.com/linux/${facts.os.family === 'ubuntu' ? 'ubuntu' : 'debian'}`
}

/**
 * Docker's source line, computed on the host as Docker's guide does: the dpkg architecture (a Pi
 * with a 64-bit kernel may run a 32-bit userland) and the release's codename from os-release.
 */
const dockerLine = (facts: HostIdentification) =>
  sh`line="deb [arch=$(dpkg --print-architecture) signed-by=${DOCKER_KEYRING}] ${dockerRepositoryUrl(facts)} $(. /etc/os-release && echo "$VERSION_CODENAME") stable"`

export const runtimeRecipe: Recipe = {
  name: 'runtime',
  kind: 'runtime',
  steps(ctx) {
    const { facts } = ctx
    if (!runsKubernetes(ctx)) return []
    if (isMicroOs(facts)) return [crioStep(ctx)]
    if (!isDebianLike(facts)) return []
    const image = sandboxImage(ctx.kubernetes.minor)
    // containerd 1.x (config version 2) names it sandbox_image, 2.x (version 3) `sandbox` under pinned_images.
    const edits = [
      sh`-e 's/SystemdCgroup = false/SystemdCgroup = true/'`,
      ...(image
        ? [
            sh`-e ${`s#^\\([[:space:]]*\\)sandbox_image = .*#\\1sandbox_image = "${image}"#`}`,
            sh`-e ${`s#^\\([[:space:]]*\\)sandbox = .*#\\1sandbox = '${image}'#`}`,
          ]
        : []),
    ].reduce((all, edit) => sh`${all} ${edit}`)
    return [
      {
        id: stepId(ctx, 'runtime'),
        hostId: ctx.host.id,
        kind: 'runtime',
        title: `Install containerd (Docker's containerd.io) with SystemdCgroup = true${image ? ` and ${image}` : ''}`,
        deps: [],
        timeoutMs: INSTALL_TIMEOUT_MS,
        actions: [
          run(sh`install -m 0755 -d /etc/apt/keyrings`),
          run(
            sh`if [ ! -s ${DOCKER_KEYRING} ]; then curl -fsSL ${`${dockerRepositoryUrl(facts)}/gpg`} -o ${DOCKER_KEYRING} && chmod a+r ${DOCKER_KEYRING}; fi`,
          ),
          run(
            sh`${dockerLine(facts)}; if [ "$(cat ${DOCKER_SOURCE} 2>/dev/null)" != "$line" ]; then printf '%s\\n' "$line" > ${DOCKER_SOURCE}; fi`,
          ),
          run(
            sh`if ! dpkg-query -W -f '\${Status}' containerd.io 2>/dev/null | grep -q 'ok installed'; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y containerd.io; fi`,
          ),
          run(
            joinLines([
              sh`new=$(mktemp) || exit 1`,
              sh`if ! containerd config default | sed ${edits} > "$new" || ! grep -Eq '^[[:space:]]*SystemdCgroup = true' "$new"; then rm -f "$new"; echo "containerd config default gave no runc SystemdCgroup option to set" >&2; exit 1; fi`,
              sh`mkdir -p /etc/containerd`,
              sh`if cmp -s "$new" ${CONTAINERD_CONFIG}; then rm -f "$new"; exit 0; fi`,
              sh`install -m 0644 -o root -g root "$new" ${CONTAINERD_CONFIG} && rm -f "$new" && systemctl restart containerd.service`,
            ]),
          ),
          run(
            sh`systemctl is-enabled -q containerd.service || systemctl enable containerd.service; systemctl is-active -q containerd.service || systemctl start containerd.service`,
          ),
        ],
        check: check(
          joinLines([
            sh`f=${CONTAINERD_CONFIG}`,
            sh`if ! command -v containerd >/dev/null 2>&1; then echo "containerd is not installed"; exit 1; fi`,
            sh`if [ ! -r "$f" ]; then echo "$f is missing"; exit 1; fi`,
            sh`if grep -Eq '^[[:space:]]*disabled_plugins[[:space:]]*=.*"(cri|io[.]containerd[.]grpc[.]v1[.]cri)"' "$f"; then echo "$f disables containerd's CRI plugin"; exit 1; fi`,
            sh`if ! grep -Eq '^[[:space:]]*SystemdCgroup[[:space:]]*=[[:space:]]*true[[:space:]]*$' "$f"; then echo "$f does not set SystemdCgroup = true"; exit 1; fi`,
            ...(image
              ? [
                  sh`if ! grep -Eq ${`^[[:space:]]*(sandbox_image|sandbox)[[:space:]]*=[[:space:]]*["']${image.replaceAll('.', '[.]')}["']`} "$f"; then echo ${`${CONTAINERD_CONFIG} does not use the sandbox image ${image}`}; exit 1; fi`,
                ]
              : []),
            sh`if ! systemctl is-enabled -q containerd.service 2>/dev/null; then echo "containerd is not enabled"; exit 1; fi`,
            sh`if ! systemctl is-active -q containerd.service 2>/dev/null; then echo "containerd is not running"; exit 1; fi`,
            sh`echo "containerd runs with its CRI plugin and SystemdCgroup = true"`,
          ]),
        ),
      },
    ]
  },
}

/** The drop-in's text: what Flotilla needs of cri-o, on top of openSUSE's 00-default.conf. */
export function crioDropIn(minor: string): string {
  const image = sandboxImage(minor)
  return [
    '# Written by Flotilla: the kubelet uses the systemd cgroup driver; the pause image kubeadm uses.',
    '[crio.runtime]',
    'cgroup_manager = "systemd"',
    ...(image ? ['', '[crio.image]', `pause_image = "${image}"`] : []),
    '',
  ].join('\n')
}

function crioStep(ctx: Parameters<Recipe['steps']>[0]): Step {
  const text = crioDropIn(ctx.kubernetes.minor)
  return {
    id: stepId(ctx, 'runtime'),
    hostId: ctx.host.id,
    kind: 'runtime',
    title: `Configure and start cri-o (cgroup_manager systemd${sandboxImage(ctx.kubernetes.minor) ? `, ${sandboxImage(ctx.kubernetes.minor)}` : ''})`,
    deps: [stepId(ctx, 'packages', 'reboot')],
    actions: [
      run(sh`mkdir -p /etc/crio/crio.conf.d`),
      // Written and crio restarted only when the text differs: a second run touches nothing.
      run(
        sh`if [ "$(cat ${CRIO_DROP_IN} 2>/dev/null)" != ${text.trimEnd()} ]; then printf '%s\n' ${text.trimEnd()} > ${CRIO_DROP_IN} && chmod 0644 ${CRIO_DROP_IN} || exit 1; if systemctl is-active -q crio.service; then systemctl restart crio.service; fi; fi`,
      ),
      run(
        sh`systemctl is-enabled -q crio.service || systemctl enable crio.service; systemctl is-active -q crio.service || systemctl start crio.service`,
      ),
    ],
    check: check(
      joinLines([
        sh`if ! command -v crio >/dev/null 2>&1; then echo "cri-o is not installed in the running system"; exit 1; fi`,
        sh`if [ "$(cat ${CRIO_DROP_IN} 2>/dev/null)" != ${text.trimEnd()} ]; then echo ${`${CRIO_DROP_IN} does not set cri-o's cgroup manager and pause image`}; exit 1; fi`,
        sh`if ! systemctl is-enabled -q crio.service 2>/dev/null; then echo "cri-o is not enabled"; exit 1; fi`,
        sh`if ! systemctl is-active -q crio.service 2>/dev/null; then echo "cri-o is not running"; exit 1; fi`,
        sh`echo "cri-o runs with cgroup_manager systemd"`,
      ]),
    ),
  }
}
