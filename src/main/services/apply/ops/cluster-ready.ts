/**
 * `cluster-ready` (issue 13 §1 "Finish"): through the endpoint, every planned node is registered
 * and Ready, the control-plane taints are as the spec says, and kube-system's pods run. Its run sets
 * the control-plane taints (the one-click removal for a dev cluster, and putting them back when
 * `devCluster` is turned off again): both `node-role.kubernetes.io/control-plane` and the legacy
 * `node-role.kubernetes.io/master` key (clusters from before 1.25 carry it) are handled.
 */
import type { V1Node, V1Taint } from '@kubernetes/client-node'
import { defineApiOp, listArg, stringArg, type ApiArgs } from '../api-ops'

export const CONTROL_PLANE_TAINT = 'node-role.kubernetes.io/control-plane'
export const LEGACY_MASTER_TAINT = 'node-role.kubernetes.io/master'
const TAINT_KEYS = new Set([CONTROL_PLANE_TAINT, LEGACY_MASTER_TAINT])

/** What cluster-ready checks: the node names, which of them are control planes, and their taints. */
export interface ClusterReadyArgs {
  nodes: string[]
  controlPlanes: string[]
  /** `keep`: control planes carry the NoSchedule taint; `remove`: they carry none (dev cluster). */
  taints: 'keep' | 'remove'
}

export function clusterReadyArgs(args: ClusterReadyArgs): ApiArgs {
  return { nodes: args.nodes, controlPlanes: args.controlPlanes, taints: args.taints }
}

function parse(args: ApiArgs): ClusterReadyArgs {
  const taints = stringArg(args, 'taints')
  return {
    nodes: [...listArg(args, 'nodes')],
    controlPlanes: [...listArg(args, 'controlPlanes')],
    taints: taints === 'remove' ? 'remove' : 'keep',
  }
}

/** The taints a control plane should carry, from the ones it has. */
export function wantedTaints(current: readonly V1Taint[], taints: 'keep' | 'remove'): V1Taint[] {
  const others = current.filter((t) => !TAINT_KEYS.has(t.key))
  if (taints === 'remove') return others
  // Keep: the current key with NoSchedule. A legacy `master` taint stays (older tooling may match
  // it), the current one is added when missing.
  const legacy = current.filter((t) => t.key === LEGACY_MASTER_TAINT)
  return [...others, ...legacy, { key: CONTROL_PLANE_TAINT, effect: 'NoSchedule' }]
}

function taintsOk(node: V1Node, taints: 'keep' | 'remove'): boolean {
  const current = node.spec?.taints ?? []
  const cp = current.filter((t) => TAINT_KEYS.has(t.key))
  if (taints === 'remove') return cp.length === 0
  return current.some((t) => t.key === CONTROL_PLANE_TAINT && t.effect === 'NoSchedule')
}

function ready(node: V1Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
}

defineApiOp('cluster-ready', {
  async check(raw, env) {
    const args = parse(raw)
    const client = await env.client()
    const nodes = (await client.core.listNode()).items
    const byName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]))
    const missing = args.nodes.filter((n) => !byName.has(n))
    if (missing.length) return { state: 'todo', detail: `not registered yet: ${missing.join(', ')}` }
    const notReady = args.nodes.filter((n) => !ready(byName.get(n)!))
    if (notReady.length) return { state: 'todo', detail: `not Ready yet: ${notReady.join(', ')}` }
    const wrong = args.controlPlanes.filter((n) => !taintsOk(byName.get(n)!, args.taints))
    if (wrong.length)
      return {
        state: 'todo',
        detail: `control-plane taint ${args.taints === 'keep' ? 'missing' : 'still present'} on ${wrong.join(', ')}`,
      }
    const pods = (await client.core.listNamespacedPod({ namespace: 'kube-system' })).items
    const down = pods.filter((p) => p.status?.phase !== 'Running' && p.status?.phase !== 'Succeeded')
    if (down.length)
      return {
        state: 'todo',
        detail: `kube-system pods not running yet: ${down.map((p) => `${p.metadata?.name} (${p.status?.phase ?? 'no phase'})`).join(', ')}`,
      }
    return {
      state: 'done',
      detail: `${args.nodes.length} nodes Ready, control-plane taints ${args.taints === 'keep' ? 'kept' : 'removed'}, ${pods.length} system pods running`,
    }
  },
  async run(raw, env) {
    const args = parse(raw)
    const client = await env.client()
    const { PatchStrategy, setHeaderOptions } = await import('@kubernetes/client-node')
    for (const name of args.controlPlanes) {
      let node: V1Node
      try {
        node = await client.core.readNode({ name })
      } catch {
        continue // not registered yet: its join sets its taints; the verify waits for it
      }
      if (taintsOk(node, args.taints)) continue
      const taints = wantedTaints(node.spec?.taints ?? [], args.taints)
      await client.core.patchNode(
        { name, body: { spec: { taints } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )
      env.ctx.log(
        `${name}: control-plane taint ${args.taints === 'keep' ? 'set' : 'removed'}`,
        env.step.hostId,
        env.step.id,
      )
    }
  },
})
