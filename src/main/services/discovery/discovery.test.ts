import { mkdtempSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { Browser } from 'bonjour-service'
import type { Host, HostDiscovery } from '../../../shared/types'
import { DiscoveryService } from './discovery-service'
import { suggestedUser } from '../../../shared/login-user'
import { createApp } from '../../app'
import { EventBus } from '../events'
import { HostInventory } from '../inventory/host-inventory'
import { confStoreFactory } from '../store/conf-store'
import { adoptHost, applyDiscovery } from './discovery-sync'
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

  it('follows a machine without a MAC to a new address instead of adding a second one (item 16)', () => {
    const entries = new Map<string, DiscoveryEntry>()
    mergeRecord(entries, recordFrom(ssh('box', '10.0.0.5', 2222), lan)!, 1)
    const moved = mergeRecord(entries, recordFrom(ssh('box', '10.0.0.9', 2222), lan)!, 2)!
    expect(entries.size).toBe(1)
    expect(moved).toMatchObject({ key: 'host:box@10.0.0.5', addresses: ['10.0.0.9'], lastSeen: 2 })
    // With a MAC the key is the MAC; its old address goes too.
    mergeRecord(entries, recordFrom(ws('pi1', 'dc:a6:32:00:00:01', '10.0.0.6'), lan)!, 3)
    mergeRecord(entries, recordFrom(ws('pi1', 'dc:a6:32:00:00:01', '10.0.0.7'), lan)!, 4)
    expect(entries.get('mac:dc:a6:32:00:00:01')!.addresses).toEqual(['10.0.0.7'])
    expect(entries.size).toBe(2)
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

  it('checks the announced SSH port, and again when a record with another port arrives (item 15)', async () => {
    const open = createServer((socket) => socket.destroy())
    await new Promise<void>((resolve) => open.listen(0, '127.0.0.1', resolve))
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const refusedPort = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    let sink: BrowserSink | undefined
    const service = new DiscoveryService(log, {
      interfaces: () => [{ address: '127.0.0.1', netmask: '255.0.0.0' }],
      createBrowser: (_iface, s) => {
        sink = s
        return { query: () => undefined, close: () => undefined }
      },
    })
    const abort = new AbortController()
    const scan = service.scan(60_000, ctx(abort.signal))
    const checked = async (what: string, ok: (d: HostDiscovery) => boolean) => {
      const deadline = Date.now() + 5000
      while (!service.snapshot().some(ok)) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}: ${JSON.stringify(service.snapshot())}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    try {
      // _workstation._tcp first (no SSH port in it: 22 is checked, whatever answers there)...
      sink!.service(ws('pi1', 'dc:a6:32:00:00:01', '127.0.0.1'))
      await checked('the check of port 22', (d) => d.sshReachable !== undefined)
      // ...then _ssh._tcp with a port nothing listens on: checked again, and refused there...
      sink!.service(ssh('pi1', '127.0.0.1', refusedPort))
      await checked(
        'the refused port',
        (d) => d.sshReason === `SSH is off: port ${refusedPort} refuses connections (enable SSH on the machine)`,
      )
      // ...then the port sshd really listens on (the announcement changed): open.
      const port = (open.address() as AddressInfo).port
      sink!.service(ssh('pi1', '127.0.0.1', port))
      await checked('the open port', (d) => d.sshReachable === true && d.sshPort === port && d.sshReason === undefined)
    } finally {
      abort.abort()
      await scan
      open.close()
    }
  })

  it('ages machines by the README rule: stale after 25 s, gone after 60 s, also ones from earlier runs (item 16)', async () => {
    vi.useFakeTimers()
    let clock = Date.parse('2026-01-01T12:00:00Z')
    const advance = async (ms: number) => {
      for (let t = 0; t < ms; t += 250) {
        clock += 250
        await vi.advanceTimersByTimeAsync(250)
      }
    }
    try {
      let sink: BrowserSink | undefined
      const service = new DiscoveryService(log, {
        interfaces: () => [{ address: '127.0.0.1', netmask: '255.0.0.0' }],
        now: () => clock,
        createBrowser: (_iface, s) => {
          sink = s
          return { query: () => undefined, close: () => undefined }
        },
      })
      const presence = new Map<string, string>()
      service.onChange((changed, gone) => {
        for (const d of changed) presence.set(d.hostname, d.presence)
        for (const d of gone) presence.set(d.hostname, 'gone')
      })
      // Found by a run half an hour ago, powered off since.
      const earlier = new Date(clock - 30 * 60_000).toISOString()
      const known: HostDiscovery = {
        key: 'host:old@127.0.0.8',
        hostname: 'old',
        addresses: ['127.0.0.8'],
        services: [{ type: '_ssh._tcp', name: 'old', port: 22 }],
        hints: { raspberryPi: false, microOs: true, reasons: ['host name says MicroOS'] },
        presence: 'live',
        firstSeenAt: earlier,
        lastSeenAt: earlier,
      }
      const abort = new AbortController()
      const scan = service.scan(120_000, ctx(abort.signal), [known])
      sink!.service(ws('pi1', 'dc:a6:32:00:00:01', '127.0.0.5'))
      await advance(1000)
      // Not heard for half an hour: not live, from the first second (and its hints kept).
      expect(presence.get('old')).toBe('stale')
      expect(service.snapshot().find((d) => d.hostname === 'old')!.hints.microOs).toBe(true)
      expect(presence.get('pi1')).toBe('live')
      await advance(23_500)
      expect(presence.get('pi1')).toBe('live')
      await advance(1000) // 25 s without an answer
      expect(presence.get('pi1')).toBe('stale')
      // The old one had the rest of a minute (35 s of this scan) to answer the new queries.
      await advance(10_000)
      expect(presence.get('old')).toBe('gone')
      expect(presence.get('pi1')).toBe('stale')
      await advance(25_000) // 60 s
      expect(presence.get('pi1')).toBe('gone')
      expect(service.snapshot()).toEqual([])
      abort.abort()
      await scan
    } finally {
      vi.useRealTimers()
    }
  })

  it('tells how machines from earlier runs stand now when no scan runs: stale, then gone (item 16)', async () => {
    let clock = Date.parse('2026-01-01T12:00:00Z')
    const service = new DiscoveryService(log, {
      interfaces: () => [{ address: '127.0.0.1', netmask: '255.0.0.0' }],
      now: () => clock,
      createBrowser: () => ({ query: () => undefined, close: () => undefined }),
    })
    const seen = (hostname: string, agoMs: number, presence: HostDiscovery['presence'] = 'live'): HostDiscovery => ({
      key: `host:${hostname}@127.0.0.8`,
      hostname,
      addresses: ['127.0.0.8'],
      services: [],
      hints: { raspberryPi: false, microOs: false, reasons: [] },
      presence,
      firstSeenAt: new Date(clock - agoMs).toISOString(),
      lastSeenAt: new Date(clock - agoMs).toISOString(),
    })
    const known = [
      seen('fresh', 24_000),
      seen('quiet', 25_000),
      seen('off', 30 * 60_000),
      seen('said-bye', 10_000, 'stale'),
      seen('was-gone', 30 * 60_000, 'gone'),
      { ...seen('garbled', 0), lastSeenAt: 'not a time' },
    ]
    const names = (list: HostDiscovery[]) => list.map((d) => `${d.hostname}:${d.presence}`)
    expect(names(service.presenceNow(known).changed)).toEqual(['quiet:stale'])
    expect(names(service.presenceNow(known).gone)).toEqual(['off:gone'])
    clock += 36_000 // "quiet" 61 s, "fresh" 60 s, "said-bye" 46 s (stale it stays, never back to live)
    expect(service.presenceNow(known).changed).toEqual([])
    expect(names(service.presenceNow(known).gone)).toEqual(['fresh:gone', 'quiet:gone', 'off:gone'])
    // While a scan listens, its own ageing decides (see the test above): nothing derived here.
    const abort = new AbortController()
    const scan = service.scan(60_000, ctx(abort.signal), [])
    expect(service.presenceNow(known)).toEqual({ changed: [], gone: [] })
    abort.abort()
    await scan
  })

  it('answers hosts:list with presence as of now, saved: a stale host, a gone pending one dropped, an adopted one marked gone (item 16)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-presence-'))
    let clock = Date.parse('2026-01-01T12:00:00Z')
    const app = createApp({
      dataDir: dir,
      transport: 'cli',
      version: 't',
      createStore: confStoreFactory(dir),
      discovery: { now: () => clock },
    })
    try {
      const found = (hostname: string, address: string): HostDiscovery => ({
        key: `host:${hostname}@${address}`,
        hostname,
        addresses: [address],
        services: [{ type: '_ssh._tcp', name: hostname, port: 22 }],
        hints: { raspberryPi: false, microOs: true, reasons: [] },
        presence: 'live',
        firstSeenAt: new Date(clock).toISOString(),
        lastSeenAt: new Date(clock).toISOString(),
      })
      let n = 0
      app.inventory.mutate((hosts) =>
        applyDiscovery(hosts, [found('a', '10.0.0.5'), found('b', '10.0.0.6')], [], 'then', () => `id${++n}`),
      )
      adoptHost(app.inventory, 'id2', { user: 'root' }, 'then')
      const presence = async () =>
        (await app.api.hosts.list()).map(
          (h) => `${h.label}:${h.pending ? 'pending' : 'adopted'}:${h.discovery!.presence}`,
        )
      expect(await presence()).toEqual(['a:pending:live', 'b:adopted:live'])
      clock += 30_000
      expect(await presence()).toEqual(['a:pending:stale', 'b:adopted:stale'])
      expect(app.inventory.list().map((h) => h.discovery!.presence)).toEqual(['stale', 'stale'])
      clock += 30 * 60_000 // switched off half an hour ago
      expect(await presence()).toEqual(['b:adopted:gone'])
      expect(app.inventory.list()).toHaveLength(1)
    } finally {
      app.close()
    }
  })

  it('keeps a machine from an earlier run that answers again at a new address (one entry)', async () => {
    vi.useFakeTimers()
    try {
      let sink: BrowserSink | undefined
      const service = new DiscoveryService(log, {
        interfaces: () => [{ address: '127.0.0.1', netmask: '255.0.0.0' }],
        createBrowser: (_iface, s) => {
          sink = s
          return { query: () => undefined, close: () => undefined }
        },
      })
      const earlier = new Date(Date.now() - 60 * 60_000).toISOString()
      const known: HostDiscovery = {
        key: 'host:box@127.0.0.8',
        hostname: 'box',
        addresses: ['127.0.0.8'],
        services: [],
        hints: { raspberryPi: false, microOs: false, reasons: [] },
        presence: 'live',
        firstSeenAt: earlier,
        lastSeenAt: earlier,
      }
      const abort = new AbortController()
      const scan = service.scan(60_000, ctx(abort.signal), [known])
      // It moved (new lease) and answers: the same machine, at its new address.
      sink!.service(ssh('box', '127.0.0.9', 2222))
      await vi.advanceTimersByTimeAsync(100)
      expect(service.snapshot()).toEqual([
        expect.objectContaining({
          key: 'host:box@127.0.0.8',
          addresses: ['127.0.0.9'],
          presence: 'live',
          sshPort: 2222,
        }),
      ])
      abort.abort()
      await scan
    } finally {
      vi.useRealTimers()
    }
  })

  it('queries on a backoff, goes stale then gone, and survives a throwing parser', async () => {
    vi.useFakeTimers()
    try {
      let sink: BrowserSink | undefined
      const queries: number[] = []
      const service = new DiscoveryService(log, {
        interfaces: () => [{ address: '127.0.0.1', netmask: '255.0.0.0' }],
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
      sink!.service({ ...ws('pi1', 'dc:a6:32:00:00:01', '127.0.0.5'), port: 'x' as never }) // dropped
      sink!.service(ws('pi1', 'dc:a6:32:00:00:01', '127.0.0.5'))
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

  it('labels a new pending host with a free name, and knows no login for a plain Linux box (items 20, 21)', () => {
    const manual: Host = {
      id: 'm',
      address: '10.0.0.9',
      port: 22,
      user: 'pi',
      label: 'pi1',
      source: 'manual',
      addedAt: 'a',
      updatedAt: 'a',
    }
    const next = applyDiscovery([manual], [d()], [], 'now', newId)!
    expect(next[1]).toMatchObject({ pending: true, label: 'pi1-2', user: 'pi' })
    const plain = d({ key: 'host:nas@10.0.0.7', hostname: 'nas', addresses: ['10.0.0.7'] })
    delete plain.mac
    plain.hints = { raspberryPi: false, microOs: false, reasons: [] }
    expect(applyDiscovery([], [plain], [], 'now', newId)![0]).toMatchObject({ label: 'nas', user: '' })
  })

  it('adopts only a pending host, and only with a label that names it alone (items 17, 20)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-adopt-'))
    const inventory = new HostInventory(confStoreFactory(dir)('inventory'), new EventBus())
    const manual = inventory.add({ address: '10.0.0.9', port: 22, user: 'pi', label: 'kitchen' })
    inventory.mutate((hosts) => applyDiscovery(hosts, [d()], [], 'now', newId))
    const pending = inventory.list().find((h) => h.pending)!
    expect(() => adoptHost(inventory, pending.id, { user: 'pi', label: 'Kitchen' }, 'now')).toThrow(
      expect.objectContaining({ code: 'HOST_EXISTS', message: expect.stringContaining('already used by kitchen') }),
    )
    expect(() => adoptHost(inventory, pending.id, { user: 'pi', label: '10.0.0.9' }, 'now')).toThrow(
      expect.objectContaining({ code: 'HOST_EXISTS' }),
    )
    const adopted = adoptHost(inventory, pending.id, { user: 'pi' }, 'now')
    expect(adopted).not.toHaveProperty('pending')
    expect(() => adoptHost(inventory, adopted.id, { user: 'root' }, 'now')).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/not waiting for adoption/) }),
    )
    expect(() => adoptHost(inventory, manual.id, { user: 'root' }, 'now')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    )
  })

  it('will not log in to a pending host of unknown kind before it has a user (item 21)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-nouser-'))
    const app = createApp({ dataDir: dir, transport: 'cli', version: 't', createStore: confStoreFactory(dir) })
    try {
      const plain = d({ key: 'host:nas@127.0.0.7', hostname: 'nas', addresses: ['127.0.0.7'] })
      delete plain.mac
      plain.hints = { raspberryPi: false, microOs: false, reasons: [] }
      app.inventory.mutate((hosts) => applyDiscovery(hosts, [plain], [], 'now', newId))
      const [host] = await app.api.hosts.list()
      const [result] = await app.api.ssh.check([host!.id])
      expect(result).toMatchObject({
        ok: false,
        error: { code: 'INVALID_INPUT', message: expect.stringContaining('flotilla hosts adopt nas --user U') },
      })
    } finally {
      app.close()
    }
  })

  it('suggests root for MicroOS', () => {
    expect(suggestedUser(d({ hints: { raspberryPi: true, microOs: true, reasons: [] } }).hints)).toBe('root')
  })
})
