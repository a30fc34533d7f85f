import type { DiscoveredService, HostDiscovery, Presence } from '../../../shared/types'
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
  /** The SSH port check ran (or runs now); it runs once per entry. */
  sshChecked?: boolean
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
  entry.addresses = [...new Set([...record.addresses, ...entry.addresses])].slice(0, LIMITS.addressesPerEntry)
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
    hints: hintsFor({
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

/** Presence after `now`: stale once quiet for `staleMs`, gone once quiet for `goneMs`. */
export function presenceAt(entry: DiscoveryEntry, now: number, staleMs: number, goneMs: number): Presence {
  const quiet = now - entry.lastSeen
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
