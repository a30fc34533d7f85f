/** Fan-out over 20 real sshd hosts: every host answers, each reports its own progress. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, type Lab } from '../lab/harness'
import { installLabKey, testApp, type TestApp } from './ssh-app'

let lab: Lab
let app: TestApp

beforeAll(async () => {
  lab = await useLab({ profiles: Array.from({ length: 20 }, () => 'microos') })
  app = testApp()
  installLabKey(app, lab.keyPath)
}, 180_000)

afterAll(() => app?.close())

describe('SSH fan-out', () => {
  it('logs in to 20 hosts in parallel with per-host progress', async () => {
    const hosts = []
    for (const node of lab.nodes) {
      const host = await app.addNode(node)
      await app.api.ssh.trust(host.id, node.hostKeyFingerprint!)
      hosts.push(host)
    }
    const perHost = new Map<string, string[]>()
    const states = new Map<string, string[]>()
    app.api.ops.onProgress((p) => {
      // Typed step states (the journal's) and the human progress text are separate streams.
      if (p.stepState) states.set(p.stepState.hostId, [...(states.get(p.stepState.hostId) ?? []), p.stepState.state])
      else if (p.nodeId && p.line === undefined) perHost.set(p.nodeId, [...(perHost.get(p.nodeId) ?? []), p.step])
    })
    const results = await app.api.ssh.check(hosts.map((h) => h.id))
    expect(results.filter((r) => r.ok)).toHaveLength(20)
    expect(new Set(results.map((r) => r.hostId))).toEqual(new Set(hosts.map((h) => h.id)))
    for (const host of hosts) expect(perHost.get(host.id)).toEqual(['Logging in', 'Ready'])
    for (const host of hosts) expect(states.get(host.id)).toEqual(['pending', 'running', 'done'])
  }, 120_000)
})
