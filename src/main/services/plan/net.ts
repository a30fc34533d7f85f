/**
 * IP networks as numbers, for the subnet rules: parse an address or a CIDR, and tell whether two
 * networks overlap. IPv4 and IPv6 never overlap each other (a dual-stack spec is not supported).
 */
import { isIP } from 'node:net'

export interface Network {
  family: 4 | 6
  /** The network's first address as a number. */
  base: bigint
  prefix: number
  /** As written, for messages. */
  text: string
}

/** An IPv4 or IPv6 address as a number with its family; undefined when it is not an IP address. */
export function parseIp(address: string): { family: 4 | 6; value: bigint } | undefined {
  const plain = address.trim().replace(/^\[|\]$/g, '')
  const family = isIP(plain)
  if (family === 4) {
    return { family, value: plain.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n) }
  }
  if (family !== 6) return undefined
  let text = plain.toLowerCase()
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    const n = parseIp(v4[1]!)!.value
    text = text.slice(0, -v4[1]!.length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const groups = (s: string | undefined) => (s ? s.split(':') : [])
  const h = groups(head)
  const t = groups(tail)
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
  return { family, value: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) }
}

function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128
}

/** `a.b.c.d/n` or an IPv6 CIDR as a network (host bits cleared); undefined when malformed. */
export function parseCidr(cidr: string): Network | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim())
  if (!match) return undefined
  return network(match[1]!, Number(match[2]), cidr.trim())
}

/** The network an interface address belongs to: `address` with `prefix` bits kept. */
export function network(address: string, prefix: number, text = `${address}/${prefix}`): Network | undefined {
  const ip = parseIp(address)
  if (!ip || prefix < 0 || prefix > bits(ip.family)) return undefined
  const hostBits = BigInt(bits(ip.family) - prefix)
  return { family: ip.family, base: (ip.value >> hostBits) << hostBits, prefix, text }
}

/** True when the two networks share at least one address. */
export function overlaps(a: Network, b: Network): boolean {
  if (a.family !== b.family) return false
  const shorter = Math.min(a.prefix, b.prefix)
  const shift = BigInt(bits(a.family) - shorter)
  return a.base >> shift === b.base >> shift
}

/** True when `address` (an IP) lies in `net`. */
export function contains(net: Network, address: string): boolean {
  const host = network(address, parseIp(address)?.family === 6 ? 128 : 32)
  return host !== undefined && overlaps(net, host)
}
