/**
 * Whole labs: up, a second up, two labs side by side, down after a crash, bring-up speed, and
 * `down` leaving nothing behind. These drive lab.sh for labs of their own (prefixes lc*), next to
 * the lab this test process runs in.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { labStatus, LAB_SH, runLab, waitUntil } from './harness'
import { resolveHost } from './mdns'
import { run } from './ssh'

const STATE_ROOT = process.env.LAB_STATE_ROOT ?? '/tmp/flotilla-lab'
const HOST_PID = process.env.LAB_HOST_PID ?? ''

async function netnsList(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list'], process.env)
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean)
    .sort()
}

/** Live (non-zombie) processes whose command line mentions `needle`. */
function processesMentioning(needle: string): string[] {
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
      if (cmdline.includes(needle) && pid !== String(process.pid)) found.push(`${pid}: ${cmdline}`)
    } catch {
      // the process ended while we looked
    }
  }
  return found
}

/**
 * Everything a lab can leave behind: namespaces (the bridge lives in one), processes, mounts,
 * state. Other labs may come and go on this machine meanwhile (a developer's, another run's), so
 * `ip netns list` is compared for this lab's names, plus: the lab this test runs in is untouched.
 */
async function expectNothingLeft(prefix: string, netnsBefore: string[]): Promise<void> {
  const state = `${STATE_ROOT}/${prefix}`
  const after = await netnsList()
  expect(after.filter((ns) => ns.startsWith(`${prefix}-`))).toEqual([])
  expect(netnsBefore.filter((ns) => ns.startsWith(`${prefix}-`))).toEqual([])
  const own = `${process.env.LAB_PREFIX}-`
  expect(after.filter((ns) => ns.startsWith(own))).toEqual(netnsBefore.filter((ns) => ns.startsWith(own)))
  expect(processesMentioning(`${state}/`)).toEqual([])
  // The disk tmpfs is mounted in the host's mount namespace; look there.
  const mounts = readFileSync(`/proc/${HOST_PID}/mountinfo`, 'utf8')
  expect(mounts.split('\n').filter((l) => l.includes(state))).toEqual([])
  expect(existsSync(state)).toBe(false)
}

describe('lab lifecycle', () => {
  let netnsBefore: string[]

  beforeAll(async () => {
    expect(HOST_PID, 'LAB_HOST_PID: run through run-tests.sh').not.toBe('')
    // Labs of an interrupted earlier run of this file would spoil the checks.
    for (const prefix of ['lc1', 'lc2', 'lc3', 'lc4']) await runLab(['down'], { prefix })
    netnsBefore = await netnsList()
  })
  afterAll(async () => {
    for (const prefix of ['lc1', 'lc2', 'lc3', 'lc4']) await runLab(['down'], { prefix })
  })

  it('up brings up the nodes it is asked for, a second up fails clearly, down removes everything', async () => {
    const lab = { prefix: 'lc1', net: '10.79.0.0/24' }
    const up = await runLab(['up', '2', '--profile', 'pi4,microos'], lab)
    expect(up.code, up.stderr).toBe(0)
    expect(up.stdout).toMatch(/pi4-n1 .*10\.79\.0\.11:22 .* up/)
    expect(up.stdout).toMatch(/microos-n2 .*10\.79\.0\.12:22 .* up/)
    expect(up.stdout).not.toMatch(/password/i)

    const again = await runLab(['up', '1'], lab)
    expect(again.code).not.toBe(0)
    expect(again.stderr).toMatch(/lab 'lc1' is already up .*run 'lab\.sh --prefix lc1 down' first/)
    // ...and the failed second up did not disturb the first.
    const status = await labStatus(lab)
    expect(status.nodes.map((n) => `${n.hostname}:${n.state}`)).toEqual(['pi4-n1:up', 'microos-n2:up'])
    expect((await runLab(['ssh', '1', 'hostname'], lab)).stdout.trim()).toBe('pi4-n1')
    // A command running in the lab's desk cannot take the lab down under its own feet.
    const fromInside = await runLab(['exec', 'bash', LAB_SH, 'down'], lab)
    expect(fromInside.code).not.toBe(0)
    expect(fromInside.stderr).toMatch(/refusing to take down lab 'lc1' from inside its own desk/)
    expect((await labStatus(lab)).up).toBe(true)

    const down = await runLab(['down'], lab)
    expect(down.code, down.stderr).toBe(0)
    await expectNothingLeft('lc1', netnsBefore)
    // down is idempotent
    expect((await runLab(['down'], lab)).code).toBe(0)
  })

  it('add is all or nothing: when a node does not boot, its whole batch is removed', async () => {
    const lab = { prefix: 'lc1', net: '10.79.0.0/24' }
    expect((await runLab(['up', '1', '--profile', 'pi4'], lab)).code).toBe(0)
    // No time at all to boot: every node of the batch misses its deadline.
    const failed = await runLab(['add', '--profile', 'pi5,microos'], { ...lab, env: { LAB_BOOT_TIMEOUT: '0' } })
    expect(failed.code).not.toBe(0)
    expect(failed.stderr).toMatch(/did not boot/)
    expect(failed.stderr).toMatch(/removing nodes 2 3/)
    expect((await labStatus(lab)).nodes.map((n) => n.hostname)).toEqual(['pi4-n1'])
    expect((await netnsList()).filter((ns) => ns.startsWith('lc1-node'))).toEqual(['lc1-node1'])
    expect(processesMentioning(`${STATE_ROOT}/lc1/nodes/2`)).toEqual([])
    expect(processesMentioning(`${STATE_ROOT}/lc1/nodes/3`)).toEqual([])
    // The lab is still usable.
    const added = await runLab(['add', '--profile', 'microos'], lab)
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout.trim()).toBe('4')
    expect((await runLab(['ssh', 'microos-n4', 'hostname'], lab)).stdout.trim()).toBe('microos-n4')
    expect((await runLab(['down'], lab)).code).toBe(0)
    await expectNothingLeft('lc1', netnsBefore)
  })

  it('two labs on the same subnet never meet', async () => {
    const a = { prefix: 'lc1', net: '10.79.0.0/24' }
    const b = { prefix: 'lc2', net: '10.79.0.0/24' }
    expect((await runLab(['up', '1', '--profile', 'pi4'], a)).code).toBe(0)
    expect((await runLab(['up', '1', '--profile', 'pi5'], b)).code).toBe(0)
    // Same address, different hosts: each desk reaches its own node 1.
    expect((await runLab(['ssh', '1', 'hostname'], a)).stdout.trim()).toBe('pi4-n1')
    expect((await runLab(['ssh', '1', 'hostname'], b)).stdout.trim()).toBe('pi5-n1')
    const seenFromA = await runLab(['browse', '2'], a)
    expect(seenFromA.stdout).toContain('pi4-n1 [')
    expect(seenFromA.stdout).not.toContain('pi5-n1')
    // ...and this test's own LAN sees neither.
    expect(await resolveHost('pi4-n1', { timeoutMs: 1000 })).toEqual([])
    expect((await runLab(['down'], a)).code).toBe(0)
    expect((await runLab(['down'], b)).code).toBe(0)
    await expectNothingLeft('lc1', netnsBefore)
    await expectNothingLeft('lc2', netnsBefore)
  })

  it('down cleans up after an up that was killed half-way', async () => {
    const lab = { prefix: 'lc3', net: '10.81.0.0/24' }
    const child = spawn('bash', [LAB_SH, 'up', '6'], {
      env: { ...process.env, LAB_PREFIX: lab.prefix, LAB_NET: lab.net },
      stdio: 'ignore',
    })
    // Kill it once nodes are booting: namespaces, node processes and the disk exist by then.
    await waitUntil('nodes of lc3 to boot', () => processesMentioning(`${STATE_ROOT}/lc3/`).length >= 2, 20_000, 50)
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    expect((await netnsList()).some((ns) => ns.startsWith('lc3-'))).toBe(true)

    // The lab is half there: a new up refuses, down cleans.
    expect((await runLab(['up', '1'], lab)).code).not.toBe(0)
    const down = await runLab(['down'], lab)
    expect(down.code, down.stderr).toBe(0)
    await expectNothingLeft('lc3', netnsBefore)
  })

  // How fast is a bench figure (npm run bench -- lab), not an assertion: a loaded machine is slower.
  it('brings up 20 nodes of the default mix', async () => {
    const lab = { prefix: 'lc4', net: '10.82.0.0/24' }
    const up = await runLab(['up', '20'], lab)
    expect(up.code, up.stderr).toBe(0)
    const status = await labStatus(lab)
    expect(status.nodes.length).toBe(20)
    expect(status.nodes.every((n) => n.state === 'up')).toBe(true)
    // Every profile of the default mix is in there.
    expect(new Set(status.nodes.map((n) => n.profile)).size).toBe(6)
    expect((await runLab(['down'], lab)).code).toBe(0)
    await expectNothingLeft('lc4', netnsBefore)
  })
})
