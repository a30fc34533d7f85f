/**
 * Reboot-and-wait against real sshd: the connection drops, the host comes back with a new boot id,
 * and its host key is verified again before Flotilla trusts it.
 *
 * The lab's nodes have no systemd. Until the simulator's systemctl/reboot stand-ins exist (issue 6),
 * this suite installs a minimal `reboot` stand-in that asks the node's init for the lab's reboot
 * fault (services stop, the link drops, a new boot id, services start again).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, type Lab, type LabNode } from '../lab/harness'
import { installLabKey, rejection, testApp, type TestApp } from './ssh-app'

const REBOOT_STAND_IN = `#!/bin/sh
# Lab stand-in for reboot(8): the node's init (PID 1) serves control requests on its fd 3.
echo "guest-$$ reboot 3" > /proc/1/fd/3
`

let lab: Lab
let app: TestApp
let pi: LabNode
let microos: LabNode

beforeAll(async () => {
  lab = await useLab({ profiles: ['pi5', 'microos'] })
  ;[pi, microos] = lab.nodes as [LabNode, LabNode]
  for (const node of lab.nodes) {
    const installed = await lab.nodeExec(
      node,
      `cat > /usr/local/sbin/reboot <<'EOF'\n${REBOOT_STAND_IN}EOF\nchmod 755 /usr/local/sbin/reboot`,
    )
    expect(installed.code).toBe(0)
  }
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
    const result = await app.api.ssh.reboot(host.id, { timeoutSec: 60 }).catch(async (e) => {
      console.error(
        'REBOOT FAILED',
        e,
        app.logText(),
        app.ops.list().map((o) => [o.title, app.ops.logOf(o.id)]),
      )
      console.error((await lab.nodeExec(pi, 'ls -la /usr/local/sbin; cat /proc/sys/kernel/random/boot_id')).stdout)
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
    const running = rejection(app.api.ssh.reboot(host.id))
    // While it is down, the machine at that address gets new keys (a re-flash, or an impostor).
    await new Promise((r) => setTimeout(r, 1500))
    await lab.changeHostKey(microos)
    expect(await running).toMatchObject({ code: 'HOST_KEY_CHANGED' })
  }, 120_000)
})
