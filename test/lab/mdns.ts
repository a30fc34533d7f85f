/**
 * A small mDNS client for the lab's own checks: what does the LAN advertise, seen from the desk?
 *
 * It sends "legacy unicast" queries (RFC 6762 §6.7): from an ephemeral port rather than 5353, so
 * responders (avahi-daemon on the nodes) answer by unicast to this socket alone. No port 5353 to
 * share, no other querier's traffic to filter, and each answer carries the responder's address.
 * Responders ignore a repeated question for about a second, so every query is re-sent on a
 * backoff and answers are merged (lab.md, "Pitfalls").
 *
 * This is test tooling, not the app's discovery (that uses its own library in a later issue).
 */
import { createSocket, type RemoteInfo } from 'node:dgram'
import { networkInterfaces } from 'node:os'

export const MDNS_GROUP = '224.0.0.251'
export const MDNS_PORT = 5353

export const RR = { A: 1, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, ANY: 255 } as const

export interface MdnsRecord {
  name: string
  type: number
  ttl: number
  /** A: address; PTR: target name; SRV: target host; TXT: joined strings; other: '' */
  data: string
  port?: number
  txt?: string[]
  /** address of the responder that sent it */
  source: string
}

export interface MdnsService {
  /** instance name without the service type, e.g. "pi4-n1 [dc:a6:32:00:00:01]" */
  instance: string
  type: string
  host: string
  port: number
  addresses: string[]
  txt: string[]
  source: string
}

export interface QueryOptions {
  /** how long to listen, in ms (default 2500) */
  timeoutMs?: number
  /** when to (re-)send the question, in ms after start (default 0, 250, 1100) */
  sendAtMs?: number[]
  /** local address to send from (default: this namespace's first non-internal IPv4) */
  localAddress?: string
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.')
  const bufs = parts.map((label) => {
    const b = Buffer.from(label, 'utf8')
    if (b.length > 63) throw new Error(`DNS label too long: ${label}`)
    return Buffer.concat([Buffer.from([b.length]), b])
  })
  return Buffer.concat([...bufs, Buffer.from([0])])
}

export function encodeQuery(id: number, questions: { name: string; type: number }[]): Buffer {
  const header = Buffer.alloc(12)
  header.writeUInt16BE(id, 0)
  header.writeUInt16BE(questions.length, 4)
  const qs = questions.map((q) => {
    const tail = Buffer.alloc(4)
    tail.writeUInt16BE(q.type, 0)
    tail.writeUInt16BE(1, 2) // class IN
    return Buffer.concat([encodeName(q.name), tail])
  })
  return Buffer.concat([header, ...qs])
}

/** Read a (possibly compressed) name at offset; returns the name and the offset after it. */
function readName(buf: Buffer, offset: number): [string, number] {
  const labels: string[] = []
  let pos = offset
  let end = -1
  for (let hops = 0; hops < 64; hops++) {
    const len = buf.readUInt8(pos)
    if (len === 0) {
      return [labels.join('.'), end === -1 ? pos + 1 : end]
    }
    if ((len & 0xc0) === 0xc0) {
      if (end === -1) end = pos + 2
      pos = buf.readUInt16BE(pos) & 0x3fff
      continue
    }
    labels.push(buf.toString('utf8', pos + 1, pos + 1 + len))
    pos += 1 + len
  }
  throw new Error('DNS name compression loop')
}

export function decodeRecords(buf: Buffer, source: string): MdnsRecord[] {
  const qd = buf.readUInt16BE(4)
  const total = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10)
  let pos = 12
  for (let i = 0; i < qd; i++) pos = readName(buf, pos)[1] + 4
  const records: MdnsRecord[] = []
  for (let i = 0; i < total; i++) {
    const [name, after] = readName(buf, pos)
    const type = buf.readUInt16BE(after)
    const ttl = buf.readUInt32BE(after + 4)
    const rdlen = buf.readUInt16BE(after + 8)
    const rd = after + 10
    const rec: MdnsRecord = { name, type, ttl, data: '', source }
    if (type === RR.A && rdlen === 4) {
      rec.data = [0, 1, 2, 3].map((j) => buf.readUInt8(rd + j)).join('.')
    } else if (type === RR.PTR) {
      rec.data = readName(buf, rd)[0]
    } else if (type === RR.SRV) {
      rec.port = buf.readUInt16BE(rd + 4)
      rec.data = readName(buf, rd + 6)[0]
    } else if (type === RR.TXT) {
      const txt: string[] = []
      for (let p = rd; p < rd + rdlen;) {
        const l = buf.readUInt8(p)
        if (l > 0) txt.push(buf.toString('utf8', p + 1, p + 1 + l))
        p += 1 + l
      }
      rec.txt = txt
      rec.data = txt.join(' ')
    }
    records.push(rec)
    pos = rd + rdlen
  }
  return records
}

function defaultLocalAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  throw new Error('no IPv4 interface: is this running in a lab desk namespace?')
}

/** Ask the LAN; resolves with every record received before the timeout (duplicates removed). */
export async function mdnsQuery(
  questions: { name: string; type: number }[],
  opts: QueryOptions = {},
): Promise<MdnsRecord[]> {
  const timeoutMs = opts.timeoutMs ?? 2500
  const sendAt = opts.sendAtMs ?? [0, 250, 1100]
  const local = opts.localAddress ?? defaultLocalAddress()
  const socket = createSocket({ type: 'udp4' })
  const seen = new Map<string, MdnsRecord>()
  const id = Math.floor(Math.random() * 0xffff)
  const packet = encodeQuery(id, questions)
  const timers: NodeJS.Timeout[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(0, local, () => resolve())
    })
    socket.setMulticastInterface(local)
    socket.setMulticastTTL(255)
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      try {
        if (msg.length < 12 || (msg.readUInt16BE(2) & 0x8000) === 0) return // not a response
        for (const r of decodeRecords(msg, rinfo.address)) {
          seen.set(`${r.source}|${r.type}|${r.name.toLowerCase()}|${r.data}|${r.port ?? ''}`, r)
        }
      } catch {
        // a malformed packet is ignored, as any resolver would
      }
    })
    await new Promise<void>((resolve) => {
      for (const at of sendAt) {
        timers.push(setTimeout(() => socket.send(packet, MDNS_PORT, MDNS_GROUP), at))
      }
      timers.push(setTimeout(resolve, timeoutMs))
    })
  } finally {
    for (const t of timers) clearTimeout(t)
    socket.close()
  }
  return [...seen.values()]
}

/** IPv4 addresses answering for "<host>.local", with the responders that gave them. */
export async function resolveHost(host: string, opts: QueryOptions = {}): Promise<MdnsRecord[]> {
  const name = host.endsWith('.local') ? host : `${host}.local`
  const recs = await mdnsQuery([{ name, type: RR.A }], opts)
  return recs.filter((r) => r.type === RR.A && r.name.toLowerCase() === name.toLowerCase())
}

/** Browse one service type (e.g. "_workstation._tcp"), resolving each instance's SRV/TXT/A. */
export async function browse(type: string, opts: QueryOptions = {}): Promise<MdnsService[]> {
  const typeName = `${type}.local`
  const recs = await mdnsQuery([{ name: typeName, type: RR.PTR }], opts)
  const instances = new Map<string, string>() // instance fqdn -> responder
  for (const r of recs) {
    if (r.type === RR.PTR && r.name.toLowerCase() === typeName.toLowerCase()) instances.set(r.data, r.source)
  }
  // Responders usually add SRV, TXT and A as additional records; ask for what is missing.
  const all = [...recs]
  const missing = [...instances.keys()].filter((i) => !all.some((r) => r.type === RR.SRV && r.name === i))
  if (missing.length > 0) {
    all.push(
      ...(await mdnsQuery(
        missing.map((name) => ({ name, type: RR.ANY })),
        { ...opts, timeoutMs: 1500 },
      )),
    )
  }
  const services: MdnsService[] = []
  for (const [fqdn, source] of instances) {
    const srv = all.find((r) => r.type === RR.SRV && r.name === fqdn)
    if (!srv) continue
    let addresses = all.filter((r) => r.type === RR.A && r.name === srv.data).map((r) => r.data)
    if (addresses.length === 0)
      addresses = (await resolveHost(srv.data, { ...opts, timeoutMs: 1500 })).map((r) => r.data)
    services.push({
      instance: fqdn.slice(0, fqdn.length - typeName.length - 1),
      type,
      host: srv.data,
      port: srv.port ?? 0,
      addresses: [...new Set(addresses)],
      txt: all.find((r) => r.type === RR.TXT && r.name === fqdn)?.txt ?? [],
      source,
    })
  }
  return services.sort((a, b) => a.instance.localeCompare(b.instance))
}

/** Service types advertised on the LAN (DNS-SD meta-query). */
export async function serviceTypes(opts: QueryOptions = {}): Promise<string[]> {
  const meta = '_services._dns-sd._udp.local'
  const recs = await mdnsQuery([{ name: meta, type: RR.PTR }], opts)
  const types = recs.filter((r) => r.type === RR.PTR && r.name === meta).map((r) => r.data.replace(/\.local$/, ''))
  return [...new Set(types)].sort()
}
