import type { V1Node } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { setControlPlaneTaint, taintsAfter } from './taints'

const CP = 'node-role.kubernetes.io/control-plane'
const MASTER = 'node-role.kubernetes.io/master'

/** A fake API server for one Node: PUT with a stale resourceVersion is a 409, as the real one. */
function fakeApi(initial: V1Node, interfere = 0) {
  let current: V1Node = structuredClone(initial)
  let version = 1
  current.metadata = { ...current.metadata, resourceVersion: String(version) }
  const writes: V1Node[] = []
  let reads = 0
  let interferences = interfere
  return {
    writes,
    get reads() {
      return reads
    },
    get current() {
      return current
    },
    readNode: ({ name }: { name: string }) => {
      reads++
      if (name !== current.metadata?.name) return Promise.reject(Object.assign(new Error('not found'), { code: 404 }))
      return Promise.resolve(structuredClone(current))
    },
    replaceNode: ({ body }: { name: string; body: V1Node }) => {
      if (interferences > 0) {
        // Someone else (the kubelet's status update) wrote the node between our read and write.
        interferences--
        version++
        current = { ...current, metadata: { ...current.metadata, resourceVersion: String(version) } }
      }
      if (body.metadata?.resourceVersion !== current.metadata?.resourceVersion)
        return Promise.reject(Object.assign(new Error('Operation cannot be fulfilled: conflict'), { code: 409 }))
      writes.push(structuredClone(body))
      version++
      current = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(version) } }
      return Promise.resolve(structuredClone(current))
    },
  }
}

const cpNode = (taints: V1Node['spec'] extends infer S ? (S extends { taints?: infer T } ? T : never) : never) =>
  ({
    metadata: { name: 'cp1', labels: { [CP]: '' } },
    spec: { taints },
  }) as V1Node

describe('control-plane taints through the API', () => {
  it('removes both the control-plane and the legacy master NoSchedule taints, keeping others, with the resourceVersion read', async () => {
    const api = fakeApi(
      cpNode([
        { key: CP, effect: 'NoSchedule' },
        { key: MASTER, effect: 'NoSchedule' },
        { key: 'dedicated', value: 'gpu', effect: 'NoExecute' },
      ]),
    )
    const r = await setControlPlaneTaint(api as never, 'cp1', 'remove-control-plane')
    expect(r).toMatchObject({ node: 'cp1', changed: true, taints: ['dedicated=gpu:NoExecute'] })
    expect(api.writes).toHaveLength(1)
    expect(api.writes[0]!.metadata?.resourceVersion).toBe('1')
    expect(api.current.spec?.taints).toEqual([{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }])
  })

  it('restores control-plane:NoSchedule once; a second restore or remove changes nothing', async () => {
    const api = fakeApi(cpNode([]))
    expect((await setControlPlaneTaint(api as never, 'cp1', 'restore-control-plane')).taints).toEqual([
      `${CP}:NoSchedule`,
    ])
    const again = await setControlPlaneTaint(api as never, 'cp1', 'restore-control-plane')
    expect(again.changed).toBe(false)
    expect(api.writes).toHaveLength(1)
    const bare = fakeApi(cpNode([]))
    expect((await setControlPlaneTaint(bare as never, 'cp1', 'remove-control-plane')).changed).toBe(false)
    expect(bare.writes).toHaveLength(0)
  })

  it('a conflict (409) reads the node again once and writes on the fresh version; two conflicts are a sentence', async () => {
    const once = fakeApi(cpNode([{ key: CP, effect: 'NoSchedule' }]), 1)
    const r = await setControlPlaneTaint(once as never, 'cp1', 'remove-control-plane')
    expect(r.changed).toBe(true)
    expect(once.reads).toBe(2)
    expect(once.writes[0]!.metadata?.resourceVersion).toBe('2')

    const twice = fakeApi(cpNode([{ key: CP, effect: 'NoSchedule' }]), 2)
    await expect(setControlPlaneTaint(twice as never, 'cp1', 'remove-control-plane')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('kept changing') as unknown,
    })
    expect(twice.reads).toBe(2)
    expect(twice.current.spec?.taints).toEqual([{ key: CP, effect: 'NoSchedule' }])
  })

  it('refuses an unknown node and restoring on a worker, in sentences', async () => {
    const api = fakeApi(cpNode([]))
    await expect(setControlPlaneTaint(api as never, 'nope', 'remove-control-plane')).rejects.toMatchObject({
      message: `The cluster's API has no node "nope".`,
    })
    const worker = fakeApi({ metadata: { name: 'w1', labels: {} }, spec: {} } as V1Node)
    await expect(setControlPlaneTaint(worker as never, 'w1', 'restore-control-plane')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    })
  })

  it('taintsAfter leaves a PreferNoSchedule control-plane taint alone (only NoSchedule is kubeadm’s)', () => {
    expect(taintsAfter([{ key: CP, effect: 'PreferNoSchedule' }], 'remove-control-plane')).toBeUndefined()
  })
})
