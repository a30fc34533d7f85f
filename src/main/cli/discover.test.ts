import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { AppOptions } from '../app'
import { createApp } from '../app'
import type { Host, HostDiscovery } from '../../shared/types'
import { confStoreFactory } from '../services/store/conf-store'
import type { DiscoveryOptions } from '../services/discovery/discovery-service'
import { adoptHost, applyDiscovery } from '../services/discovery/discovery-sync'
import { runCli } from './main'

const tmp = () => mkdtempSync(join(tmpdir(), 'flotilla-discover-'))

/** mDNS on one made-up interface where nobody ever answers (no socket is opened). */
const silentLan: DiscoveryOptions = {
  interfaces: () => [{ address: '10.0.0.1', netmask: '255.255.255.0' }],
  createBrowser: () => ({ query: () => undefined, close: () => undefined }),
}

async function cli(dir: string, overrides: Partial<AppOptions>, ...args: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await runCli(
    ['--data-dir', dir, ...args],
    { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    overrides,
  )
  return { code, stdout, stderr }
}

describe('flotilla discover: honest ends', () => {
  it('fails and says so when there is no network interface to browse on', async () => {
    const result = await cli(tmp(), { discovery: { interfaces: () => [] } }, 'discover', '--timeout', '1')
    expect(result.code).toBe(1)
    expect(result.stdout).not.toMatch(/No machines answered/)
    expect(result.stderr).toMatch(/no network interface to browse on.*\[NO_NETWORK\]/)
  })

  it('fails at once without an interface, not after the whole --timeout (item 22)', async () => {
    // Ten minutes asked; this test's own timeout (10 s) is the bound.
    const result = await cli(tmp(), { discovery: { interfaces: () => [] } }, 'discover', '--timeout', '600')
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/no network interface to browse on.*\[NO_NETWORK\]/)
  }, 10_000)

  it('says nobody answered (exit 0) only when it really browsed', async () => {
    const result = await cli(tmp(), { discovery: silentLan }, 'discover', '--timeout', '1')
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(/No machines answered over mDNS/)
  })

  it('records the outcome of a scan: failed without an interface, cancelled where it stopped', async () => {
    const dir = tmp()
    const app = createApp({
      dataDir: dir,
      transport: 'cli',
      version: 'test',
      createStore: confStoreFactory(dir),
      discovery: { interfaces: () => [] },
    })
    try {
      const opId = app.api.ops.newId()
      await expect(app.api.discovery.scan({ timeoutSec: 1 }, { opId })).rejects.toMatchObject({ code: 'NO_NETWORK' })
      const op = (await app.api.ops.list()).find((o) => o.id === opId)!
      expect(op).toMatchObject({ state: 'failed', outcome: { result: 'failed' } })
      expect(op.outcome!.summary).toMatch(/no network interface/)
    } finally {
      app.close()
    }

    const lan = createApp({
      dataDir: tmp(),
      transport: 'cli',
      version: 'test',
      createStore: confStoreFactory(tmp()),
      discovery: silentLan,
    })
    try {
      const opId = lan.api.ops.newId()
      const abort = new AbortController()
      // Cancel once the scan has reported its first second: it must not end "0 found · 15/15".
      const offProgress = lan.api.ops.onProgress((p) => {
        if (p.opId === opId && p.done >= 1) abort.abort()
      })
      await expect(lan.api.discovery.scan({ timeoutSec: 15 }, { opId, signal: abort.signal })).rejects.toMatchObject({
        code: 'CANCELLED',
      })
      offProgress()
      const op = (await lan.api.ops.list()).find((o) => o.id === opId)!
      expect(op).toMatchObject({ state: 'cancelled', total: 15, outcome: { result: 'cancelled' } })
      expect(op.done).toBeLessThan(15)
    } finally {
      lan.close()
    }
  }, 30_000)
})

describe('flotilla hosts list: presence as of now, not as the last scan left it (item 16)', () => {
  /** A data directory whose host list has a pending "kitchen" and an adopted "garage", last heard at `seenAt`. */
  function lastScanAt(seenAt: number): string {
    const dir = tmp()
    const app = createApp({ dataDir: dir, transport: 'cli', version: 'test', createStore: confStoreFactory(dir) })
    const found = (hostname: string, address: string): HostDiscovery => ({
      key: `host:${hostname}@${address}`,
      hostname,
      addresses: [address],
      services: [{ type: '_ssh._tcp', name: hostname, port: 22 }],
      hints: { raspberryPi: false, microOs: true, reasons: [] },
      presence: 'live',
      firstSeenAt: new Date(seenAt).toISOString(),
      lastSeenAt: new Date(seenAt).toISOString(),
    })
    try {
      const at = new Date(seenAt).toISOString()
      const ids = ['kitchen-id', 'garage-id']
      app.inventory.mutate((hosts) =>
        applyDiscovery(hosts, [found('kitchen', '10.0.0.5'), found('garage', '10.0.0.6')], [], at, () => ids.shift()!),
      )
      adoptHost(app.inventory, 'garage-id', { user: 'root' }, at)
    } finally {
      app.close()
    }
    return dir
  }
  const listed = async (dir: string, overrides: Partial<AppOptions> = {}) => {
    const result = await cli(dir, overrides, '--json', 'hosts', 'list')
    expect(result).toMatchObject({ code: 0, stderr: '' })
    return (JSON.parse(result.stdout) as Host[]).map((h) => ({ label: h.label, presence: h.discovery?.presence }))
  }

  it('shows a host last heard 40 s ago as stale', async () => {
    const now = Date.parse('2026-01-01T12:00:00Z')
    const dir = lastScanAt(now - 40_000)
    expect(await listed(dir, { discovery: { now: () => now } })).toEqual([
      { label: 'kitchen', presence: 'stale' },
      { label: 'garage', presence: 'stale' },
    ])
  })

  it('drops a pending host switched off half an hour ago and marks an adopted one gone, for good', async () => {
    const dir = lastScanAt(Date.now() - 30 * 60_000)
    expect(await listed(dir)).toEqual([{ label: 'garage', presence: 'gone' }])
    // Saved, not just printed: the next command (and the app) sees the same.
    expect(await listed(dir)).toEqual([{ label: 'garage', presence: 'gone' }])
    expect((await cli(dir, {}, 'hosts', 'edit', 'kitchen', '--user', 'pi')).stderr).toMatch(/HOST_NOT_FOUND/)
  })
})
