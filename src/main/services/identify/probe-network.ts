/**
 * The probe's network facts: each interface's MAC and addresses with their prefix length, and
 * whether an address is a lease (DHCP or SLAAC) that may change. The validator needs them for the
 * LAN overlap and DHCP rules. `ip -o` (iproute2, and busybox's ip) says it all in one line per
 * item; without `ip`, the kernel's own files say almost as much (no lease flag for IPv4).
 */
import { sh } from '../ssh/shell-command'
import type { InterfaceAddress, NetworkInterface } from '../../../shared/types'

/**
 * Probe sections: `ip-link` and `ip-addr` when `ip` exists; else `sys-net` ("NAME MAC" per
 * interface), `if-inet6`, `fib-trie` and `route` from /proc. No `${}`: this is a JS template.
 */
export const NETWORK_SECTIONS = sh`if command -v ip >/dev/null 2>&1; then s ip-link; ip -o link show 2>/dev/null; s ip-addr; ip -o addr show 2>/dev/null; else s sys-net; for d in /sys/class/net/*; do [ -e "$d" ] && printf '%s %s\n' "$(basename "$d")" "$(cat "$d/address" 2>/dev/null)"; done; s if-inet6; cat /proc/net/if_inet6 2>/dev/null; s fib-trie; cat /proc/net/fib_trie 2>/dev/null; s route; cat /proc/net/route 2>/dev/null; fi`

/** The interfaces from whichever sections the probe printed; loopback left out. */
export function parseInterfaces(sections: ReadonlyMap<string, string>): NetworkInterface[] {
  const byName = new Map<string, NetworkInterface>()
  const get = (name: string) => {
    let iface = byName.get(name)
    if (!iface) byName.set(name, (iface = { name, addresses: [] }))
    return iface
  }
  if (sections.has('ip-link') || sections.has('ip-addr')) {
    for (const { name, mac } of parseIpLink(sections.get('ip-link') ?? '')) {
      const iface = get(name)
      if (mac) iface.mac = mac
    }
    for (const { name, address } of parseIpAddr(sections.get('ip-addr') ?? '')) get(name).addresses.push(address)
  } else {
    for (const line of (sections.get('sys-net') ?? '').split('\n')) {
      const [name, mac] = line.trim().split(/\s+/)
      if (!name) continue
      const iface = get(name)
      if (mac && isMac(mac)) iface.mac = mac.toLowerCase()
    }
    for (const { name, address } of parseIfInet6(sections.get('if-inet6') ?? '')) get(name).addresses.push(address)
    for (const { name, address } of parseProcIpv4(sections.get('fib-trie') ?? '', sections.get('route') ?? '')) {
      get(name).addresses.push(address)
    }
  }
  return [...byName.values()].filter((i) => i.name !== 'lo')
}

/** A real MAC: six hex pairs, not all zero (loopback and tunnels show 00:00:00:00:00:00). */
function isMac(value: string): boolean {
  return /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(value) && !/^(00:){5}00$/.test(value)
}

/** `2: eth0@if7: <…> mtu 1500 … \    link/ether dc:a6:32:12:34:56 brd ff:…` */
export function parseIpLink(text: string): { name: string; mac?: string }[] {
  const out: { name: string; mac?: string }[] = []
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)(?:@\S+)?:\s/.exec(line)
    if (!m) continue
    const mac = /link\/ether\s+([0-9a-f:]+)/i.exec(line)?.[1]
    out.push({ name: m[1]!, ...(mac && isMac(mac) ? { mac: mac.toLowerCase() } : {}) })
  }
  return out
}

/**
 * `2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global dynamic eth0\       valid_lft 86396sec …`:
 * `dynamic` is printed for an address whose lifetime is finite (what DHCP clients and SLAAC set).
 */
export function parseIpAddr(text: string): { name: string; address: InterfaceAddress }[] {
  const out: { name: string; address: InterfaceAddress }[] = []
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)(?:@\S+)?\s+(inet6?)\s+([0-9a-f.:]+)\/(\d{1,3})(.*)$/i.exec(line)
    if (!m) continue
    const flags = m[5]!.split('\\')[0]!
    out.push({
      name: m[1]!,
      address: {
        family: m[2] === 'inet6' ? 'ipv6' : 'ipv4',
        address: m[3]!.toLowerCase(),
        prefix: Number(m[4]),
        dynamic: /\sdynamic(\s|$)/.test(flags),
      },
    })
  }
  return out
}

/** IFA_F_PERMANENT: an address without it has a finite lifetime (a lease). */
const IFA_F_PERMANENT = 0x80

/** /proc/net/if_inet6: `fe800000000000000000000000000001 02 40 20 80 eth0` (address, index, prefix, scope, flags, name in hex). */
export function parseIfInet6(text: string): { name: string; address: InterfaceAddress }[] {
  const out: { name: string; address: InterfaceAddress }[] = []
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/)
    if (cols.length < 6 || !/^[0-9a-f]{32}$/i.test(cols[0]!)) continue
    const groups = cols[0]!.match(/.{4}/g)!.join(':')
    // The URL parser writes an IPv6 address in its canonical short form (RFC 5952).
    const address = new URL(`http://[${groups}]`).hostname.slice(1, -1)
    out.push({
      name: cols[5]!,
      address: {
        family: 'ipv6',
        address,
        prefix: parseInt(cols[2]!, 16),
        dynamic: (parseInt(cols[4]!, 16) & IFA_F_PERMANENT) === 0,
      },
    })
  }
  return out
}

/**
 * IPv4 without `ip`: the local addresses are fib_trie's `/32 host LOCAL` leaves, and each one's
 * interface and prefix is the longest route of /proc/net/route (hex, host byte order: little
 * endian on every machine Flotilla supports) whose network holds it. Whether it is a lease is not
 * in these files: `dynamic` stays unknown.
 */
export function parseProcIpv4(fibTrie: string, route: string): { name: string; address: InterfaceAddress }[] {
  const locals = new Set<string>()
  const lines = fibTrie.split('\n')
  lines.forEach((line, i) => {
    const leaf = /\|--\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line)
    if (leaf && /\/32 host LOCAL/.test(lines[i + 1] ?? '') && !leaf[1]!.startsWith('127.')) locals.add(leaf[1]!)
  })
  const routes = route
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c.length >= 8 && /^[0-9a-f]{8}$/i.test(c[1]!) && /^[0-9a-f]{8}$/i.test(c[7]!))
    .map((c) => ({ name: c[0]!, dest: leHex(c[1]!), mask: leHex(c[7]!) }))
    .filter((r) => r.mask !== 0)
  const out: { name: string; address: InterfaceAddress }[] = []
  for (const address of locals) {
    const n = address.split('.').reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0)
    const best = routes
      .filter((r) => (n & r.mask) >>> 0 === r.dest)
      .sort((a, b) => popcount(b.mask) - popcount(a.mask))[0]
    if (best) out.push({ name: best.name, address: { family: 'ipv4', address, prefix: popcount(best.mask) } })
  }
  return out
}

/** /proc/net/route's little-endian hex as a number in network order. */
function leHex(hex: string): number {
  const bytes = hex.match(/../g)!.map((b) => parseInt(b, 16))
  return ((bytes[3]! << 24) | (bytes[2]! << 16) | (bytes[1]! << 8) | bytes[0]!) >>> 0
}

function popcount(n: number): number {
  let count = 0
  for (let v = n >>> 0; v; v &= v - 1) count++
  return count
}
