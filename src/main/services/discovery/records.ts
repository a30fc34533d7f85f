import type { DiscoveredService, DiscoveryHints, HostDiscovery, Presence } from '../../../shared/types'
import { hintsFor, macFromWorkstationName } from './hints'

/** One service instance as read from an mDNS answer. */
export interface MdnsRecord {
  /** e.g. "_ssh._tcp". */
  type: string
  name: string
  /** Host name without ".local", lower case. */
  hostname: string
  port: number
  /** IPv4 addresses from the answer, else the responder's source address. */
  addresses: string[]
  mac?: string
  model?: string
  txtValues: string[]
}

/** The discovery service's working copy of one machine. */
export interface DiscoveryEntry {
  key: string
  hostname: string
  mac?: string
  addresses: string[]
  services: DiscoveredService[]
  sshPort?: number
  model?: string
  txtValues: string[]
  firstSeen: number
  lastSeen: number
  presence: Presence
  sshReachable?: boolean
  sshReason?: string
  /** "address:port" of the latest SSH port check; a new address or announced port checks again. */
  sshTarget?: string
  /** That check is still running. */
  sshChecking?: boolean
  /** When it ended (a refused port is asked again after a while: SSH may be switched on). */
  sshCheckedAt?: number
  /**
   * Hints as an earlier run saw them (an entry remembered from the host list, not heard yet in this
   * run: its model and TXT values were not kept). Dropped when it answers again.
   */
  knownHints?: DiscoveryHints
}

/** Caps that keep a flood of bogus answers from growing memory without bound. */
export const LIMITS = { entries: 256, servicesPerEntry: 16, addressesPerEntry: 8, txtValues: 32 } as const

/** Service types whose port is the SSH port. */
const SSH_TYPES = new Set(['_ssh._tcp', '_sftp-ssh._tcp'])

/** Minimal shape of a bonjour-service Service object (it comes from the network: trust nothing). */
export interface RawService {
  name?: unknown
  type?: unknown
  protocol?: unknown
  host?: unknown
  port?: unknown
  addresses?: unknown
  txt?: unknown
  referer?: { address?: unknown } | undefined
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

/**
 * Turns a parsed service into a record, or null when it is not plausible (bad host name, port,
 * or no usable address). `accept` filters addresses (e.g. to the interface's subnet).
 */
export function recordFrom(raw: RawService, accept: (address: string) => boolean): MdnsRecord | null {
  if (typeof raw.name !== 'string' || typeof raw.type !== 'string' || typeof raw.host !== 'string') return null
  const port = raw.port
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) return null
  const hostname = raw.host
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/\.local$/, '')
  if (!LABEL.test(hostname)) return null
  const protocol = raw.protocol === 'udp' ? 'udp' : 'tcp'
  const type = `_${raw.type}._${protocol}`
  const fromAnswer = Array.isArray(raw.addresses)
    ? raw.addresses.filter((a): a is string => typeof a === 'string' && IPV4.test(a) && accept(a))
    : []
  const source = raw.referer?.address
  // bonjour-service only sees A records in the same packet; the responder's source is the fallback.
  const addresses =
    fromAnswer.length > 0
      ? [...new Set(fromAnswer)].slice(0, LIMITS.addressesPerEntry)
      : typeof source === 'string' && IPV4.test(source) && accept(source)
        ? [source]
        : []
  if (addresses.length === 0) return null
  const txt = raw.txt && typeof raw.txt === 'object' ? (raw.txt as Record<string, unknown>) : {}
  const txtValues = Object.values(txt)
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.slice(0, 100).toLowerCase())
    .slice(0, LIMITS.txtValues)
  const model = type === '_device-info._tcp' && typeof txt.model === 'string' ? txt.model.slice(0, 100) : undefined
  const mac = type === '_workstation._tcp' ? macFromWorkstationName(raw.name) : undefined
  return {
    type,
    name: raw.name.slice(0, 100),
    hostname,
    port,
    addresses,
    ...(mac ? { mac } : {}),
    ...(model ? { model } : {}),
    txtValues,
  }
}

function overlaps(a: readonly string[], b: readonly string[]): boolean {
  return a.some((x) => b.includes(x))
}

/**
 * Folds a record into the entries: one entry per machine, keyed by MAC when known, else by host
 * name + address. Returns the entry touched, or null when the table is full (a flood).
 */
export function mergeRecord(
  entries: Map<string, DiscoveryEntry>,
  record: MdnsRecord,
  now: number,
): DiscoveryEntry | null {
  let entry = record.mac ? entries.get(`mac:${record.mac}`) : undefined
  if (!entry) {
    // Same machine, other service: same host name and a shared address (mDNS host names are unique
    // on a LAN; a renamed twin gets "-2", so a clash never merges two machines).
    entry = [...entries.values()].find(
      (e) =>
        e.hostname === record.hostname &&
        overlaps(e.addresses, record.addresses) &&
        (!record.mac || !e.mac || e.mac === record.mac),
    )
  }
  let moved = false
  if (!entry && !record.mac) {
    // A machine without a known MAC at a new address (new DHCP lease): the same mDNS host name is
    // the same machine (names are unique on a LAN at any one time), not a second one.
    entry = [...entries.values()].find((e) => e.hostname === record.hostname && !e.mac)
    moved = entry !== undefined
  }
  // Found by MAC at none of its known addresses: it moved too.
  if (entry && !moved && record.mac && !overlaps(entry.addresses, record.addresses)) moved = true
  if (!entry) {
    if (entries.size >= LIMITS.entries) return null
    const key = record.mac ? `mac:${record.mac}` : `host:${record.hostname}@${record.addresses[0]}`
    entry = {
      key,
      hostname: record.hostname,
      addresses: [],
      services: [],
      txtValues: [],
      firstSeen: now,
      lastSeen: now,
      presence: 'live',
    }
    entries.set(key, entry)
  }
  if (record.mac && !entry.mac) {
    entries.delete(entry.key)
    entry.mac = record.mac
    entry.key = `mac:${record.mac}`
    entries.set(entry.key, entry)
  }
  entry.hostname = record.hostname
  // A machine that moved no longer answers at its old address (which DHCP may hand to another).
  const kept = moved ? [] : entry.addresses
  entry.addresses = [...new Set([...record.addresses, ...kept])].slice(0, LIMITS.addressesPerEntry)
  delete entry.knownHints
  const existing = entry.services.findIndex((s) => s.type === record.type && s.name === record.name)
  const service = { type: record.type, name: record.name, port: record.port }
  if (existing >= 0) entry.services[existing] = service
  else if (entry.services.length < LIMITS.servicesPerEntry) entry.services.push(service)
  if (SSH_TYPES.has(record.type)) entry.sshPort = record.port
  if (record.model) entry.model = record.model
  entry.txtValues = [...new Set([...entry.txtValues, ...record.txtValues])].slice(0, LIMITS.txtValues)
  entry.lastSeen = now
  entry.presence = 'live'
  return entry
}

/** The entry as the rest of the app sees it. */
export function toHostDiscovery(entry: DiscoveryEntry): HostDiscovery {
  return {
    key: entry.key,
    hostname: entry.hostname,
    ...(entry.mac ? { mac: entry.mac } : {}),
    addresses: [...entry.addresses],
    services: entry.services.map((s) => ({ ...s })),
    ...(entry.sshPort !== undefined ? { sshPort: entry.sshPort } : {}),
    hints: entry.knownHints
      ? { ...entry.knownHints, reasons: [...entry.knownHints.reasons] }
      : hintsFor({
          hostname: entry.hostname,
          ...(entry.mac ? { mac: entry.mac } : {}),
          ...(entry.model ? { model: entry.model } : {}),
          txtValues: entry.txtValues,
        }),
    presence: entry.presence,
    firstSeenAt: new Date(entry.firstSeen).toISOString(),
    lastSeenAt: new Date(entry.lastSeen).toISOString(),
    ...(entry.sshReachable !== undefined ? { sshReachable: entry.sshReachable } : {}),
    ...(entry.sshReason ? { sshReason: entry.sshReason } : {}),
  }
}

/**
 * An entry for a machine an earlier run found (the host list keeps it): not heard in this run yet,
 * so it keeps its last-seen time and the SSH check result, and is checked again once it answers.
 */
export function rememberedEntry(d: HostDiscovery): DiscoveryEntry {
  const time = (iso: string) => (Number.isFinite(Date.parse(iso)) ? Date.parse(iso) : 0)
  return {
    key: d.key,
    hostname: d.hostname,
    ...(d.mac ? { mac: d.mac } : {}),
    addresses: d.addresses.slice(0, LIMITS.addressesPerEntry),
    services: d.services.slice(0, LIMITS.servicesPerEntry).map((s) => ({ ...s })),
    ...(d.sshPort !== undefined ? { sshPort: d.sshPort } : {}),
    txtValues: [],
    firstSeen: time(d.firstSeenAt),
    lastSeen: time(d.lastSeenAt),
    presence: d.presence,
    ...(d.sshReachable !== undefined ? { sshReachable: d.sshReachable } : {}),
    ...(d.sshReason ? { sshReason: d.sshReason } : {}),
    knownHints: d.hints,
  }
}

/**
 * Presence after `now`: stale once quiet for `staleMs`, gone once quiet for `goneMs`. Only time
 * spent listening counts in full (`listeningSince`): a machine last heard long before this scan
 * started counts as quiet for `staleMs` at its start (stale at once, but it gets the rest of
 * `goneMs` to answer the new queries before it is dropped).
 */
export function presenceAt(
  entry: Pick<DiscoveryEntry, 'lastSeen'>,
  now: number,
  staleMs: number,
  goneMs: number,
  listeningSince = -Infinity,
): Presence {
  const quiet = now - Math.max(entry.lastSeen, listeningSince - staleMs)
  if (quiet >= goneMs) return 'gone'
  if (quiet >= staleMs) return 'stale'
  return 'live'
}

/** True when `address` is in the IPv4 subnet of `iface`/`netmask`. */
export function inSubnet(address: string, iface: string, netmask: string): boolean {
  const n = (a: string) => a.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0
  const mask = n(netmask)
  return (n(address) & mask) >>> 0 === (n(iface) & mask) >>> 0
}
