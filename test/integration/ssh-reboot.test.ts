/**
 * Reboot-and-wait against real sshd: the connection drops, the host comes back with a new boot id,
 * and its host key is verified again before Flotilla trusts it.
 *
 * The lab's nodes have no systemd: the nodes carry the simulator's service manager stand-in (the
 * `sim` trait, test/lab/sim), whose `systemctl reboot` / `reboot` ask the node's init for the lab's
 * reboot fault (services stop, the link drops for 3 s, a new boot id, services start again).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, type Lab, type LabNode } from '../lab/harness'
import { installLabKey, rejection, testApp, type TestApp } from './ssh-app'

let lab: Lab
let app: TestApp
let pi: LabNode
let microos: LabNode

beforeAll(async () => {
  lab = await useLab({ profiles: ['pi5+sim', 'microos+sim'] })
  ;[pi, microos] = lab.nodes as [LabNode, LabNode]
  app = testApp()
  installLabKey(app, lab.keyPath)
})
afterAll(() => app?.close())

describe('reboot and wait', () => {
  it('reboots a Pi through sudo with a password and waits for the new boot id', async () => {
    const host = await app.addNode(pi)
    await app.api.ssh.trust(host.id, pi.hostKeyFingerprint!)
    await app.api.ssh.provideSecret(host.id, 'sudo', pi.password!)
    const before = pi.bootId
    const steps: string[] = []
    app.api.ops.onProgress((p) => p.nodeId === host.id && !p.line && steps.push(p.step))
    const result = await app.api.ssh.reboot(host.id, { timeoutSec: 60 }).catch((e: unknown) => {
      // What the operation saw (already redacted) is the first thing to read when this fails.
      console.error(
        'reboot failed:',
        e,
        app.ops.list().map((o) => [o.title, app.ops.logOf(o.id)]),
      )
      throw e
    })
    await lab.refresh()
    expect(result.bootIdBefore).toBe(before)
    expect(result.bootIdAfter).toBe(pi.bootId)
    expect(result.bootIdAfter).not.toBe(before)
    expect(result.seconds).toBeGreaterThanOrEqual(3)
    expect(steps[0]).toBe('Rebooting')
    expect(steps).toContain('Back up')
    // And it is usable straight away.
    expect((await app.api.ssh.run(host.id, ['cat', '/proc/sys/kernel/random/boot_id'])).stdout.trim()).toBe(pi.bootId)
  }, 120_000)

  it('refuses a host that comes back with a different key', async () => {
    const host = await app.addNode(microos)
    await app.api.ssh.trust(host.id, microos.hostKeyFingerprint!)
    // An open connection (made with the trusted key) outlives the key change, as it would when a
    // re-flash or an impostor takes over during the reboot: only the reconnect can tell.
    expect((await app.api.ssh.run(host.id, ['true'])).exitCode).toBe(0)
    await lab.changeHostKey(microos)
    expect(await rejection(app.api.ssh.reboot(host.id, { timeoutSec: 60 }))).toMatchObject({ code: 'HOST_KEY_CHANGED' })
  }, 120_000)
})
