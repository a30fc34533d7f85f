import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { AppOptions } from '../app'
import { createApp } from '../app'
import { confStoreFactory } from '../services/store/conf-store'
import type { DiscoveryOptions } from '../services/discovery/discovery-service'
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
