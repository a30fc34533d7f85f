import type { V1Node, V1Pod } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import type { KubeClient } from '../../kube/kube-client'
import type { OperationContext } from '../../operations/registry'
import { sh } from '../../ssh/shell-command'
import { apiOp, type ApiOpEnv } from '../api-ops'
import type { Step } from '../../plan/step'
import { evictable, nodeArgs } from './nodes'
import './index'

const notFound = () => Object.assign(new Error('HTTP-Code: 404 Message: not found'), { code: 404 })
const tooMany = () => Object.assign(new Error('HTTP-Code: 429 Message: Cannot evict pod'), { code: 429 })

const pod = (name: string, extra: Partial<V1Pod['metadata']> = {}, phase = 'Running'): V1Pod => ({
  metadata: { name, namespace: 'default', ...extra },
  spec: { nodeName: 'w-1', containers: [] },
  status: { phase },
})

/** A cluster of one node `w-1` (InternalIP 10.0.0.21) and its pods; evictions end pods at once, a PDB refuses one once. */
function fakeCluster(pods: V1Pod[], { registeredAs = 'w-1', refuseOnce = '' } = {}) {
  let node: V1Node | null = {
    metadata: { name: registeredAs },
    spec: {},
    status: { addresses: [{ type: 'InternalIP', address: '10.0.0.21' }] },
  }
  const calls: string[] = []
  let refused = false
  const core = {
    readNode: ({ name }: { name: string }) =>
      node && node.metadata!.name === name ? Promise.resolve(node) : Promise.reject(notFound()),
    listNode: () => Promise.resolve({ items: node ? [node] : [] }),
    patchNode: ({ name, body }: { name: string; body: { spec: { unschedulable: boolean } } }) => {
      calls.push(`cordon ${name}`)
      node!.spec = { ...node!.spec, ...body.spec }
      return Promise.resolve(node)
    },
    listPodForAllNamespaces: ({ fieldSelector }: { fieldSelector: string }) => {
      calls.push(`list ${fieldSelector}`)
      return Promise.resolve({ items: pods })
    },
    createNamespacedPodEviction: ({ name }: { name: string }) => {
      if (name === refuseOnce && !refused) {
        refused = true
        calls.push(`refused ${name}`)
        return Promise.reject(tooMany())
      }
      calls.push(`evict ${name}`)
      pods = pods.filter((p) => p.metadata!.name !== name)
      return Promise.resolve({})
    },
    deleteNode: ({ name }: { name: string }) => {
      calls.push(`delete ${name}`)
      node = null
      return Promise.resolve({})
    },
  }
  const log: string[] = []
  const ctx: OperationContext = {
    id: 'op',
    signal: new AbortController().signal,
    progress: () => undefined,
    log: (line) => void log.push(line),
    throwIfCancelled: () => undefined,
  }
  const step: Step = {
    id: 'w-1/reset/node',
    hostId: 'h',
    kind: 'reset',
    title: 't',
    deps: [],
    actions: [],
    check: { command: sh`true`, sudo: false },
  }
  const env: ApiOpEnv = {
    clusterId: 'c',
    client: () => Promise.resolve({ core } as unknown as KubeClient),
    ssh: {} as ApiOpEnv['ssh'],
    step,
    ctx,
  }
  return { env, calls, log, pods: () => pods }
}

const args = nodeArgs({ name: 'w-1', address: '10.0.0.21' })

describe('drain-node and delete-node', () => {
  it('cordon, evict every pod but DaemonSet and mirror pods (a PDB refusal is asked again), then delete; the check says done only when the Node is gone', async () => {
    const ds = pod('flannel', { ownerReferences: [{ kind: 'DaemonSet', name: 'x', uid: 'u', apiVersion: 'apps/v1' }] })
    const mirror = pod('etcd-w-1', { annotations: { 'kubernetes.io/config.mirror': 'abc' } })
    const c = fakeCluster([pod('web-1'), ds, mirror, pod('job-1', {}, 'Succeeded'), pod('db-0')], {
      refuseOnce: 'db-0',
    })
    expect(await apiOp('drain-node').check(args, c.env)).toMatchObject({ state: 'todo' })
    await apiOp('drain-node').run!(args, c.env)
    expect(c.calls).toEqual([
      'cordon w-1',
      'list spec.nodeName=w-1',
      'evict web-1',
      'refused db-0',
      'list spec.nodeName=w-1',
      'evict db-0',
      'list spec.nodeName=w-1',
    ])
    expect(c.pods().map((p) => p.metadata!.name)).toEqual(['flannel', 'etcd-w-1', 'job-1'])
    expect(await apiOp('delete-node').check(args, c.env)).toMatchObject({ state: 'todo' })
    await apiOp('delete-node').run!(args, c.env)
    expect(c.calls.at(-1)).toBe('delete w-1')
    expect(await apiOp('delete-node').check(args, c.env)).toEqual({
      state: 'done',
      detail: 'the cluster has no Node for w-1 (10.0.0.21)',
    })
    // A second run changes nothing.
    await apiOp('drain-node').run!(args, c.env)
    expect(c.calls.at(-1)).toBe('delete w-1')
  })

  it('finds a Node registered under another name by its InternalIP', async () => {
    const c = fakeCluster([], { registeredAs: 'raspberrypi' })
    expect(await apiOp('delete-node').check(args, c.env)).toEqual({
      state: 'todo',
      detail: 'the cluster still has the Node raspberrypi',
    })
    await apiOp('delete-node').run!(args, c.env)
    expect(c.calls).toEqual(['delete raspberrypi'])
  })

  it('evictable: not DaemonSet pods, not mirror pods, not finished pods', () => {
    expect(evictable(pod('a'))).toBe(true)
    expect(evictable(pod('b', {}, 'Failed'))).toBe(false)
    expect(evictable(pod('c', { annotations: { 'kubernetes.io/config.mirror': 'x' } }))).toBe(false)
  })
})
