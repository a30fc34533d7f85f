import type { LiveInvoke } from '../../shared/channels/status'
import { AppError } from '../../shared/errors'
import type { Services } from '../app'
import { ClusterStatusService } from '../services/status/cluster-status'
import { LiveStatusService } from '../services/status/live-status'
import { setControlPlaneTaint } from '../services/status/taints'
import type { HandlersOf } from '../transport/dispatcher'

/**
 * The live cluster view (issue 14 §4): `clusters:watch` / `clusters:unwatch` (background reads, not
 * operations: see live-status.ts) and `clusters:taint` (one quick API write, answered directly).
 */
export function liveHandlers(services: Services): HandlersOf<LiveInvoke> {
  const { clusters, ssh, inventory, kube, events } = services
  const hosts = () => inventory.list()
  const live = new LiveStatusService({
    reader: new ClusterStatusService({ hosts, ssh, kube }),
    cluster: (id) => clusters.find(id),
    hosts,
    emit: (payload) => events.emit('clusters:live', payload),
  })
  const cluster = (ref: string) => {
    const found = clusters.find(ref)
    if (!found) throw new AppError('CLUSTER_NOT_FOUND', `No cluster "${ref}" (see: flotilla clusters list).`)
    return found
  }
  return {
    'clusters:watch': (ref, watchId) => {
      const c = cluster(ref)
      if (!c.build)
        throw new AppError('INVALID_INPUT', `${c.name} has not been built yet: review its plan and apply it first.`)
      return live.watch(c, watchId)
    },
    'clusters:unwatch': (watchId) => live.unwatch(watchId),
    'clusters:taint': async (ref, node, action) => {
      const c = cluster(ref)
      const client = await kube.kubeClient(c.id)
      return setControlPlaneTaint(client.core, node, action)
    },
  }
}
