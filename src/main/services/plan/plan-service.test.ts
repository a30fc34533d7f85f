import { describe, expect, it } from 'vitest'
import type { Host, ProbeResult } from '../../../shared/types'
import type { OperationContext } from '../operations/registry'
import type { ExecResult } from '../ssh/exec'
import type { ShellCommand } from '../ssh/shell-command'
import { newestPatch, packagesIndexUrl } from './kubernetes-version'
import { PlanService, type Validate } from './plan-service'
import { fakeFleet, fakeIdentification, NOW } from './test-fixtures'

const ctx: OperationContext = {
  id: 'op',
  signal: new AbortController().signal,
  progress: () => undefined,
  log: () => undefined,
  throwIfCancelled: () => undefined,
}

const INDEX = [
  'Package: kubelet\nVersion: 1.32.9-1.1\nArchitecture: arm64\n',
  'Package: kubeadm\nVersion: 1.32.2-1.1\nArchitecture: arm64\n',
  'Package: kubeadm\nVersion: 1.32.10-1.1\nArchitecture: amd64\n',
  'Package: kubeadm\nVersion: 1.31.7-1.1\nArchitecture: amd64\n',
].join('\n')

describe('newestPatch', () => {
  it('takes the newest kubeadm patch of the minor, numerically, and nothing else', () => {
    expect(newestPatch(INDEX, '1.32')).toBe('1.32.10')
    expect(newestPatch(INDEX, '1.31')).toBe('1.31.7')
    expect(newestPatch(INDEX, '1.30')).toBeUndefined()
    expect(newestPatch('<html>not an index</html>', '1.32')).toBeUndefined()
    expect(packagesIndexUrl('1.32')).toBe('https://pkgs.k8s.io/core:/stable:/v1.32/deb/Packages')
  })
})

/** A fleet, a validator that resolves nodes by label, an SSH that serves the index and no checks. */
function setup(
  options: {
    staleLabels?: string[]
    unreachable?: string[]
    curlFails?: boolean
    resetRecipe?: boolean
    neverLoggedIn?: string[]
  } = {},
) {
  const fleet = fakeFleet(5)
  let hosts: Host[] = fleet.hosts.map((h) =>
    options.staleLabels?.includes(h.label!)
      ? { ...h, identification: { ...h.identification!, at: new Date(NOW.getTime() - 3_600_000).toISOString() } }
      : h,
  )
  const probed: string[][] = []
  const identify = {
    probe: async (ids: string[]): Promise<ProbeResult[]> => {
      probed.push(ids)
      return ids.map((id) => {
        const host = hosts.find((h) => h.id === id)!
        if (options.unreachable?.includes(host.label!)) {
          return { hostId: id, ok: false, error: { code: 'CONNECTION_REFUSED', message: 'Connection refused.' } }
        }
        const identification = fakeIdentification({ at: NOW.toISOString(), hostname: host.label! })
        hosts = hosts.map((h) => (h.id === id ? { ...h, identification } : h))
        return { hostId: id, ok: true, identification }
      })
    },
  }
  const seen: { hosts: Host[]; consent?: string[] }[] = []
  const validate: Validate = (input) => {
    seen.push({ hosts: input.hosts, ...(input.resetConsent ? { consent: input.resetConsent } : {}) })
    const byLabel = (l: string) => input.hosts.find((h) => h.label === l)!
    return {
      problems: [],
      blocked: false,
      nodes: input.spec.spec.nodes.map((n, i) => ({
        ref: n.host,
        path: `spec.nodes[${i}]`,
        host: byLabel(n.host),
        roles: n.roles,
      })),
      endpointHost: byLabel('lb-1'),
    }
  }
  const commands: string[] = []
  const loggedIn: string[][] = []
  if (options.neverLoggedIn)
    hosts = hosts.map((h) => {
      if (!options.neverLoggedIn!.includes(h.label!)) return h
      const { lastLogin: _never, ...rest } = h
      return rest
    })
  const ssh = {
    run: async (_hostId: string, command: ShellCommand): Promise<ExecResult> => {
      commands.push(command.text)
      const curl = command.text.startsWith('curl')
      const stdout = curl && !options.curlFails ? INDEX : ''
      return {
        exitCode: curl && options.curlFails ? 6 : 0,
        stdout: Buffer.from(stdout),
        stderr: 'Could not resolve host',
      } as unknown as ExecResult
    },
  }
  const service = new PlanService({
    inventory: { list: () => hosts },
    identify,
    ssh,
    validate,
    recipes: [],
    ...(options.resetRecipe === false
      ? {}
      : { resetRecipe: { name: 'reset', kind: 'reset' as const, steps: () => [] } }),
    checkLogins: async (ids: string[]) => {
      loggedIn.push(ids)
      hosts = hosts.map((h) =>
        ids.includes(h.id) ? { ...h, lastLogin: { hostId: h.id, ok: true, sudo: 'root', at: NOW.toISOString() } } : h,
      )
    },
    now: () => NOW,
  })
  return { fleet, service, probed, seen, commands, loggedIn, hostsNow: () => hosts }
}

describe('PlanService.compute', () => {
  it('re-probes only the spec’s hosts whose facts are too old, before the validator sees them', async () => {
    const { fleet, service, probed, seen, hostsNow } = setup({ staleLabels: ['cp-2', 'worker-1'] })
    const { plan } = await service.compute({ spec: fleet.spec }, ctx)
    const id = (l: string) => hostsNow().find((h) => h.label === l)!.id
    expect(probed).toEqual([[id('cp-2'), id('worker-1')]])
    // The validator judged the refreshed facts.
    expect(seen[0]!.hosts.find((h) => h.label === 'cp-2')!.identification!.at).toBe(NOW.toISOString())
    expect(plan.problems).toEqual([])
  })

  it('logs in to hosts it never logged in to before validating, and only to those', async () => {
    const { fleet, service, loggedIn, seen, hostsNow } = setup({ neverLoggedIn: ['cp-1'] })
    await service.compute({ spec: fleet.spec }, ctx)
    expect(loggedIn).toEqual([[hostsNow().find((h) => h.label === 'cp-1')!.id]])
    expect(seen[0]!.hosts.find((h) => h.label === 'cp-1')!.lastLogin?.ok).toBe(true)
    const again = setup()
    await again.service.compute({ spec: again.fleet.spec }, ctx)
    expect(again.loggedIn).toEqual([])
  })

  it('re-probes nothing when every fact is fresh; a shorter max age makes them stale', async () => {
    const a = setup()
    await a.service.compute({ spec: a.fleet.spec }, ctx)
    expect(a.probed).toEqual([])
    const b = setup()
    await b.service.compute({ spec: b.fleet.spec, maxProbeAgeMs: 30_000 }, ctx)
    expect(b.probed[0]).toHaveLength(5)
  })

  it('makes a host that cannot be re-probed a blocking problem that names it', async () => {
    const { fleet, service } = setup({ staleLabels: ['cp-3'], unreachable: ['cp-3'] })
    const { plan } = await service.compute({ spec: fleet.spec }, ctx)
    expect(plan.blocked).toBe(true)
    expect(plan.problems).toMatchObject([{ code: 'host-unreachable', severity: 'blocking', host: 'cp-3' }])
    expect(plan.problems[0]!.message).toContain('Connection refused.')
  })

  it('resolves the patch from a node, or says why not (a warning, no guess)', async () => {
    const ok = setup()
    const { plan } = await ok.service.compute({ spec: ok.fleet.spec }, ctx)
    expect(plan.kubernetes).toEqual({ minor: '1.32', patch: '1.32.10' })
    expect(ok.commands[0]).toBe(`curl -fsS --max-time 20 ${packagesIndexUrl('1.32')}`)

    const down = setup({ curlFails: true })
    const failed = await down.service.compute({ spec: down.fleet.spec }, ctx)
    expect(failed.plan.kubernetes).toEqual({ minor: '1.32' })
    expect(failed.plan.problems).toMatchObject([{ code: 'kubernetes-patch-unresolved', severity: 'warning' }])
    expect(failed.plan.problems[0]!.message).toContain('curl exit 6')
    expect(failed.plan.blocked).toBe(false)
  })

  it('without a reset recipe, consent unblocks nothing: it is a blocking problem saying so', async () => {
    const { fleet, service, seen } = setup({ resetRecipe: false })
    const { plan } = await service.compute({ spec: fleet.spec, resetConsent: ['cp-1'] }, ctx)
    expect(seen[0]!.consent).toEqual([])
    expect(plan.problems).toMatchObject([{ code: 'reset-not-available', severity: 'blocking' }])
    expect(plan.problems[0]!.message).toContain('cp-1')
  })

  it('passes consent as host ids, and a consent naming no host blocks', async () => {
    const { fleet, service, seen, hostsNow } = setup()
    await service.compute({ spec: fleet.spec, resetConsent: ['cp-1'] }, ctx)
    expect(seen[0]!.consent).toEqual([hostsNow().find((h) => h.label === 'cp-1')!.id])
    const { plan } = await service.compute({ spec: fleet.spec, resetConsent: ['nobody'] }, ctx)
    expect(plan.problems).toMatchObject([{ code: 'reset-consent-unknown-host', severity: 'blocking' }])
  })

  it('with checks off, logs in nowhere (no patch, no checks)', async () => {
    const { fleet, service, commands } = setup()
    const { plan, checks } = await service.compute({ spec: fleet.spec, checks: false }, ctx)
    expect(commands).toEqual([])
    expect(checks.size).toBe(0)
    expect(plan.kubernetes).toEqual({ minor: '1.32' })
  })
})
