/**
 * `clusters:taint` (issue 14 §4): the one-click "allow workloads on control planes" of a dev cluster
 * and its undo, through the cluster's API with Flotilla's in-memory admin client.
 *
 * Remove takes away both NoSchedule taints a control plane may carry: kubeadm's
 * `node-role.kubernetes.io/control-plane` and the legacy `node-role.kubernetes.io/master` (clusters
 * first built before 1.24 still have it). Restore puts back `control-plane:NoSchedule`, as kubeadm
 * sets it. The node is written whole (PUT) with the resourceVersion it was read with, so a change
 * someone made in between is never overwritten: the API answers 409, the node is read again once and
 * the change made on that; a second conflict is reported as a sentence.
 */
import type { CoreV1Api, V1Node, V1Taint } from '@kubernetes/client-node'
import type { TaintAction, TaintResult } from '../../../shared/channels/status'
import { AppError } from '../../../shared/errors'
import { nodeStatus } from './cluster-status'

export const CONTROL_PLANE_TAINT = 'node-role.kubernetes.io/control-plane'
export const LEGACY_MASTER_TAINT = 'node-role.kubernetes.io/master'

type NodeApi = Pick<CoreV1Api, 'readNode' | 'replaceNode'>

function isControlPlaneTaint(t: V1Taint): boolean {
  return (t.key === CONTROL_PLANE_TAINT || t.key === LEGACY_MASTER_TAINT) && t.effect === 'NoSchedule'
}

/** The taints after the action, or undefined when the node already is as asked. */
export function taintsAfter(taints: readonly V1Taint[], action: TaintAction): V1Taint[] | undefined {
  if (action === 'remove-control-plane') {
    const kept = taints.filter((t) => !isControlPlaneTaint(t))
    return kept.length === taints.length ? undefined : kept
  }
  if (taints.some((t) => t.key === CONTROL_PLANE_TAINT && t.effect === 'NoSchedule')) return undefined
  return [...taints, { key: CONTROL_PLANE_TAINT, effect: 'NoSchedule' }]
}

function status(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'number' ? code : undefined
}

function apiError(error: unknown, node: string): AppError {
  const code = status(error)
  if (code === 404) return new AppError('INVALID_INPUT', `The cluster's API has no node "${node}".`)
  const message = error instanceof Error ? error.message.split('\n')[0]!.slice(0, 200) : String(error)
  return new AppError('UNREACHABLE', `The cluster's API refused to change the taints of ${node}: ${message}`)
}

/** Reads the node, changes its control-plane taints, writes it with the resourceVersion it read. */
export async function setControlPlaneTaint(core: NodeApi, name: string, action: TaintAction): Promise<TaintResult> {
  for (let attempt = 1; ; attempt++) {
    let node: V1Node
    try {
      node = await core.readNode({ name })
    } catch (error) {
      throw apiError(error, name)
    }
    if (action === 'restore-control-plane' && !nodeStatus(node).roles.includes('control-plane'))
      throw new AppError('INVALID_INPUT', `${name} is not a control plane: it has no control-plane taint to restore.`)
    const next = taintsAfter(node.spec?.taints ?? [], action)
    const done = (changed: boolean, written: V1Node): TaintResult => {
      const taints = nodeStatus(written).taints
      const what = action === 'remove-control-plane' ? 'accepts workloads' : 'is reserved for the control plane again'
      return {
        node: name,
        action,
        changed,
        taints,
        message: changed
          ? `${name} ${what}.`
          : `${name} already ${action === 'remove-control-plane' ? 'had no control-plane taint' : 'had its control-plane taint'}: nothing changed.`,
      }
    }
    if (!next) return done(false, node)
    // resourceVersion stays as read: the API refuses the write (409) if the node changed meanwhile.
    const body: V1Node = { ...node, spec: { ...node.spec, taints: next } }
    try {
      return done(true, await core.replaceNode({ name, body }))
    } catch (error) {
      if (status(error) !== 409) throw apiError(error, name)
      if (attempt >= 2)
        throw new AppError(
          'CONFLICT',
          `${name} kept changing while Flotilla wrote its taints (twice). Nothing was changed; try again in a moment.`,
        )
    }
  }
}
