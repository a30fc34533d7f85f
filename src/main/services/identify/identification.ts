import type { HostIdentification, OsFamily } from '../../../shared/types'
import type { ProbeFacts } from './probe-output'

const SUPPORTED = 'Flotilla supports Raspberry Pi OS, Debian, Ubuntu and openSUSE MicroOS'

/** OS family and whether Flotilla can build on it, with the reason when not. */
export function classifyOs(facts: ProbeFacts): HostIdentification['os'] {
  const r = facts.osRelease
  const id = (r.ID ?? '').toLowerCase()
  const versionId = r.VERSION_ID ?? ''
  const prettyName = r.PRETTY_NAME ?? (r.NAME ? `${r.NAME} ${versionId}`.trim() : 'unknown OS')
  const major = parseInt(versionId, 10)
  const base = { id, versionId, prettyName }
  let family: OsFamily = 'other'
  if (id === 'opensuse-microos') family = 'microos'
  else if ((id === 'debian' || id === 'raspbian') && (facts.rpiIssue || id === 'raspbian')) family = 'raspios'
  else if (id === 'debian') family = 'debian'
  else if (id === 'ubuntu') family = 'ubuntu'
  if (family === 'other') {
    return { ...base, family, supported: false, reason: `${prettyName} is not supported: ${SUPPORTED}.` }
  }
  if ((family === 'debian' || family === 'raspios') && major < 12) {
    return { ...base, family, supported: false, reason: `${prettyName} is too old: Debian 12 (bookworm) or newer.` }
  }
  if (family === 'ubuntu' && major < 22) {
    return { ...base, family, supported: false, reason: `${prettyName} is too old: Ubuntu 22.04 or newer.` }
  }
  return { ...base, family, supported: true }
}

/**
 * Memory cgroup, judged by the running kernel first: cgroup v2's root controllers, else cgroup v1's
 * /proc/cgroups, and a `cgroup_disable=memory` on /proc/cmdline not undone by a later
 * `cgroup_enable=memory`. Newer Raspberry Pi kernels enable the controller by default, so a Pi's
 * cmdline.txt without the flag is fine when the kernel has it. Only when the controller is really
 * missing does a Pi booting through cmdline.txt get `needs-cmdline` (Flotilla adds the flag and
 * reboots; domain.md §6). When the kernel's view cannot be read, a Pi without the flag is assumed
 * to need it (older Pi kernels disabled the controller unless told).
 */
export function memoryCgroup(facts: ProbeFacts): HostIdentification['memoryCgroup'] {
  const words = facts.cmdline.split(/\s+/)
  const disabledAt = words.lastIndexOf('cgroup_disable=memory')
  const enabledAt = words.lastIndexOf('cgroup_enable=memory')
  const missing = (): HostIdentification['memoryCgroup'] => (facts.firmwareCmdline ? 'needs-cmdline' : 'disabled')
  if (disabledAt > enabledAt) return missing()
  const kernelHas =
    facts.cgroupControllers.length > 0 ? facts.cgroupControllers.includes('memory') : facts.cgroupsMemoryEnabled
  if (kernelHas === true) return 'enabled'
  if (kernelHas === false) return missing()
  if (facts.firmwareCmdline && facts.model?.startsWith('Raspberry Pi') && enabledAt < 0) return 'needs-cmdline'
  return 'enabled'
}

/** Everything but the readiness verdicts (those need the other hosts, see readiness.ts). */
export function identify(facts: ProbeFacts, at: Date, clockOffsetMs: number): Omit<HostIdentification, 'readiness'> {
  const leftovers = [...facts.leftoverPaths, ...facts.processes.map((p) => `running ${p}`)]
  return {
    at: at.toISOString(),
    os: classifyOs(facts),
    arch: facts.arch,
    kernel: facts.kernel,
    ...(facts.model?.startsWith('Raspberry Pi') ? { model: facts.model } : {}),
    cpus: facts.cpus,
    memoryMiB: Math.round(facts.memoryKiB / 1024),
    diskFreeMiB: Math.round(facts.diskFreeKiB / 1024),
    swap: {
      on: facts.swapKiB > 0 || facts.swapDevices.length > 0,
      totalMiB: Math.round(facts.swapKiB / 1024),
      devices: facts.swapDevices,
    },
    memoryCgroup: memoryCgroup(facts),
    ...(facts.firmwareCmdline ? { firmwareCmdline: facts.firmwareCmdline } : {}),
    runtimes: facts.runtimes,
    clockOffsetMs,
    leftovers,
    leftoversUnchecked: facts.uncheckedPaths,
    portsInUse: facts.listeningPorts,
    machineId: facts.machineId,
    hostname: facts.hostname,
    // Absent rather than empty when nothing was found: the validator then falls back to the address.
    ...(facts.interfaces.length > 0 ? { interfaces: facts.interfaces } : {}),
  }
}
