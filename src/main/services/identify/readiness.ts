import type { ClusterRole, HostIdentification, ReadinessReason, RoleReadiness } from '../../../shared/types'

/** Another host's identity, to spot clones (same machine-id: a copied SD card image). */
export interface Peer {
  name: string
  machineId: string
}

/** Minimums per role (kubeadm: 2 GB and 2 CPUs for a control plane; domain.md §6). */
const MIN_MIB: Record<ClusterRole, number> = { 'control-plane': 1800, worker: 900, haproxy: 200 }
const MIN_LABEL: Record<ClusterRole, string> = { 'control-plane': '2 GB', worker: '1 GB', haproxy: '256 MB' }
const ROLE_NAME: Record<ClusterRole, string> = {
  'control-plane': 'a control plane',
  worker: 'a worker',
  haproxy: 'the HAProxy endpoint',
}
const PORTS: Record<ClusterRole, number[]> = {
  'control-plane': [6443, 2379, 2380, 10250],
  worker: [10250],
  haproxy: [6443, 8404],
}
const CLOCK_TOLERANCE_MS = 2000
const LOW_DISK_MIB = 8 * 1024

function gb(mib: number): string {
  return mib >= 1024 ? `${(mib / 1024).toFixed(1).replace(/\.0$/, '')} GB` : `${mib} MB`
}

/** Findings for one role, each a sentence with its severity. */
export function reasonsFor(
  role: ClusterRole,
  id: Omit<HostIdentification, 'readiness'>,
  peers: Peer[],
): ReadinessReason[] {
  const out: ReadinessReason[] = []
  const add = (code: string, severity: ReadinessReason['severity'], message: string) =>
    out.push({ code, severity, message })
  if (role === 'haproxy') {
    // A load balancer runs no Kubernetes: any CPU and any OS whose own repositories carry HAProxy.
    const lacking = haproxyFromRepos(id.os)
    if (lacking) add('haproxy-unavailable', 'blocking', lacking)
  } else {
    if (!id.os.supported) add('os-unsupported', 'blocking', id.os.reason ?? `${id.os.prettyName} is not supported`)
    if (id.arch !== 'aarch64' && id.arch !== 'x86_64' && id.arch !== 'arm64') {
      add(
        'arch-unsupported',
        'blocking',
        `${id.arch || 'unknown'} CPU: Kubernetes needs a 64-bit OS (aarch64 or x86_64)`,
      )
    }
  }
  if (id.memoryMiB < MIN_MIB[role]) {
    add(
      'ram-low',
      'blocking',
      `${gb(id.memoryMiB)} RAM: too little for ${ROLE_NAME[role]} (${MIN_LABEL[role]} minimum)`,
    )
  }
  if (role === 'control-plane' && id.cpus < 2) {
    add('cpus-low', 'blocking', `${id.cpus} CPU: too few for a control plane (2 minimum)`)
  }
  for (const port of PORTS[role].filter((p) => id.portsInUse.includes(p))) {
    add('port-in-use', 'blocking', `port ${port} is already in use: stop what listens there first`)
  }
  const clone = peers.find((p) => p.machineId && p.machineId === id.machineId)
  if (clone) {
    add(
      'duplicate-machine-id',
      'blocking',
      `duplicate machine-id with ${clone.name}: regenerate it (a cloned SD card?)`,
    )
  }
  if (role !== 'haproxy') {
    if (id.leftovers.length > 0) {
      add('leftovers', 'blocking', `leftovers of an old cluster (${id.leftovers.join(', ')}): reset first`)
    }
    const unchecked = id.leftoversUnchecked ?? []
    if (unchecked.length > 0) {
      add(
        'leftovers-unchecked',
        'unchecked',
        `could not check ${unchecked.join(', ')} for leftovers of an old cluster (needs sudo): give the sudo password, then identify again`,
      )
    }
    if (id.swap.on) add('swap-on', 'fixable', 'swap is on: Flotilla will turn it off')
    if (id.memoryCgroup === 'needs-cmdline') {
      add(
        'memory-cgroup',
        'fixable',
        `memory cgroup disabled: Flotilla will add it to ${id.firmwareCmdline ?? '/boot/firmware/cmdline.txt'} and reboot`,
      )
    } else if (id.memoryCgroup === 'disabled') {
      add('memory-cgroup', 'blocking', 'memory cgroup disabled by the kernel: Kubernetes cannot limit memory here')
    }
    if (id.diskFreeMiB > 0 && id.diskFreeMiB < LOW_DISK_MIB) {
      add('disk-low', 'warning', `${gb(id.diskFreeMiB)} free on /: images and etcd need room (8 GB or more)`)
    }
  }
  if (Number.isFinite(id.clockOffsetMs) && Math.abs(id.clockOffsetMs) > CLOCK_TOLERANCE_MS) {
    const s = (Math.abs(id.clockOffsetMs) / 1000).toFixed(1)
    add(
      'clock-offset',
      'fixable',
      `clock is ${s} s ${id.clockOffsetMs > 0 ? 'ahead of' : 'behind'} this computer: Flotilla will turn on time sync`,
    )
  }
  return out
}

/**
 * HAProxy 2.0 or newer from the OS's own repositories, judged by OS and version (no repository is
 * asked): Debian and Raspberry Pi OS 10 and Ubuntu 18.04 ship 1.8; Debian 11 ships 2.2, Ubuntu
 * 20.04 2.0; MicroOS follows Tumbleweed. Undefined when it is installable, else why not.
 */
export function haproxyFromRepos(os: HostIdentification['os']): string | undefined {
  const major = parseInt(os.versionId, 10)
  switch (os.family) {
    case 'microos':
      return undefined
    case 'debian':
    case 'raspios':
      return major < 11
        ? `${os.prettyName} ships HAProxy 1.8: the endpoint needs HAProxy 2.0 or newer (Debian 11 or newer)`
        : undefined
    case 'ubuntu':
      return major < 20
        ? `${os.prettyName} ships HAProxy 1.8: the endpoint needs HAProxy 2.0 or newer (Ubuntu 20.04 or newer)`
        : undefined
    default:
      return `${os.prettyName}: Flotilla installs HAProxy only on Raspberry Pi OS, Debian, Ubuntu and openSUSE MicroOS`
  }
}

/**
 * Verdict per role: blocked if anything blocks; unchecked if something could not be looked at;
 * fixable if Flotilla can fix all; else ready.
 */
export function readiness(id: Omit<HostIdentification, 'readiness'>, peers: Peer[]): RoleReadiness[] {
  return (['control-plane', 'worker', 'haproxy'] as const).map((role) => {
    const reasons = reasonsFor(role, id, peers)
    const has = (severity: ReadinessReason['severity']) => reasons.some((r) => r.severity === severity)
    const verdict = has('blocking') ? 'blocked' : has('unchecked') ? 'unchecked' : has('fixable') ? 'fixable' : 'ready'
    return { role, verdict, reasons }
  })
}
