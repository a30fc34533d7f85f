import { beforeEach, describe, expect, it } from 'vitest'
import type { PlanView } from '../../../shared/types'

// The store talks only to window.api (and the route): a stand-in that records the calls.
const calls: { apply: unknown[][]; hash: string[] } = { apply: [], hash: [] }
let next: Partial<PlanView>
;(globalThis as unknown as { window: unknown }).window = {
  location: {
    get hash() {
      return calls.hash.at(-1) ?? ''
    },
    set hash(h: string) {
      calls.hash.push(h)
    },
  },
  addEventListener: () => undefined,
  api: {
    ops: { onProgress: () => () => undefined, onStart: () => () => undefined, onEnd: () => () => undefined },
    plan: { compute: async () => next },
    apply: { run: (...args: unknown[]) => (calls.apply.push(args), new Promise(() => undefined)) },
  },
}
;(globalThis as unknown as { crypto: unknown }).crypto ??= { randomUUID: () => 'id-1' }
const { usePlan, reviewedPins } = await import('./plan.store')

const plan = (ids: string[], extra: Partial<PlanView> = {}): Partial<PlanView> => ({
  cluster: 'home',
  specHash: 'a'.repeat(64),
  factsFingerprint: 'b'.repeat(64),
  hosts: [{ hostId: 'h1', host: 'pi1', roles: [], steps: ids, factsHash: 'c'.repeat(64) }],
  steps: ids.map((id) => ({ id }) as PlanView['steps'][number]),
  blocked: false,
  ...extra,
})

describe('plan store: retry and resume', () => {
  beforeEach(() => {
    calls.apply = []
    calls.hash = []
  })

  it('applies the new plan with its pins when it has exactly the steps of the run, and opens its run', async () => {
    next = plan(['pi1/a', 'pi1/b'])
    await usePlan.getState().replanAndApply('home', ['pi1/b', 'pi1/a'])
    expect(calls.apply).toHaveLength(1)
    const [cluster, options, opOptions] = calls.apply[0] as [string, { reviewed: unknown }, { opId: string }]
    expect(cluster).toBe('home')
    expect(options.reviewed).toEqual(reviewedPins(next as PlanView))
    expect(options.reviewed).toEqual({
      specHash: 'a'.repeat(64),
      factsFingerprint: 'b'.repeat(64),
      hosts: { h1: 'c'.repeat(64) },
    })
    expect(calls.hash.at(-1)).toBe(`#/clusters/home/run/${opOptions.opId}`)
  })

  it('opens the review instead when the plan has other steps, or is blocked: nothing unseen runs', async () => {
    next = plan(['pi1/a', 'pi1/b', 'pi1/new'])
    await usePlan.getState().replanAndApply('home', ['pi1/a', 'pi1/b'])
    expect(calls.hash).toEqual(['#/clusters/home/plan'])
    calls.hash = []
    next = plan(['pi1/a'], { blocked: true })
    await usePlan.getState().replanAndApply('home', ['pi1/a'])
    expect(calls.hash).toEqual(['#/clusters/home/plan'])
    expect(calls.apply).toHaveLength(0)
  })
})
