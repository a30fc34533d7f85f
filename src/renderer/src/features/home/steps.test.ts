import { describe, expect, it } from 'vitest'
import type { Cluster, Host, VaultStatus } from '../../../../shared/types'
import { stepsToCluster } from './steps'

const host = (id: string, extra: Partial<Host> = {}): Host =>
  ({
    id,
    address: `10.0.0.${id}`,
    port: 22,
    user: 'pi',
    source: 'manual',
    addedAt: '',
    updatedAt: '',
    ...extra,
  }) as Host
const vault = (state: VaultStatus['state']) => ({ state }) as VaultStatus
const cluster = (nodes: number, build?: 'building' | 'built') =>
  ({
    id: 'c1',
    name: 'homelab',
    spec: { spec: { nodes: Array.from({ length: nodes }, (_, i) => ({ host: String(i), roles: ['worker'] })) } },
    ...(build ? { build: { state: build, members: [], startedAt: '' } } : {}),
  }) as unknown as Cluster
const done = (steps: ReturnType<typeof stepsToCluster>) => Object.fromEntries(steps.map((s) => [s.id, s.done]))

describe('the steps to a cluster', () => {
  it('has nothing done in an empty app', () => {
    expect(Object.values(done(stepsToCluster([], vault('uninitialised'), [])))).toEqual(Array(6).fill(false))
  })

  it('counts only adopted hosts; trust and identify need every one of them', () => {
    const found = host('1', { pending: true })
    const trusted = host('2', { hostKey: {} as NonNullable<Host['hostKey']> })
    expect(done(stepsToCluster([found], null, []))).toMatchObject({ hosts: false, trust: false })
    expect(done(stepsToCluster([found, trusted], null, []))).toMatchObject({
      hosts: true,
      trust: true,
      identify: false,
    })
    expect(done(stepsToCluster([trusted, host('3')], null, []))).toMatchObject({ trust: false })
  })

  it('judges the vault, the design and the build from their stores, and links to the cluster', () => {
    expect(done(stepsToCluster([], vault('locked'), [cluster(0)]))).toMatchObject({ vault: true, design: false })
    const steps = stepsToCluster([], vault('unlocked'), [cluster(2, 'building')])
    expect(done(steps)).toMatchObject({ vault: true, design: true, apply: false })
    expect(steps.find((s) => s.id === 'apply')!.route).toEqual({ screen: 'clusters', cluster: 'homelab', view: 'plan' })
    expect(done(stepsToCluster([], vault('unlocked'), [cluster(2, 'built')]))).toMatchObject({ apply: true })
  })
})
