import { describe, expect, it, vi } from 'vitest'
import { Browser } from 'bonjour-service'
import type { Host, HostDiscovery } from '../../../shared/types'
import { DiscoveryService } from './discovery-service'
import { applyDiscovery, suggestedUser } from './discovery-sync'
import { hintsFor, macFromWorkstationName, raspberryPiOui } from './hints'
import type { BrowserSink } from './mdns-browser'
import { LIMITS, inSubnet, mergeRecord, recordFrom, type DiscoveryEntry, type RawService } from './records'

const lan = (a: string) => inSubnet(a, '10.0.0.1', '255.255.255.0')
const ws = (host: string, mac: string, address: string): RawService => ({
  name: `${host} [${mac}]`,
  type: 'workstation',
  protocol: 'tcp',
  host: `${host}.local`,
  port: 9,
  addresses: [address],
  txt: {},
  referer: { address },
})
const ssh = (host: string, address: string, port = 22, addresses: string[] = [address]): RawService => ({
  name: host,
  type: 'ssh',
  protocol: 'tcp',
  host: `${host}.local`,
  port,
  addresses,
  txt: {},
  referer: { address },
})

describe('hints', () => {
  it('knows the Raspberry Pi MAC blocks, including the Pi 5-era and MA-S ones', () => {
    for (const mac of ['b8:27:eb:00:00:01', 'DC:A6:32:01:02:03', '2c:cf:67:aa:bb:cc', '88:a2:9e:00:00:00']) {
      expect(raspberryPiOui(mac), mac).toBeDefined()
    }
    expect(raspberryPiOui('8c:1f:64:34:a1:00')).toBeDefined()
    expect(raspberryPiOui('8c:1f:64:35:00:00')).toBeUndefined()
    expect(raspberryPiOui('52:54:00:12:34:56')).toBeUndefined()
  })

  it('reads the MAC from a workstation instance name', () => {
    expect(macFromWorkstationName('kubic-pi1 [dc:a6:32:01:02:03]')).toBe('dc:a6:32:01:02:03')
    expect(macFromWorkstationName('kubic-pi1')).toBeUndefined()
    expect(macFromWorkstationName('x [zz:a6:32:01:02:03]')).toBeUndefined()
  })

  it('says why it thinks a host is a Pi or MicroOS', () => {
    const byMac = hintsFor({ hostname: 'node1', mac: 'dc:a6:32:01:02:03', txtValues: [] })
    expect(byMac).toMatchObject({ raspberryPi: true, microOs: false })
    expect(byMac.reasons[0]).toMatch(/DC:A6:32:01:02:03 belongs to Raspberry Pi Trading Ltd/)
    expect(hintsFor({ hostname: 'box', model: 'Raspberry Pi 5', txtValues: [] }).raspberryPi).toBe(true)
    expect(hintsFor({ hostname: 'microos-pi-n4', txtValues: [] })).toMatchObject({ raspberryPi: true, microOs: true })
    expect(hintsFor({ hostname: 'raspberrypi', txtValues: [] }).raspberryPi).toBe(true)
    expect(hintsFor({ hostname: 'spinner', txtValues: [] }).raspberryPi).toBe(false)
    expect(hintsFor({ hostname: 'nas', txtValues: ['opensuse microos'] }).microOs).toBe(true)
  })
})

describe('records', () => {
  it('falls back to the responder address, and drops addresses off the LAN', () => {
    expect(recordFrom(ssh('a', '10.0.0.5', 22, []), lan)!.addresses).toEqual(['10.0.0.5'])
    expect(recordFrom(ssh('a', '10.0.0.5', 22, ['203.0.113.9']), lan)!.addresses).toEqual(['10.0.0.5'])
    expect(recordFrom(ssh('a', '203.0.113.9', 22, []), lan)).toBeNull()
  })

  it('refuses implausible records', () => {
    expect(recordFrom({ ...ssh('a', '10.0.0.5'), port: 70000 }, lan)).toBeNull()
    expect(recordFrom({ ...ssh('a', '10.0.0.5'), host: 'bad name.local' }, lan)).toBeNull()
    expect(recordFrom({ ...ssh('a', '10.0.0.5'), host: 42 }, lan)).toBeNull()
    expect(recordFrom({}, lan)).toBeNull()
  })

  it('merges the services of one machine, keyed by MAC once known', () => {
    const entries = new Map<string, DiscoveryEntry>()
    mergeRecord(entries, recordFrom(ssh('pi1', '10.0.0.5', 2222), lan)!, 1)
    expect([...entries.keys()]).toEqual(['host:pi1@10.0.0.5'])
    mergeRecord(entries, recordFrom(ws('pi1', 'dc:a6:32:00:00:01', '10.0.0.5'), lan)!, 2)
    expect([...entries.keys()]).toEqual(['mac:dc:a6:32:00:00:01'])
    const entry = entries.get('mac:dc:a6:32:00:00:01')!
    expect(entry.sshPort).toBe(2222)
    expect(entry.services.map((s) => s.type).sort()).toEqual(['_ssh._tcp', '_workstation._tcp'])
  })

  it('keeps a name clash apart (different MACs and addresses)', () => {
    const entries = new Map<string, DiscoveryEntry>()
    mergeRecord(entries, recordFrom(ws('pi', 'dc:a6:32:00:00:01', '10.0.0.5'), lan)!, 1)
    mergeRecord(entries, recordFrom(ws('pi', 'dc:a6:32:00:00:02', '10.0.0.6'), lan)!, 1)
    mergeRecord(entries, recordFrom(ssh('pi', '10.0.0.7'), lan)!, 1)
    expect(entries.size).toBe(3)
  })

  it('stops growing at its limit (a flood of fake machines)', () => {
    const entries = new Map<string, DiscoveryEntry>()
    for (let i = 0; i < LIMITS.entries + 50; i++) {
      mergeRecord(entries, recordFrom(ssh(`fake-${i}`, '10.0.0.9'), lan)!, 1)
    }
    expect(entries.size).toBe(LIMITS.entries)
  })
})

describe('bonjour-service internals', () => {
  // Checked on the prototype: constructing a Browser would send a query onto the real network.
  it('still has the parsing methods the browser reuses', () => {
    const proto = Browser.prototype as unknown as Record<string, unknown>
    for (const method of ['buildServicesFor', 'goodbyes', 'update', 'stop']) {
      expect(typeof proto[method], method).toBe('function')
    }
  })
})

describe('DiscoveryService', () => {
  const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
  const ctx = (signal: AbortSignal) => ({
    id: 'op',
    signal,
    progress: () => undefined,
    log: () => undefined,
    throwIfCancelled: () => undefined,
  })

  it('queries on a backoff, goes stale then gone, and survives a throwing parser', async () => {
    vi.useFakeTimers()
    try {
      let sink: BrowserSink | undefined
      const queries: number[] = []
      const service = new DiscoveryService(log, {
        interfaces: () => [{ address: '10.0.0.1', netmask: '255.255.255.0' }],
        staleMs: 5000,
        goneMs: 9000,
        steadyMs: 3000,
        createBrowser: (_iface, s) => {
          sink = s
          return { query: () => queries.push(Date.now()), close: () => undefined }
        },
      })
      const batches: [HostDiscovery[], HostDiscovery[]][] = []
      service.onChange((changed, gone) => batches.push([changed, gone]))
      const abort = new AbortController()
      const start = Date.now()
      const scan = service.scan(60_000, ctx(abort.signal))
      sink!.service({ ...ws('pi1', 'dc:a6:32:00:00:01', '10.0.0.5'), port: 'x' as never }) // dropped
      sink!.service(ws('pi1', 'dc:a6:32:00:00:01', '10.0.0.5'))
      await vi.advanceTimersByTimeAsync(100)
      expect(batches.at(-1)![0][0]).toMatchObject({ key: 'mac:dc:a6:32:00:00:01', presence: 'live' })
      await vi.advanceTimersByTimeAsync(5000)
      expect(batches.at(-1)![0][0]!.presence).toBe('stale')
      await vi.advanceTimersByTimeAsync(4500)
      expect(batches.at(-1)![1][0]!.key).toBe('mac:dc:a6:32:00:00:01')
      expect(service.snapshot()).toEqual([])
      await vi.advanceTimersByTimeAsync(10_000)
      expect(queries.slice(0, 6).map((t) => t - start)).toEqual([0, 1000, 3000, 7000, 15000, 18000])
      abort.abort()
      await scan
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('applyDiscovery', () => {
  const d = (over: Partial<HostDiscovery> = {}): HostDiscovery => ({
    key: 'mac:dc:a6:32:00:00:01',
    hostname: 'pi1',
    mac: 'dc:a6:32:00:00:01',
    addresses: ['10.0.0.5'],
    services: [],
    hints: { raspberryPi: true, microOs: false, reasons: [] },
    presence: 'live',
    firstSeenAt: 't',
    lastSeenAt: 't',
    ...over,
  })
  let n = 0
  const newId = () => `id${++n}`

  it('adds a pending host with the likely user, and removes it when gone', () => {
    const added = applyDiscovery([], [d()], [], 'now', newId)!
    expect(added[0]).toMatchObject({ source: 'mdns', pending: true, user: 'pi', address: '10.0.0.5', port: 22 })
    expect(applyDiscovery(added, [], [d({ presence: 'gone' })], 'now', newId)).toEqual([])
  })

  it('attaches to a manual host at the same address, and keeps adopted hosts when gone', () => {
    const manual: Host = {
      id: 'm',
      address: '10.0.0.5',
      port: 22,
      user: 'pi',
      source: 'manual',
      addedAt: 'a',
      updatedAt: 'a',
    }
    const merged = applyDiscovery([manual], [d()], [], 'now', newId)!
    expect(merged).toHaveLength(1)
    expect(merged[0]!.discovery!.key).toBe('mac:dc:a6:32:00:00:01')
    const gone = applyDiscovery(merged, [], [d()], 'now', newId)!
    expect(gone[0]!.discovery!.presence).toBe('gone')
  })

  it('suggests root for MicroOS', () => {
    expect(suggestedUser(d({ hints: { raspberryPi: true, microOs: true, reasons: [] } }))).toBe('root')
  })
})
