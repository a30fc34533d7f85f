/**
 * Discovery over time: a node unplugged goes stale, then disappears, and comes back when replugged;
 * a flood of bogus and malformed mDNS packets from a node leaves the app responsive and the real
 * hosts listed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp, type App } from '../../src/main/app'
import { confStoreFactory } from '../../src/main/services/store/conf-store'
import type { Host } from '../../src/shared/types'
import { useLab, waitUntil, type Lab, type LabNode } from '../lab/harness'

let lab: Lab
let app: App
const scan = new AbortController()
let scanning: Promise<unknown>

beforeAll(async () => {
  lab = await useLab({ profiles: ['pi4', 'pi5', 'ubuntu-sudo-nopass+mdns-ssh'] })
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-it-disc-'))
  app = createApp({
    dataDir,
    transport: 'cli',
    version: 'it',
    createStore: confStoreFactory(dataDir),
    // Short waits so the test sees a whole stale → gone cycle.
    discovery: { backoffMs: [500, 500], steadyMs: 1000, staleMs: 3000, goneMs: 6000 },
  })
  app.api.hosts.onChanged((e) => (hosts = e.hosts))
  // One long scan for the whole file; cancelled at the end.
  scanning = app.api.discovery.scan({ timeoutSec: 300 }, { signal: scan.signal }).catch(() => undefined)
  await waitUntil('every node listed', async () => lab.nodes.every((n) => byNode(n) !== undefined), 15_000)
}, 180_000)

afterAll(async () => {
  scan.abort()
  await scanning
  app?.close()
})

let hosts: Host[] = []
function byNode(node: LabNode): Host | undefined {
  return hosts.find((h) => h.discovery?.addresses.includes(node.address))
}
async function refresh(): Promise<Host[]> {
  hosts = await app.api.hosts.list()
  return hosts
}

describe('presence', () => {
  it('an unplugged node goes stale, then disappears; replugged, it comes back', async () => {
    const pi = lab.node('pi5')
    await lab.unplug(pi)
    try {
      await waitUntil('stale', async () => byNode(pi)?.discovery?.presence === 'stale', 10_000, 100)
      await waitUntil('gone', async () => (await refresh()) && byNode(pi) === undefined, 10_000, 100)
      // The others are still there and live.
      for (const n of lab.nodes.filter((x) => x !== pi)) expect(byNode(n)?.discovery?.presence).toBe('live')
    } finally {
      await lab.replug(pi)
    }
    await waitUntil('back', async () => byNode(pi)?.discovery?.presence === 'live', 15_000, 100)
  }, 60_000)
})

describe('flood', () => {
  it('a node sending 1,000 bogus answers leaves the app responsive and the real hosts listed', async () => {
    const sender = lab.node('ubuntu-sudo-nopass+mdns-ssh')
    const dir = mkdtempSync('/var/tmp/flotilla-flood-')
    try {
      writeFileSync(join(dir, 'packets.json'), JSON.stringify(bogusPackets(sender.address)))
      writeFileSync(join(dir, 'send.cjs'), SENDER)
      // Event-loop lag while the flood arrives: the app must keep answering.
      let worstLag = 0
      let last = Date.now()
      const lagTimer = setInterval(() => {
        worstLag = Math.max(worstLag, Date.now() - last - 20)
        last = Date.now()
      }, 20)
      const sent = await lab.nodeExec(sender, `node ${join(dir, 'send.cjs')} ${join(dir, 'packets.json')}`)
      clearInterval(lagTimer)
      expect(sent.stderr).toBe('')
      expect(sent.stdout.trim()).toBe('sent 1000')
      await expect(app.api.hosts.list()).resolves.toBeDefined()
      expect(worstLag).toBeLessThan(1000)
      // The well-formed ones did arrive (so the flood reached the app), bounded and LAN-only.
      await waitUntil('the bogus answers processed', async () =>
        (await refresh()).some((h) => h.discovery?.hostname.startsWith('bogus-')),
      )
      const bogus = hosts.filter((h) => h.discovery?.hostname.startsWith('bogus-'))
      expect(bogus.length).toBeLessThanOrEqual(256)
      expect(hosts.filter((h) => h.discovery?.addresses.includes('203.0.113.7'))).toEqual([])
      await waitUntil(
        'the real hosts still live',
        async () => {
          await refresh()
          return lab.nodes.every((n) =>
            hosts.some((h) => h.discovery?.hostname === n.hostname && h.discovery.presence === 'live'),
          )
        },
        10_000,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

/** Runs inside the node: sends each packet (base64) to the mDNS group. */
const SENDER = `
const dgram = require('node:dgram')
const fs = require('node:fs')
const packets = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')).map((p) => Buffer.from(p, 'base64'))
const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true })
socket.bind(0, () => {
  let i = 0
  const next = () => {
    if (i === packets.length) { console.log('sent ' + i); socket.close(); return }
    // A short pause every 100 packets: a burst beyond the receiver's socket buffer would just be
    // dropped by the kernel, and then the test would prove nothing.
    const pause = i % 100 === 99 ? 10 : 0
    socket.send(packets[i++], 5353, '224.0.0.251', () => setTimeout(next, pause))
  }
  next()
})
`

/** 500 malformed packets and 500 well-formed answers for machines that do not exist, interleaved. */
function bogusPackets(address: string): string[] {
  const out: string[] = []
  for (let i = 0; i < 500; i++) {
    const junk = Buffer.alloc(12 + (i % 200))
    for (let j = 0; j < junk.length; j++) junk[j] = (i * 31 + j * 7) & 0xff
    junk.writeUInt16BE(0x8400, 2) // looks like a response
    junk.writeUInt16BE(0xffff, 6) // claims 65535 answers
    out.push(junk.toString('base64'))
  }
  for (let i = 0; i < 500; i++) {
    const host = `bogus-${i}`
    const mac = `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`
    const instance = `${host} [${mac}]._workstation._tcp.local`
    out.push(
      response([
        rr('_workstation._tcp.local', 12, name(instance)),
        rr(instance, 33, Buffer.concat([u16(0), u16(0), u16(9), name(`${host}.local`)])),
        rr(instance, 16, Buffer.from([0])),
        // Every few packets: an address outside the LAN, which must be ignored.
        rr(`${host}.local`, 1, Buffer.from((i % 5 === 0 ? '203.0.113.7' : address).split('.').map(Number))),
      ]).toString('base64'),
    )
  }
  return out.slice(0, 500).flatMap((junk, i) => [junk, out[500 + i]!])
}

// A minimal DNS encoder (RFC 1035), so the test depends on no packet library.
function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n)
  return b
}
function name(fqdn: string): Buffer {
  const labels = fqdn.split('.') // the instance labels here have no dots of their own
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)])),
    Buffer.from([0]),
  ])
}
function rr(owner: string, type: number, data: Buffer): Buffer {
  const ttl = Buffer.alloc(4)
  ttl.writeUInt32BE(120)
  return Buffer.concat([name(owner), u16(type), u16(1), ttl, u16(data.length), data])
}
function response(answers: Buffer[]): Buffer {
  return Buffer.concat([u16(0), u16(0x8400), u16(0), u16(answers.length), u16(0), u16(0), ...answers])
}
