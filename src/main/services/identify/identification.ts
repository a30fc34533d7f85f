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
 * Memory cgroup: a Pi booting through its firmware cmdline.txt needs `cgroup_enable=memory`
 * (domain.md §6); elsewhere the kernel's own view decides (cgroup v2 controllers, else v1).
 */
export function memoryCgroup(facts: ProbeFacts): HostIdentification['memoryCgroup'] {
  const words = facts.cmdline.split(/\s+/)
  const disabledAt = words.lastIndexOf('cgroup_disable=memory')
  const enabledAt = words.lastIndexOf('cgroup_enable=memory')
  if (disabledAt > enabledAt) return facts.firmwareCmdline ? 'needs-cmdline' : 'disabled'
  if (facts.firmwareCmdline && facts.model?.startsWith('Raspberry Pi') && enabledAt < 0) return 'needs-cmdline'
  if (facts.cgroupControllers.length > 0) return facts.cgroupControllers.includes('memory') ? 'enabled' : 'disabled'
  if (facts.cgroupsMemoryEnabled !== undefined) return facts.cgroupsMemoryEnabled ? 'enabled' : 'disabled'
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
    portsInUse: facts.listeningPorts,
    machineId: facts.machineId,
    hostname: facts.hostname,
  }
}
