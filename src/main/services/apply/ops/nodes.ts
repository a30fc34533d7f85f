/**
 * `drain-node` and `delete-node` (issue 13 §3): before a host is reset, its Node is drained and
 * deleted through the cluster's API (what kubernetes.io's kubeadm teardown does with `kubectl drain
 * --ignore-daemonsets --delete-emptydir-data --force` and `kubectl delete node`), so the cluster does
 * not keep a NotReady node whose pods never move.
 *
 * A host's Node is found by name (kubeadm registers the lower-cased host name) or, failing that, by
 * its InternalIP, so a node registered under another name is still found. Both ops' check is "the
 * Node is gone".
 *
 * Drain: cordon, then evict (policy/v1 Eviction, which honours PodDisruptionBudgets: a 429 is retried
 * until the step's deadline) every pod on the node except DaemonSet pods (their controller would
 * put them back at once; they go with the node) and mirror pods of static manifests (the API
 * cannot evict them; `kubeadm reset` stops them). Pods with emptyDir data and pods without a
 * controller are evicted too: the user asked for this host to be reset, which ends them anyway.
 */
import type { CoreV1Api, V1Node, V1Pod } from '@kubernetes/client-node'
import { AppError } from '../../../../shared/errors'
import { defineApiOp, httpStatus, stringArg, type ApiArgs, type ApiOpEnv } from '../api-ops'

/** Pause between two looks at pods still terminating (or an eviction a PDB refused). */
const POLL_MS = 1000

export interface NodeRef {
  /** The Node's expected name (the host's lower-cased host name). */
  name: string
  /** The host's address: a Node reporting it as InternalIP is the host's too. */
  address: string
}

export function nodeArgs(ref: NodeRef): ApiArgs {
  return { name: ref.name, address: ref.address }
}

function parse(args: ApiArgs): NodeRef {
  return { name: stringArg(args, 'name'), address: stringArg(args, 'address') }
}

/** The host's Node, by name, else by InternalIP; null when the cluster has none. */
export async function findNode(core: CoreV1Api, ref: NodeRef): Promise<V1Node | null> {
  try {
    return await core.readNode({ name: ref.name })
  } catch (error) {
    if (httpStatus(error) !== 404) throw error
  }
  const nodes = (await core.listNode()).items
  return (
    nodes.find((n) => (n.status?.addresses ?? []).some((a) => a.type === 'InternalIP' && a.address === ref.address)) ??
    null
  )
}

async function absent(raw: ApiArgs, env: ApiOpEnv) {
  const ref = parse(raw)
  const node = await findNode((await env.client()).core, ref)
  return node
    ? { state: 'todo' as const, detail: `the cluster still has the Node ${node.metadata?.name}` }
    : { state: 'done' as const, detail: `the cluster has no Node for ${ref.name} (${ref.address})` }
}

/** Pods a drain evicts: not DaemonSet-owned, not a static pod's mirror, not already finished. */
export function evictable(pod: V1Pod): boolean {
  if (pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined) return false
  if ((pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet')) return false
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed'
}

function sleep(ms: number, env: ApiOpEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      env.ctx.signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(new AppError('CANCELLED', 'The operation was cancelled.'))
    }
    env.ctx.signal.addEventListener('abort', onAbort, { once: true })
  })
}

defineApiOp('drain-node', {
  check: absent,
  async run(raw, env) {
    const ref = parse(raw)
    const { core } = await env.client()
    const node = await findNode(core, ref)
    if (!node) return
    const name = node.metadata!.name!
    const log = (line: string) => env.ctx.log(line, env.step.hostId, env.step.id)
    if (!node.spec?.unschedulable) {
      const { PatchStrategy, setHeaderOptions } = await import('@kubernetes/client-node')
      await core.patchNode(
        { name, body: { spec: { unschedulable: true } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )
      log(`${name} cordoned`)
    }
    // Until the step's deadline (the runner aborts the signal): evict what is left, wait for it to go.
    for (;;) {
      env.ctx.throwIfCancelled()
      const pods = (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` })).items.filter(
        evictable,
      )
      if (pods.length === 0) {
        log(`${name} drained`)
        return
      }
      for (const pod of pods) {
        if (pod.metadata?.deletionTimestamp) continue // being evicted already: wait for it
        const podName = pod.metadata!.name!
        const namespace = pod.metadata!.namespace!
        try {
          await core.createNamespacedPodEviction({
            name: podName,
            namespace,
            body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: podName, namespace } },
          })
          log(`evicting ${namespace}/${podName}`)
        } catch (error) {
          const status = httpStatus(error)
          if (status === 404) continue // gone meanwhile
          // 429: a PodDisruptionBudget does not allow it now; asked again on the next round.
          if (status !== 429) throw error
          log(`${namespace}/${podName}: its PodDisruptionBudget does not allow the eviction yet`)
        }
      }
      await sleep(POLL_MS, env)
    }
  },
})

defineApiOp('delete-node', {
  check: absent,
  async run(raw, env) {
    const ref = parse(raw)
    const { core } = await env.client()
    const node = await findNode(core, ref)
    if (!node) return
    try {
      await core.deleteNode({ name: node.metadata!.name! })
    } catch (error) {
      if (httpStatus(error) !== 404) throw error
    }
    env.ctx.log(`Node ${node.metadata!.name} deleted`, env.step.hostId, env.step.id)
  },
})
