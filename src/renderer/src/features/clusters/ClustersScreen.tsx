import { useEffect } from 'react'
import { EmptyState } from '../../components/EmptyState'
import { useClusters } from '../../stores/clusters.store'
import { useHosts } from '../../stores/hosts.store'
import { CLUSTER_VIEWS, useNav, type ClusterView } from '../../stores/nav.store'
import { DesignerView } from './designer/DesignerView'
import { LiveView } from './live/LiveView'
import { PlanReview } from './plan/PlanReview'
import { RunView } from './run/RunView'
import './clusters.css'

const VIEW_LABEL: Record<ClusterView, string> = { design: 'Design', plan: 'Plan', run: 'Run', live: 'Live' }

/**
 * Clusters: the list of cluster records, or one cluster's page with its four views (design, plan
 * review, run, live), chosen by the route (`#/clusters/<name>/<view>`).
 */
export function ClustersScreen() {
  const clusterName = useNav((s) => s.cluster)
  const clusters = useClusters((s) => s.clusters)
  const loaded = useClusters((s) => s.loaded)
  useEffect(() => {
    void useClusters.getState().load()
  }, [])
  if (!clusterName) return <ClusterList />
  const cluster = clusters.find((c) => c.name === clusterName)
  if (!cluster)
    return (
      <section className="screen" aria-labelledby="clusters-title">
        <header className="screen-header">
          <h1 id="clusters-title">Clusters</h1>
        </header>
        {loaded && (
          <EmptyState icon="clusters" title={`No cluster named “${clusterName}”`}>
            <p>It may have been removed.</p>
            <button className="button" onClick={() => useNav.getState().go('clusters')}>
              All clusters
            </button>
          </EmptyState>
        )}
      </section>
    )
  return <ClusterPage clusterId={cluster.id} />
}

function ClusterPage({ clusterId }: { clusterId: string }) {
  const cluster = useClusters((s) => s.clusters.find((c) => c.id === clusterId))
  const view = useNav((s) => s.view) ?? 'design'
  const open = useNav((s) => s.open)
  if (!cluster) return null
  const views = { design: DesignerView, plan: PlanReview, run: RunView, live: LiveView }
  const Current = views[view]
  return (
    <section className="screen screen-wide" aria-labelledby="cluster-title">
      <header className="screen-header">
        <h1 id="cluster-title">{cluster.name}</h1>
      </header>
      <div className="tabs" role="tablist" aria-label={`${cluster.name} views`}>
        {CLUSTER_VIEWS.map((v) => (
          <button
            key={v}
            role="tab"
            className="tab"
            aria-selected={v === view}
            onClick={() => open({ screen: 'clusters', cluster: cluster.name, view: v })}
          >
            {VIEW_LABEL[v]}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={VIEW_LABEL[view]}>
        <Current cluster={cluster} />
      </div>
    </section>
  )
}

/** Every cluster record with a way into it; until there is one, what a cluster needs. */
function ClusterList() {
  const clusters = useClusters((s) => s.clusters)
  const hostCount = useHosts((s) => s.hosts.length)
  const go = useNav((s) => s.go)
  const open = useNav((s) => s.open)
  return (
    <section className="screen" aria-labelledby="clusters-title">
      <header className="screen-header">
        <h1 id="clusters-title">Clusters</h1>
      </header>
      {clusters.length === 0 ? (
        <EmptyState icon="clusters" title="No clusters yet">
          <p>
            A highly available cluster needs three control planes and, ideally, a separate machine for the HAProxy
            endpoint. You have {hostCount} {hostCount === 1 ? 'host' : 'hosts'}.
          </p>
          <button className="button button-primary" onClick={() => go('hosts')}>
            Go to Hosts
          </button>
        </EmptyState>
      ) : (
        <ul className="cluster-list">
          {clusters.map((c) => (
            <li key={c.id}>
              <button className="button" onClick={() => open({ screen: 'clusters', cluster: c.name, view: 'design' })}>
                {c.name}
              </button>
              <span className="muted">
                {c.flavour} · {c.build?.state ?? 'not built'}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
