/**
 * Discovery as a script meets it, one `flotilla` process per step and the host list kept in the
 * data directory between them (issue 11, items 15, 16, 17, 20, 21): sshd announced on port 2222,
 * adopt and ignore from the CLI, labels that stay unique, a pending host that is powered off, and a
 * host without a MAC that moves to another address.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/main/app'
import { confStoreFactory } from '../../src/main/services/store/conf-store'
import type { Host } from '../../src/shared/types'
import { useLab, waitUntil, type Lab, type LabNode } from '../lab/harness'
import { testApp, type TestApp } from './ssh-app'

const BIN = join(import.meta.dirname, '../../bin/flotilla.mjs')
let lab: Lab
let app: TestApp
/** sshd only on 2222, announced with _ssh._tcp; no _workstation._tcp, so no MAC. */
let debian: LabNode
/** A Pi (_workstation._tcp, MAC) whose sshd is only on 2222, announced with _ssh._tcp. */
let pi2222: LabNode
let pi5: LabNode

beforeAll(async () => {
  lab = await useLab({ profiles: ['ssh-port-2222', 'pi4+port=2222+mdns-ssh', 'pi5'] })
  ;[debian, pi2222, pi5] = lab.nodes as [LabNode, LabNode, LabNode]
  app = testApp()
}, 180_000)
afterAll(() => app?.close())

async function flotilla(...args: string[]) {
  const run = promisify(execFile)
  const options = { env: { ...process.env, HOME: app.home } }
  return run(process.execPath, [BIN, '--data-dir', app.dataDir, ...args], options).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )
}

async function hosts(): Promise<Host[]> {
  const listed = await flotilla('--json', 'hosts', 'list')
  expect(listed.code).toBe(0)
  return JSON.parse(listed.stdout) as Host[]
}

const named = (list: Host[], node: LabNode) => list.filter((h) => h.discovery?.hostname === node.hostname)

describe('flotilla discover and hosts adopt/ignore', () => {
  it('gives a discovered host a free label when another host has its name', async () => {
    const manual = await flotilla('hosts', 'add', '192.0.2.10', '--user', 'debian', '--label', pi5.hostname)
    expect(manual.code).toBe(0)
    const scan = await flotilla('discover', '--timeout', '4')
    expect(scan.code).toBe(0)
    const [found] = named(await hosts(), pi5)
    expect(found).toMatchObject({ pending: true, label: `${pi5.hostname}-2` })
    // The name still names one host, so editing by it works.
    expect(await flotilla('hosts', 'edit', pi5.hostname, '--port', '2200')).toMatchObject({ code: 0 })
    const clash = await flotilla('hosts', 'add', '192.0.2.11', '--user', 'pi', '--label', pi5.hostname)
    expect(clash).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`The label "${pi5.hostname}" is already used`),
    })
    expect(await flotilla('hosts', 'remove', '192.0.2.10')).toMatchObject({ code: 0 })
  })

  it('checks the SSH port a host announces, even when another record came first (item 15)', async () => {
    const scan = await flotilla('--json', 'discover', '--timeout', '4')
    expect(scan.code).toBe(0)
    // The check may end just after the scan's last batch: every later run checks again.
    const checked = await waitUntil('both hosts on 2222 checked', async () => {
      const list = await hosts()
      const both = [debian, pi2222].map((n) => named(list, n)[0])
      return both.every((h) => h?.discovery?.sshReachable !== undefined) && both
    })
    for (const host of checked) {
      expect(host).toMatchObject({ port: 2222, discovery: { sshPort: 2222, sshReachable: true } })
      expect(host!.discovery!.sshReason).toBeUndefined()
    }
  })

  it('adopts and ignores from the CLI, with the login from the discovery hints (items 17, 21)', async () => {
    const table = await flotilla('discover', '--timeout', '3')
    expect(table.stdout).toContain('flotilla hosts adopt')
    expect(table.stdout).not.toContain('hosts edit')
    const [pi] = named(await hosts(), pi2222)
    const adopted = await flotilla('hosts', 'adopt', pi!.label!)
    expect(adopted).toMatchObject({ code: 0, stdout: expect.stringContaining(`pi@${pi2222.address}:2222`) })
    expect(named(await hosts(), pi2222)[0]).toMatchObject({ user: 'pi', source: 'mdns' })
    expect(named(await hosts(), pi2222)[0]).not.toHaveProperty('pending')
    const again = await flotilla('hosts', 'adopt', pi!.label!)
    expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining('not waiting for adoption') })
    // No hint says which login a plain Linux box has: the CLI asks for it.
    const [deb] = named(await hosts(), debian)
    const unknown = await flotilla('hosts', 'adopt', deb!.label!)
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('adopt it with --user') })
    expect(named(await hosts(), debian)[0]).toMatchObject({ pending: true })
    const noUser = await flotilla('hosts', 'add', '192.0.2.12')
    expect(noUser).toMatchObject({ code: 1, stderr: expect.stringContaining('Say which user logs in') })

    const [p5] = named(await hosts(), pi5)
    expect(await flotilla('hosts', 'ignore', p5!.label!)).toMatchObject({ code: 0 })
    expect(named(await hosts(), pi5)[0]).toMatchObject({ ignored: true, pending: true })
    const hidden = await flotilla('discover', '--timeout', '3')
    expect(hidden.stdout).not.toContain(pi5.hostname)
    expect(await flotilla('hosts', 'ignore', p5!.label!, '--undo')).toMatchObject({ code: 0 })
    expect(named(await hosts(), pi5)[0]).not.toHaveProperty('ignored')
  })

  it('stops reporting a pending host that was powered off, then drops it (item 16)', async () => {
    await flotilla('discover', '--timeout', '3')
    expect(named(await hosts(), pi5)[0]?.discovery?.presence).toBe('live')
    await lab.powerCut(pi5)
    // A run long enough for 25 s of silence: not "found", and no longer live.
    const scan = await flotilla('discover', '--timeout', '28')
    expect(scan.code).toBe(0)
    expect(scan.stdout).not.toContain(pi5.hostname)
    const [off] = named(await hosts(), pi5)
    expect(off?.discovery?.presence).toBe('stale')
    // Scanning on (short ages here; the unit tests pin 25 s and 60 s): it disappears.
    const dataDir = app.dataDir
    const scanner = createApp({
      dataDir,
      transport: 'cli',
      version: 'it',
      createStore: confStoreFactory(dataDir),
      discovery: { backoffMs: [500, 500], steadyMs: 1000, staleMs: 2000, goneMs: 4000 },
    })
    const abort = new AbortController()
    const scanning = scanner.api.discovery.scan({ timeoutSec: 60 }, { signal: abort.signal }).catch(() => undefined)
    try {
      await waitUntil(
        'the powered-off pending host is gone',
        async () => named(await scanner.api.hosts.list(), pi5).length === 0,
        20_000,
      )
      // The others still answer and stay.
      expect(named(await scanner.api.hosts.list(), debian)).toHaveLength(1)
    } finally {
      abort.abort()
      await scanning
      scanner.close()
    }
  }, 120_000)

  it('follows a host without a MAC to its new address: one pending host, found at the new one (item 16)', async () => {
    const [before] = named(await hosts(), debian)
    expect(before).toMatchObject({ pending: true, address: debian.address })
    // An address no lab node has (nodes are NET.(10+index)).
    const moved = debian.address.replace(/\.\d+$/, '.253')
    // Old address first: removing a primary address also removes the others of its subnet.
    const renumber = await lab.nodeExec(
      debian,
      `ip addr del ${debian.address}/24 dev eth0 && ip addr add ${moved}/24 dev eth0`,
    )
    expect(renumber.stderr).toBe('')
    // avahi probes its new address before it answers with it: scan until it does.
    const scan = await waitUntil(
      'the moved host answering',
      async () => {
        const run = await flotilla('discover', '--timeout', '3')
        return run.stdout.includes(`found ${debian.hostname} at`) && run
      },
      30_000,
    )
    expect(scan.code).toBe(0)
    // "at <address> (" whole: the old address may be a prefix of the new one (.20 and .200).
    expect(scan.stdout).toContain(`found ${debian.hostname} at ${moved} (`)
    expect(scan.stdout).not.toContain(`at ${debian.address} (`)
    const after = named(await hosts(), debian)
    expect(after).toHaveLength(1)
    expect(after[0]).toMatchObject({ id: before!.id, label: before!.label, address: moved, pending: true })
    // Its label names exactly one host (an edit that changes something succeeds; 2222 is its port already).
    expect(await flotilla('hosts', 'edit', before!.label!, '--port', '22')).toMatchObject({ code: 0 })
  }, 60_000)
})
