/**
 * What the prepare recipes share: which OS family a host is, and small builders for actions and
 * checks. A check is ONE read-only shell script run as the login user (a Pi's sudo asks for a
 * password, so nothing here needs it): exit 0 = done, 1 = to do, the reason on stdout's first line.
 */
import type { HostIdentification } from '../../../../shared/types'
import { sh, type ShellCommand } from '../../ssh/shell-command'
import type { RecipeContext, StepAction, StepCheck } from '../step'

/** Debian and its derivatives (apt, systemd): Raspberry Pi OS, Debian, Ubuntu. */
export function isDebianLike(facts: HostIdentification): boolean {
  return facts.os.family === 'raspios' || facts.os.family === 'debian' || facts.os.family === 'ubuntu'
}

export function isMicroOs(facts: HostIdentification): boolean {
  return facts.os.family === 'microos'
}

/** The families the recipes know; anything else gets no prepare steps (the validator blocks it). */
export function isKnownFamily(facts: HostIdentification): boolean {
  return isDebianLike(facts) || isMicroOs(facts)
}

/**
 * Whether the host runs Kubernetes (a node of any role), as opposed to being only the HAProxy
 * endpoint: a load balancer needs neither swap off, nor bridge netfilter, nor the Kubernetes
 * package repository, and the plan must not change a machine for nothing.
 */
export function runsKubernetes(ctx: Pick<RecipeContext, 'roles'>): boolean {
  return ctx.roles.some((role) => role !== 'haproxy')
}

/**
 * Raspberry Pi OS's Debian release (os-release VERSION_ID: 12 bookworm, 13 trixie). Swap is managed
 * by dphys-swapfile up to 12 and by rpi-swap from 13 on (domain.md §6).
 */
export function raspiosRelease(facts: HostIdentification): number {
  const major = Number.parseInt(facts.os.versionId, 10)
  return Number.isFinite(major) ? major : 0
}

/** A command the step runs, as root unless told otherwise. */
export function run(command: ShellCommand, sudo = true): StepAction {
  return { type: 'run', command, sudo }
}

/** A root-owned text file the step writes (the runner skips it when it is already so). */
export function writeText(path: string, text: string, mode = 0o644): StepAction {
  return { type: 'write', path, mode, owner: 'root:root', content: { text } }
}

/** A read-only check run as the login user. */
export function check(command: ShellCommand): StepCheck {
  return { command, sudo: false }
}

/** The lines of one script, each already built with `sh`. */
export function joinLines(lines: readonly ShellCommand[]): ShellCommand {
  return lines.reduce((script, line) => sh`${script}\n${line}`)
}

/**
 * How long a step that downloads and installs packages may take (its actions and verify): apt or a
 * transactional-update fetching a few hundred MB on a Pi over Wi-Fi, not a quick edit.
 */
export const INSTALL_TIMEOUT_MS = 20 * 60_000

/**
 * The CRI endpoint of the runtime the recipes install on this host (kubeadm's
 * nodeRegistration.criSocket, the kubelet's --container-runtime-endpoint): containerd's on the
 * Debian family (runtime.ts), cri-o's on MicroOS (its listen default, kept by openSUSE's
 * configuration and Flotilla's drop-in). kubeadm 1.32 would detect either when it is the only
 * one, but fails when it finds several: naming it is never wrong.
 */
export function criSocket(facts: HostIdentification): string {
  return isMicroOs(facts) ? 'unix:///var/run/crio/crio.sock' : 'unix:///run/containerd/containerd.sock'
}
