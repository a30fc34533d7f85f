import type { KubeconfigInvoke } from '../../shared/channels/kubeconfig'
import type { PkiInvoke } from '../../shared/channels/pki'
import type { Services } from '../app'
import type { HandlersOf } from '../transport/dispatcher'

export function pkiHandlers({ clusters, pki, kubeconfigs, ops }: Services): HandlersOf<PkiInvoke & KubeconfigInvoke> {
  return {
    'pki:init': (opId, clusterId, options) => {
      const cluster = clusters.get(clusterId)
      return ops.run(
        {
          id: opId,
          kind: 'pki:init',
          title: `Creating certificate authorities for ${cluster.name}`,
          total: 3,
          clusterId,
          // Public certificates and hashes only: harmless on disk.
          durableResult: true,
        },
        (ctx) => pki.init(clusterId, options, ctx),
      )
    },
    'pki:show': (clusterId) => pki.show(clusterId),
    'pki:expiry': () =>
      [...pki.caExpiry(clusters.list()), ...kubeconfigs.expiry()].sort((a, b) => a.notAfter.localeCompare(b.notAfter)),
    'pki:join-token': (clusterId) => pki.joinToken(clusterId),
    'kubeconfig:export': (clusterId, request) => kubeconfigs.export(clusterId, request),
    'kubeconfig:issued': (clusterId) => kubeconfigs.issued(clusterId),
  }
}
