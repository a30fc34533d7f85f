import type { ClustersInvoke } from '../../shared/channels/clusters'
import { AppError } from '../../shared/errors'
import type { Services } from '../app'
import { checkDesign, checkMoves, type DesignInput } from '../services/clusters/design-check'
import { writeSpecYaml } from '../services/clusters/spec-yaml'
import type { HandlersOf } from '../transport/dispatcher'
import { specFor } from './plan-handlers'

export function clustersHandlers({ clusters, pki, kubeconfigs, inventory }: Services): HandlersOf<ClustersInvoke> {
  /** The stored cluster, the inventory as it is now, and what the validator guards of a built cluster. */
  const designInput = (id: string): DesignInput => {
    const cluster = clusters.get(id)
    const { guard } = specFor(clusters, cluster.id, undefined)
    return { cluster, hosts: inventory.list(), now: new Date(), ...(guard ? { existing: guard } : {}) }
  }
  return {
    'clusters:list': () => clusters.list(),
    'clusters:create': (input) => clusters.create(input),
    'clusters:spec': (id) => clusters.spec(id),
    'clusters:import': (source, options) => clusters.import(source, options),
    'clusters:set-role': (id, hostRef, role) => clusters.setRole(id, hostRef, role),
    'clusters:export': (id) => writeSpecYaml(clusters.get(id).spec),
    'clusters:check': (id) => checkDesign(designInput(id)),
    'clusters:check-move': (id, host) => checkMoves(designInput(id), host),
    'clusters:remove': async (id, options) => {
      const cluster = clusters.get(id)
      if (pki.show(id)) {
        if (!options.deletePki) {
          throw new AppError(
            'CLUSTER_HAS_PKI',
            `${cluster.name} still has certificate authorities. Back them up, then remove the cluster together with its PKI.`,
          )
        }
        await pki.remove(id)
      }
      kubeconfigs.restoreRecords(id, [])
      await clusters.remove(id)
    },
  }
}
