import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { LiveEvents, LiveStatus, TaintAction } from '../../../shared/channels/status'

// The store talks only to window.api: a stand-in recording the calls and handing out the listener.
type LiveListener = (p: LiveEvents['clusters:live']) => void
const calls: string[] = []
let listener: LiveListener | undefined
let refuse: Set<string> = new Set()
;(globalThis as unknown as { window: unknown }).window = {
  api: {
    clusters: {
      onLive: (l: LiveListener) => ((listener = l), () => undefined),
      watch: (cluster: string, watchId: string) => {
        calls.push(`watch ${cluster} ${watchId}`)
        return Promise.resolve({ leaseMs: 3000 })
      },
      unwatch: (watchId: string) => {
        calls.push(`unwatch ${watchId}`)
        return Promise.resolve()
      },
      taint: (cluster: string, node: string, action: TaintAction) => {
        calls.push(`taint ${cluster} ${node} ${action}`)
        return refuse.has(node)
          ? Promise.reject({ code: 'CONFLICT', message: `${node} kept changing.` })
          : Promise.resolve({ node, action, changed: true, taints: [], message: `${node} accepts workloads.` })
      },
    },
  },
}
const { useLive } = await import('./live.store')

const member = (name: string, roles: string[]) => ({
  hostId: `h-${name}`,
  host: name,
  nodeName: name,
  specRoles: roles,
  state: 'ready' as const,
  stateDetail: '',
  node: { name, roles, ready: true, taints: [], kubeletVersion: 'v1.32.4' },
})

describe('the live view store', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    calls.length = 0
    refuse = new Set()
  })
  afterEach(() => vi.useRealTimers())

  it('watches with a lease it renews every third of it, and unwatches when the view stops', async () => {
    const stop = useLive.getState().watch({ id: 'c1', name: 'homelab' })
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toHaveLength(1)
    const id = calls[0]!.split(' ')[2]!
    await vi.advanceTimersByTimeAsync(3000)
    expect(calls).toEqual([`watch homelab ${id}`, `watch homelab ${id}`, `watch homelab ${id}`, `watch homelab ${id}`])
    stop()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(calls.at(-1)).toBe(`unwatch ${id}`)
    expect(calls.filter((c) => c.startsWith('watch'))).toHaveLength(4)
  })

  it('keeps the latest snapshot per cluster, and taints every control plane with one sentence per node', async () => {
    const stop = useLive.getState().watch({ id: 'c1', name: 'homelab' })
    const status = {
      members: [member('cp1', ['control-plane']), member('cp2', ['control-plane']), member('w1', ['worker'])],
    } as unknown as LiveStatus
    listener!({ clusterId: 'c1', status })
    expect(useLive.getState().status.c1).toBe(status)
    refuse.add('cp2')
    await useLive.getState().setTaints({ id: 'c1', name: 'homelab' }, 'remove-control-plane')
    expect(calls.filter((c) => c.startsWith('taint'))).toEqual([
      'taint homelab cp1 remove-control-plane',
      'taint homelab cp2 remove-control-plane',
    ])
    expect(useLive.getState().taintOutcome.c1).toEqual({
      action: 'remove-control-plane',
      ok: false,
      lines: ['cp1 accepts workloads.', 'cp2 kept changing.'],
    })
    expect(useLive.getState().taintBusy.c1).toBeUndefined()
    stop()
  })
})
