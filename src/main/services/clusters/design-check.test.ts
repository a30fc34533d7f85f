import { describe, expect, it } from 'vitest'
import type { Host } from '../../../shared/types'
import { fakeFleet, fakeHost, fakeIdentification, fakeSpec, NOW } from '../plan/test-fixtures'
import { checkDesign, checkMoves, type DesignInput } from './design-check'

/** A fleet of 6 (cp-1..3, lb-1, worker-1..2) plus a 1 GB Pi and an untrusted host, all unassigned. */
function designer(spec = fakeFleet(6).spec, extra: Host[] = []): DesignInput & { small: Host; untrusted: Host } {
  const fleet = fakeFleet(6)
  const small = fakeHost({
    label: 'pi-1gb',
    identification: fakeIdentification({ memoryMiB: 906, hostname: 'pi-1gb' }),
  })
  const untrusted = fakeHost({ label: 'new-box', hostKey: undefined })
  return {
    cluster: { id: 'c1', revision: 4, spec },
    hosts: [...fleet.hosts, small, untrusted, ...extra],
    now: NOW,
    small,
    untrusted,
  }
}

const verdict = (input: DesignInput, host: string, target: string) =>
  checkMoves(input, host).find((v) => v.target === target)!

describe('checkDesign', () => {
  it('places every node and the endpoint on its inventory host and lists the rest as unassigned', () => {
    const input = designer()
    const check = checkDesign(input)
    const id = (label: string) => input.hosts.find((h) => h.label === label)!.id
    expect(check).toMatchObject({ id: 'c1', revision: 4, endpointHostId: id('lb-1') })
    expect(check.nodes.map((n) => [n.ref, n.hostId, n.roles])).toEqual([
      ['cp-1', id('cp-1'), ['control-plane']],
      ['cp-2', id('cp-2'), ['control-plane']],
      ['cp-3', id('cp-3'), ['control-plane']],
      ['worker-1', id('worker-1'), ['worker']],
      ['worker-2', id('worker-2'), ['worker']],
    ])
    expect(check.unassigned).toEqual([input.small.id, input.untrusted.id])
    expect(check.quorum).toBe('3 control planes: survives 1 failure (etcd needs 2 of 3 up).')
    expect(check.problems).toEqual([])
    expect(check.kubernetesVersions).toContain('1.32')
  })

  it("says what is wrong with the spec in the validator's words: two control planes, an unknown host", () => {
    const spec = fakeSpec({
      nodes: [
        { host: 'cp-1', roles: ['control-plane'] },
        { host: 'cp-2', roles: ['control-plane'] },
        { host: 'ghost', roles: ['worker'] },
      ],
    })
    const check = checkDesign(designer(spec))
    expect(check.nodes[2]).toEqual({ ref: 'ghost', roles: ['worker'] })
    expect(check.problems.map((p) => [p.code, p.severity])).toEqual(
      expect.arrayContaining([
        ['host-unknown', 'blocking'],
        ['quorum-two', 'warning'],
      ]),
    )
    expect(check.quorum).toMatch(/^2 control planes: survives 0 failures/)
  })

  it('judges old facts instead of calling them stale (the plan probes again)', () => {
    const input = designer()
    const check = checkDesign({ ...input, now: new Date(NOW.getTime() + 30 * 24 * 3600_000) })
    expect(check.problems.map((p) => p.code)).not.toContain('probe-stale')
  })
})

describe('checkMoves', () => {
  it('refuses a 1 GB host as a control plane with readiness sentence, and allows it as a worker', () => {
    const input = designer()
    const cp = verdict(input, input.small.id, 'control-plane')
    expect(cp.allowed).toBe(false)
    expect(cp.reasons.map((p) => p.message)).toEqual([
      'pi-1gb: 906 MB RAM: too little for a control plane (2 GB minimum).',
    ])
    const worker = verdict(input, 'pi-1gb', 'worker')
    expect(worker).toMatchObject({ allowed: true, current: false, reasons: [] })
    expect(verdict(input, 'pi-1gb', 'none')).toMatchObject({ allowed: true, current: true })
  })

  it('refuses etcd while etcd is stacked, and HAProxy on a control plane on the API port', () => {
    const input = designer()
    expect(verdict(input, 'worker-1', 'etcd').reasons.map((p) => p.code)).toEqual(['etcd-role-stacked'])
    const clash = verdict(input, 'cp-1', 'endpoint')
    expect(clash.allowed).toBe(false)
    expect(clash.reasons[0]!.message).toMatch(/HAProxy on cp-1 would listen on port 6443/)
    expect(verdict(input, 'worker-1', 'endpoint').allowed).toBe(true)
    expect(verdict(input, 'cp-1', 'control-plane')).toMatchObject({ current: true, allowed: true })
  })

  it('does not refuse a move for what is wrong with the host itself, but says it', () => {
    const input = designer()
    const move = verdict(input, 'new-box', 'worker')
    expect(move.allowed).toBe(true)
    expect(move.notes.map((p) => p.code)).toContain('host-untrusted')
  })

  it('keeps the endpoint host from leaving for the unassigned hosts: a cluster needs an endpoint', () => {
    const input = designer()
    const out = verdict(input, 'lb-1', 'none')
    expect(out.allowed).toBe(false)
    expect(out.reasons[0]).toMatchObject({ code: 'endpoint-required', message: expect.stringMatching(/lb-1 is the/) })
  })

  it('refuses to move the endpoint of a built cluster', () => {
    const input = designer()
    const lb = input.hosts.find((h) => h.label === 'lb-1')!
    const built = { ...input, existing: { endpoint: { host: lb.address, port: 6443 }, built: true } }
    expect(verdict(built, 'worker-1', 'endpoint').reasons.map((p) => p.code)).toEqual(['endpoint-changed'])
  })

  it('answers for a host the inventory does not have', () => {
    const input = designer()
    expect(checkMoves(input, 'nobody').every((v) => !v.allowed && v.reasons[0]!.code === 'host-unknown')).toBe(true)
  })
})
