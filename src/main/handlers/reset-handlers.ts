import { join } from 'node:path'
import type { ResetInvoke } from '../../shared/channels/reset'
import type { StatusInvoke } from '../../shared/channels/status'
import { AppError } from '../../shared/errors'
import type { AppInfo } from '../../shared/types'
import type { Services } from '../app'
import { ApplyLocks } from '../services/apply/apply-lock'
import { renderPlan } from '../services/plan/planner'
import { ResetService } from '../services/reset/reset-service'
import { ClusterStatusService } from '../services/status/cluster-status'
import type { HandlersOf } from '../transport/dispatcher'

/**
 * `clusters:status` (read-only), `reset:plan` and `reset:run` (issue 13 §3, §4): operations, so the
 * tray shows them and sudo may ask for a password. A reset holds the same apply lock as `apply:run`.
 */
export function resetHandlers(services: Services, info: AppInfo): HandlersOf<ResetInvoke & StatusInvoke> {
  const { ops, clusters, ssh, identify, inventory, kube, pki } = services
  const hosts = () => inventory.list()
  const status = new ClusterStatusService({ hosts, ssh, kube })
  const reset = new ResetService({
    hosts,
    identify,
    ssh,
    kube,
    pki,
    locks: new ApplyLocks(join(info.dataDir, 'apply')),
  })
  const cluster = (ref: string) => {
    const found = clusters.find(ref)
    if (!found) throw new AppError('CLUSTER_NOT_FOUND', `No cluster "${ref}" (see: flotilla clusters list).`)
    return found
  }
  return {
    'clusters:status': (opId, ref) => {
      const c = cluster(ref)
      return ops.run({ id: opId, kind: 'clusters:status', title: `Status of ${c.name}`, clusterId: c.id }, (ctx) =>
        status.status(c, ctx),
      )
    },
    'reset:plan': (opId, ref, options) => {
      const c = cluster(ref)
      return ops.run(
        { id: opId, kind: 'reset:plan', title: `Planning the reset of ${c.name}`, clusterId: c.id, total: 3 },
        async (ctx) => {
          const { plan, checks } = await reset.plan(c, options, ctx)
          return renderPlan(plan, checks)
        },
      )
    },
    'reset:run': (opId, ref, options) => {
      const c = cluster(ref)
      return ops.run(
        { id: opId, kind: 'reset:run', title: `Resetting ${c.name}`, clusterId: c.id, durableResult: true },
        (ctx) => reset.run(c, options, ctx),
      )
    },
  }
}
