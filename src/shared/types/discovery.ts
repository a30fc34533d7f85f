/** What mDNS and SSH tell Flotilla about a machine before and after it logs in. */

/** What a host probably is, guessed from mDNS alone (before any login). */
export interface DiscoveryHints {
  /** A Raspberry Pi, by MAC OUI, advertised model or host name. */
  raspberryPi: boolean
  /** openSUSE MicroOS, by host name or TXT record. */
  microOs: boolean
  /** Model from `_device-info._tcp` (TXT `model=`), when advertised. */
  model?: string
  /** Why, one sentence each, e.g. "MAC DC:A6:32:… belongs to Raspberry Pi Trading Ltd". */
  reasons: string[]
}

/** One advertised service of a discovered machine. */
export interface DiscoveredService {
  /** e.g. "_workstation._tcp". */
  type: string
  /** Instance name as advertised. */
  name: string
  port: number
}

/** Whether a discovered machine still answers mDNS. */
export type Presence = 'live' | 'stale' | 'gone'

/** A machine as mDNS shows it: services and addresses merged into one record. */
export interface HostDiscovery {
  /** `mac:<mac>` when the MAC is known, else `host:<hostname>@<address>`. */
  key: string
  /** mDNS host name without `.local`. */
  hostname: string
  mac?: string
  /** IPv4 addresses, the first one preferred. */
  addresses: string[]
  services: DiscoveredService[]
  /** SSH port from `_ssh._tcp` / `_sftp-ssh._tcp`, when advertised. */
  sshPort?: number
  hints: DiscoveryHints
  presence: Presence
  firstSeenAt: string
  lastSeenAt: string
  /** Does the SSH port accept a TCP connection (the announced port; checked again when it changes)? */
  sshReachable?: boolean
  /** Why SSH is not reachable, as a sentence. */
  sshReason?: string
}

/** How bad one readiness finding is; `unchecked`: Flotilla could not look (e.g. needs sudo). */
export type ReadinessSeverity = 'blocking' | 'fixable' | 'warning' | 'unchecked'

/** One finding of the readiness check, in words a person understands. */
export interface ReadinessReason {
  /** Stable identifier, e.g. "ram-low", "swap-on", "duplicate-machine-id". */
  code: string
  severity: ReadinessSeverity
  /** e.g. "swap is on: Flotilla will turn it off". */
  message: string
}

export type ClusterRole = 'control-plane' | 'worker' | 'haproxy'

/**
 * Verdict for one role: ready, ready after Flotilla fixes things, blocked, or unchecked (nothing
 * blocks, but something could not be looked at: neither ready nor blocked until it is).
 */
export interface RoleReadiness {
  role: ClusterRole
  verdict: 'ready' | 'fixable' | 'blocked' | 'unchecked'
  reasons: ReadinessReason[]
}

export type OsFamily = 'raspios' | 'debian' | 'ubuntu' | 'microos' | 'other'

/** What one SSH round trip found out about a host. */
export interface HostIdentification {
  /** ISO timestamp of the probe. */
  at: string
  os: { id: string; versionId: string; prettyName: string; family: OsFamily; supported: boolean; reason?: string }
  arch: string
  kernel: string
  /** Raspberry Pi model string, e.g. "Raspberry Pi 5 Model B Rev 1.0"; absent on PCs. */
  model?: string
  cpus: number
  memoryMiB: number
  /** Free space on `/`. */
  diskFreeMiB: number
  swap: { on: boolean; totalMiB: number; devices: string[] }
  /** `needs-cmdline`: a Pi whose firmware cmdline.txt lacks the memory cgroup flags. */
  memoryCgroup: 'enabled' | 'disabled' | 'needs-cmdline'
  /** Path of the firmware kernel command line (`/boot/firmware/cmdline.txt`), when there is one. */
  firmwareCmdline?: string
  /** Container runtimes and Kubernetes binaries found (e.g. "containerd", "k3s"). */
  runtimes: string[]
  /** Remote clock minus this computer's clock, in milliseconds (± half the round trip). */
  clockOffsetMs: number
  /** Paths and processes left by an old cluster. */
  leftovers: string[]
  /** Directories that may hold leftovers but could not be read: reading them needs sudo. */
  leftoversUnchecked?: string[]
  /** Kubernetes-relevant TCP ports something already listens on. */
  portsInUse: number[]
  machineId: string
  hostname: string
  readiness: RoleReadiness[]
  /** The host's network interfaces (loopback left out); absent in identifications made before it was probed. */
  interfaces?: NetworkInterface[]
}

/** One network interface as the probe saw it. */
export interface NetworkInterface {
  /** e.g. "eth0". */
  name: string
  /** Lower-case, colon-separated; absent when the interface has none (e.g. a tunnel). */
  mac?: string
  addresses: InterfaceAddress[]
}

/** One address of an interface, with its network's prefix length. */
export interface InterfaceAddress {
  family: 'ipv4' | 'ipv6'
  address: string
  prefix: number
  /**
   * Leased (DHCP, SLAAC: the kernel holds a finite lifetime and `ip` prints "dynamic"); it may
   * change when the lease ends. Absent when the probe could not tell (no `ip` on the host).
   */
  dynamic?: boolean
}

/** Result of probing one host. */
export type ProbeResult =
  | { hostId: string; ok: true; identification: HostIdentification }
  | { hostId: string; ok: false; error: { code: string; message: string } }

/** What a scan found. */
export interface DiscoveryScanResult {
  /** Inventory ids of the hosts seen during the scan. */
  hostIds: string[]
  /** Milliseconds the scan ran. */
  durationMs: number
  /** Interface addresses browsed on. */
  interfaces: string[]
}

/** What the user gives a discovered host to make it a normal one. */
export interface AdoptInput {
  user: string
  port?: number
  label?: string
}
