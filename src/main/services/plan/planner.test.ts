import { describe, expect, it } from 'vitest'
import type { Host } from '../../../shared/types'
import { writeSpecYaml } from '../clusters/spec-yaml'
import { sh } from '../ssh/shell-command'
import { buildPlan, clusterView, renderPlan, specHash, type ValidationLike } from './planner'
import { stepId, type Recipe, type RecipeContext } from './step'
import { fakeFleet, fakeSpec, NOW } from './test-fixtures'
import { createHash } from 'node:crypto'

/** Two steps on every Kubernetes node, one more on the HAProxy host, one with a secret file. */
const swap: Recipe = {
  name: 'swap',
  kind: 'prepare',
  steps: (ctx) =>
    ctx.roles.some((r) => r !== 'haproxy')
      ? [
          {
            id: stepId(ctx, 'swap'),
            hostId: ctx.host.id,
            kind: 'prepare',
            title: 'Turn swap off',
            deps: [],
            actions: [{ type: 'run', command: sh`swapoff -a`, sudo: true }],
            check: { command: sh`! grep -q . /proc/swaps`, sudo: false },
          },
        ]
      : [],
}
const sysctl: Recipe = {
  name: 'sysctl',
  kind: 'prepare',
  steps: (ctx) => [
    {
      id: stepId(ctx, 'sysctl', 'file'),
      hostId: ctx.host.id,
      kind: 'prepare',
      title: 'Forward IPv4',
      deps: [],
      actions: [
        {
          type: 'write',
          path: '/etc/sysctl.d/90-k8s.conf',
          mode: 0o644,
          owner: 'root:root',
          content: { text: 'net.ipv4.ip_forward = 1\n' },
        },
      ],
      check: { command: sh`test -f /etc/sysctl.d/90-k8s.conf`, sudo: false },
    },
    {
      id: stepId(ctx, 'sysctl', 'key'),
      hostId: ctx.host.id,
      kind: 'prepare',
      title: 'A secret file',
      deps: [stepId(ctx, 'sysctl', 'file')],
      actions: [{ type: 'write', path: '/etc/k.key', mode: 0o600, owner: 'root:root', content: { secret: 'ca key' } }],
      check: { command: sh`test -f /etc/k.key`, sudo: true },
    },
  ],
}
const reset: Recipe = {
  name: 'reset',
  kind: 'reset',
  steps: (ctx) => [
    {
      id: stepId(ctx, 'reset'),
      hostId: ctx.host.id,
      kind: 'reset',
      title: 'Wipe leftovers',
      deps: [],
      actions: [{ type: 'run', command: sh`rm -rf /etc/kubernetes`, sudo: true }],
      check: { command: sh`! test -e /etc/kubernetes`, sudo: true },
    },
  ],
}

function validation(
  hosts: Host[],
  spec = fakeFleet(5).spec,
  problems: ValidationLike['problems'] = [],
): ValidationLike {
  const byLabel = (l: string) => hosts.find((h) => h.label === l)!
  return {
    problems,
    blocked: problems.some((p) => p.severity === 'blocking'),
    nodes: spec.spec.nodes.map((n, i) => ({
      ref: n.host,
      path: `spec.nodes[${i}]`,
      host: byLabel(n.host),
      roles: n.roles,
    })),
    endpointHost: byLabel(spec.spec.endpoint.haproxy!.host),
    quorum: '3 control planes: survives 1 failure.',
  }
}

describe('buildPlan', () => {
  const fleet = fakeFleet(5)
  const plan = () =>
    buildPlan({
      spec: fleet.spec,
      validation: validation(fleet.hosts, fleet.spec),
      recipes: [swap, sysctl],
      resetRecipe: reset,
      kubernetes: { minor: '1.32', patch: '1.32.4' },
      now: NOW,
    })

  it('puts the HAProxy host first, then the nodes in spec order, each with its recipes in order', () => {
    const p = plan()
    expect(p.hosts.map((h) => h.name)).toEqual(['lb-1', 'cp-1', 'cp-2', 'cp-3', 'worker-1'])
    expect(p.hosts[0]!.roles).toEqual(['haproxy'])
    expect(p.hosts[0]!.steps).toEqual(['lb-1/sysctl/file', 'lb-1/sysctl/key'])
    expect(p.hosts[1]!.steps).toEqual(['cp-1/swap', 'cp-1/sysctl/file', 'cp-1/sysctl/key'])
    expect(p.steps).toHaveLength(2 + 4 * 3)
  })

  it('gives every recipe the whole cluster: hosts in plan order with addresses and roles, and the endpoint', () => {
    const seen: RecipeContext['cluster'][] = []
    buildPlan({
      spec: fleet.spec,
      validation: validation(fleet.hosts, fleet.spec),
      recipes: [{ name: 'spy', kind: 'prepare', steps: (ctx) => (seen.push(ctx.cluster), []) }],
      kubernetes: { minor: '1.32' },
      now: NOW,
    })
    const lb = fleet.hosts.find((h) => h.label === 'lb-1')!
    expect(seen[0]!.endpoint).toEqual({ host: lb.address, port: 6443 })
    expect(seen[0]!.hosts.map((h) => [h.name, h.roles])).toEqual([
      ['lb-1', ['haproxy']],
      ['cp-1', ['control-plane']],
      ['cp-2', ['control-plane']],
      ['cp-3', ['control-plane']],
      ['worker-1', ['worker']],
    ])
    expect(seen[1]).toBe(seen[0])
    const withAddress = { ...fleet.spec, spec: { ...fleet.spec.spec, endpoint: { address: 'k8s.home.arpa:7443' } } }
    expect(clusterView(withAddress, []).endpoint).toEqual({ host: 'k8s.home.arpa', port: 7443 })
  })

  it('carries the validator’s quorum sentence into the view', () => {
    expect(renderPlan(plan()).quorum).toBe('3 control planes: survives 1 failure.')
  })

  it('chains one host’s steps in order and keeps the recipe’s own dependencies', () => {
    const p = plan()
    const byId = new Map(p.steps.map((s) => [s.id, s]))
    expect(byId.get('cp-1/swap')!.deps).toEqual([])
    expect(byId.get('cp-1/sysctl/file')!.deps).toEqual(['cp-1/swap'])
    expect(byId.get('cp-1/sysctl/key')!.deps).toEqual(['cp-1/sysctl/file'])
  })

  it('gives the same ids and hash for the same spec (stable across plans)', () => {
    const a = plan()
    const b = plan()
    expect(a.steps.map((s) => s.id)).toEqual(b.steps.map((s) => s.id))
    expect(a.specHash).toBe(createHash('sha256').update(writeSpecYaml(fleet.spec)).digest('hex'))
    expect(specHash(fakeSpec({ kubernetesVersion: '1.31' }))).not.toBe(specHash(fakeSpec()))
  })

  it('plans a reset only for a host the user consented for, first on that host, with its consent said', () => {
    const without = plan()
    expect(without.steps.some((s) => s.kind === 'reset')).toBe(false)
    const cp2 = fleet.hosts.find((h) => h.label === 'cp-2')!
    const withConsent = buildPlan({
      spec: fleet.spec,
      validation: validation(fleet.hosts, fleet.spec),
      recipes: [swap, sysctl],
      resetRecipe: reset,
      resetConsent: [cp2.id],
      kubernetes: { minor: '1.32' },
      now: NOW,
    })
    const resets = withConsent.steps.filter((s) => s.kind === 'reset')
    expect(resets.map((s) => s.id)).toEqual(['cp-2/reset'])
    expect(resets[0]!.consent).toMatch(/cp-2/)
    expect(withConsent.hosts.find((h) => h.name === 'cp-2')!.steps[0]).toBe('cp-2/reset')
    expect(withConsent.steps.find((s) => s.id === 'cp-2/swap')!.deps).toEqual(['cp-2/reset'])
  })

  it('makes no steps for a host without facts, and a blocking problem blocks', () => {
    const hosts = fleet.hosts.map((h) => {
      if (h.label !== 'worker-1') return h
      const { identification: _gone, ...rest } = h
      return rest
    })
    const p = buildPlan({
      spec: fleet.spec,
      validation: validation(hosts, fleet.spec, [
        { code: 'host-unidentified', severity: 'blocking', message: 'm', next: 'n' },
      ]),
      recipes: [swap],
      kubernetes: { minor: '1.32' },
      now: NOW,
    })
    expect(p.hosts.find((h) => h.name === 'worker-1')!.steps).toEqual([])
    expect(p.blocked).toBe(true)
  })

  it('refuses two steps with the same id', () => {
    expect(() =>
      buildPlan({
        spec: fleet.spec,
        validation: validation(fleet.hosts, fleet.spec),
        recipes: [swap, swap],
        kubernetes: { minor: '1.32' },
        now: NOW,
      }),
    ).toThrow(/same id/)
  })
})

describe('renderPlan', () => {
  const fleet = fakeFleet(4)
  const p = buildPlan({
    spec: fleet.spec,
    validation: validation(fleet.hosts, fleet.spec),
    recipes: [swap, sysctl],
    kubernetes: { minor: '1.32', patch: '1.32.4' },
    extraProblems: [{ code: 'kubernetes-patch-unresolved', severity: 'warning', message: 'm', next: 'n' }],
    now: NOW,
  })

  it('shows exact commands, files with octal mode, secrets as placeholders, and counts the states', () => {
    const view = renderPlan(
      p,
      new Map([
        ['cp-1/swap', { state: 'done' as const }],
        ['cp-1/sysctl/file', { state: 'todo' as const, detail: 'missing' }],
        ['cp-1/sysctl/key', { state: 'unknown' as const, detail: 'no answer' }],
      ]),
    )
    const step = (id: string) => view.steps.find((s) => s.id === id)!
    expect(step('cp-1/swap').actions).toEqual([{ type: 'run', text: 'swapoff -a', sudo: true }])
    expect(step('cp-1/swap').check).toEqual([{ text: '! grep -q . /proc/swaps', sudo: false }])
    expect(step('cp-1/sysctl/file').actions[0]).toMatchObject({
      mode: '0644',
      owner: 'root:root',
      content: 'net.ipv4.ip_forward = 1\n',
    })
    expect(step('cp-1/sysctl/key').actions[0]).toMatchObject({ content: '<secret: ca key>' })
    expect(step('cp-1/sysctl/file')).toMatchObject({ status: 'todo', detail: 'missing' })
    expect(step('cp-2/swap').status).toBe('not-checked')
    expect(view.summary).toEqual({ steps: 11, done: 1, todo: 1, unknown: 1, notChecked: 8 })
    expect(view.kubernetes).toEqual({ minor: '1.32', patch: '1.32.4' })
    expect(view.problems.map((x) => x.code)).toEqual(['kubernetes-patch-unresolved'])
    expect(view.blocked).toBe(false)
    expect(view.hosts[0]).toMatchObject({
      host: 'lb-1',
      roles: ['haproxy'],
      probedAt: fleet.hosts[3]!.identification!.at,
    })
  })
})
