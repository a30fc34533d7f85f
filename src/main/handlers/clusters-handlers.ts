import type { ClustersInvoke } from '../../shared/channels/clusters'
import { AppError } from '../../shared/errors'
import type { Services } from '../app'
import { writeSpecYaml } from '../services/clusters/spec-yaml'
import type { HandlersOf } from '../transport/dispatcher'

export function clustersHandlers({ clusters, pki, kubeconfigs }: Services): HandlersOf<ClustersInvoke> {
  return {
    'clusters:list': () => clusters.list(),
    'clusters:create': (input) => clusters.create(input),
    'clusters:spec': (id) => clusters.spec(id),
    'clusters:import': (source, options) => clusters.import(source, options),
    'clusters:set-role': (id, hostRef, role) => clusters.setRole(id, hostRef, role),
    'clusters:export': (id) => writeSpecYaml(clusters.get(id).spec),
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
