/**
 * Each fault does what it says, seen from the desk the way the app would see it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Lab, type LabNode, runLab, useLab, waitUntil } from './harness'
import { resolveHost } from './mdns'
import { fingerprint, run, sshExec, sshKeyscan, tcpConnect } from './ssh'

// One node per fault, so a fault's aftermath cannot leak into the next test.
const PROFILES = ['pi5', 'microos', 'debian-sudo-nopass', 'pi4', 'microos-pi', 'ubuntu-sudo-nopass']

let lab: Lab
const node = (profile: string): LabNode => lab.node(profile)

/** A long-running SSH command; `running` resolves once its first output reached the desk. */
function longSession(n: LabNode, seconds: number, clientTimeoutMs = (seconds + 5) * 1000) {
  let started: () => void = () => undefined
  const running = new Promise<void>((resolve) => (started = resolve))
  const session = sshExec(n, `echo started; exec sleep ${seconds}`, {
    timeoutMs: clientTimeoutMs,
    onStdout: (chunk) => chunk.includes('started') && started(),
  })
  const runningOrFailed = Promise.race([
    running,
    session.then((r) => {
      throw new Error(`the SSH session ended before it started: ${r.code} ${r.stderr}`)
    }),
  ])
  return { session, running: () => runningOrFailed }
}

const sshWorks = async (n: LabNode): Promise<boolean> => (await sshExec(n, 'true', { connectTimeoutS: 2 })).code === 0

describe('faults', () => {
  beforeAll(async () => {
    lab = await useLab({ profiles: PROFILES })
  })
  afterAll(async () => {
    await lab?.dispose()
  })

  it('unplug: the host vanishes (no TCP, no mDNS); replug: it is back', async () => {
    const n = node('pi5')
    expect((await tcpConnect(n.address, 22)).result).toBe('connected')
    await lab.unplug(n)
    expect(n.unplugged).toBe(true)
    // Nothing answers at all: not even a refusal.
    expect((await tcpConnect(n.address, 22, 1500)).result).toMatch(/^(timeout|unreachable)$/)
    expect(await resolveHost(n.hostname, { timeoutMs: 1500 })).toEqual([])
    await lab.replug(n)
    await waitUntil('SSH after replug', () => sshWorks(n), 10_000)
    await waitUntil('mDNS after replug', async () => (await resolveHost(n.hostname, { timeoutMs: 1000 })).length > 0)
  })

  it('kill-sshd: an open session drops at once and new connections are refused until sshd starts', async () => {
    const n = node('microos')
    const { session, running } = longSession(n, 30)
    await running()
    await lab.killSshd(n)
    const r = await session
    // Dropped by the kill, not ended by the client's own timeout: the session did not hang.
    expect(r.code).toBe(255)
    expect(r.timedOut).toBe(false)
    expect(r.stdout).toContain('started')
    expect((await tcpConnect(n.address, 22)).result).toBe('refused')
    await lab.startSshd(n)
    expect(await sshWorks(n)).toBe(true)
    // --restart: the session drops, the next connection works straight away.
    const second = longSession(n, 30)
    await second.running()
    await lab.killSshd(n, { restart: true })
    expect((await second.session).code).toBe(255)
    expect(await sshWorks(n)).toBe(true)
  })

  it('host-key: the host presents a new key; a client that knew the old one refuses it', async () => {
    const n = node('debian-sudo-nopass')
    const oldKey = n.hostKey as string
    expect((await sshExec(n, 'true', { knownHostKeys: [oldKey] })).code).toBe(0)
    const newFp = await lab.changeHostKey(n)
    expect(newFp).not.toBe(await fingerprint(oldKey))
    expect(n.hostKeyFingerprint).toBe(newFp)
    const [presented] = await sshKeyscan(n)
    expect(await fingerprint(presented ?? '')).toBe(newFp)
    const strict = await sshExec(n, 'true', { knownHostKeys: [oldKey] })
    expect(strict.code).toBe(255)
    expect(strict.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/)
    expect((await sshExec(n, 'true', { knownHostKeys: [n.hostKey as string] })).code).toBe(0)
  })

  it('power-cut: everything on the host dies silently; power-on boots it from its disk', async () => {
    const n = node('pi4')
    const before = { bootId: n.bootId, hostKey: n.hostKey }
    expect((await sshExec(n, 'echo written-before-the-cut > ~/marker')).code).toBe(0)
    // The client gives up after 8 s: long enough to show the session hangs rather than closes.
    const { session, running } = longSession(n, 60, 8000)
    await running()
    let closed = false
    void session.then(() => (closed = true))
    await lab.powerCut(n)
    expect(n.state).toBe('off')
    // A dead host sends no FIN or RST: the open session just hangs, as it would on a real LAN.
    await new Promise((r) => setTimeout(r, 1500))
    expect(closed).toBe(false)
    expect((await tcpConnect(n.address, 22, 1500)).result).toMatch(/^(timeout|unreachable)$/)
    // No process is left in the host's namespace, and the lab will not pretend otherwise.
    const pids = await run('ip', ['netns', 'pids', n.namespace], process.env)
    expect(pids.code).toBe(0)
    expect(pids.stdout.trim()).toBe('')
    const exec = await runLab(['node-exec', String(n.index), 'true'])
    expect(exec.code).not.toBe(0)
    expect(exec.stderr).toMatch(/powered off/)

    expect(closed).toBe(false) // still hanging after the whole outage
    await lab.powerOn(n)
    expect(n.state).toBe('up')
    expect(n.bootId).not.toBe(before.bootId)
    expect(n.hostKey).toBe(before.hostKey)
    const after = await sshExec(n, 'cat ~/marker; cat /proc/sys/kernel/random/boot_id')
    expect(after.stdout.trim().split('\n')).toEqual(['written-before-the-cut', n.bootId])
    // Whatever ends the old session now (the client's timeout, or an RST from the rebooted host
    // answering a retransmission), it never ends cleanly.
    const ended = await session
    expect(ended.code).toBe(255)
  })

  it('reboot: SSH drops, the host is away for a while, then comes back with a new boot id', async () => {
    const n = node('microos-pi')
    const oldBootId = n.bootId
    const { session, running } = longSession(n, 30)
    await running()
    // Down long enough that "away" is still true when a loaded machine (CI with both cores busy)
    // gets to look: with 2 s, the host was once back before the connect below ran.
    await lab.reboot(n, { downForSeconds: 8 })
    expect(n.state).toBe('rebooting')
    expect((await tcpConnect(n.address, 22, 1000)).result).not.toBe('connected')
    // An orderly shutdown closes the session right away.
    const r = await session
    expect(r.code).not.toBe(0)
    expect(r.timedOut).toBe(false)
    await waitUntil('the host to answer SSH again', () => sshWorks(n), 25_000)
    // "up" once avahi has announced it too, a moment after sshd.
    await waitUntil('the lab to report the host up', async () => (await lab.refresh(), n.state === 'up'))
    expect(n.bootId).not.toBe(oldBootId)
    expect((await sshExec(n, 'cat /proc/sys/kernel/random/boot_id')).stdout.trim()).toBe(n.bootId)
  })

  it('reboot applies a changed /boot/firmware/cmdline.txt to /proc/cmdline, as on a Pi', async () => {
    const n = node('pi5')
    const flags = 'cgroup_memory=1 cgroup_enable=memory'
    const edit = await sshExec(n, `sudo -S -p '' sed -i 's/$/ ${flags}/' /boot/firmware/cmdline.txt`, {
      input: `${n.password}\n`,
    })
    expect(edit.code, edit.stderr).toBe(0)
    expect((await sshExec(n, 'cat /proc/cmdline')).stdout).not.toContain(flags)
    await lab.reboot(n, { downForSeconds: 1, wait: true })
    expect((await sshExec(n, 'cat /proc/cmdline')).stdout.trim().endsWith(flags)).toBe(true)
  })

  it('impair: delay slows every round trip; 100% loss cuts the host off; clear restores it', async () => {
    const n = node('ubuntu-sudo-nopass')
    const baseline = await tcpConnect(n.address, 22)
    expect(baseline.result).toBe('connected')
    expect(baseline.ms).toBeLessThan(100)

    await lab.impair(n, { delayMs: 150 })
    expect(n.impaired).toBe(true)
    // SYN out, SYN-ACK back: both directions are delayed.
    const slow = await tcpConnect(n.address, 22)
    expect(slow.result).toBe('connected')
    expect(slow.ms).toBeGreaterThanOrEqual(290)
    expect(slow.ms).toBeLessThan(1500)
    const viaSsh = await sshExec(n, 'head -c 200000 /dev/zero | wc -c')
    expect(viaSsh.stdout.trim()).toBe('200000')

    await lab.impair(n, { lossPercent: 100 })
    expect((await tcpConnect(n.address, 22, 1500)).result).toBe('timeout')

    await lab.clearImpair(n)
    expect(n.impaired).toBe(false)
    const fast = await tcpConnect(n.address, 22)
    expect(fast.result).toBe('connected')
    expect(fast.ms).toBeLessThan(100)
  })
})
