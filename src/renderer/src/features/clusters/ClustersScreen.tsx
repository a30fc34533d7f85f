import { useEffect, useState } from 'react'
import { EmptyState } from '../../components/EmptyState'
import { useClusters } from '../../stores/clusters.store'
import { useHosts } from '../../stores/hosts.store'
import { CLUSTER_VIEWS, useNav, type ClusterView } from '../../stores/nav.store'
import { DesignerView } from './designer/DesignerView'
import { NewClusterDialog } from './designer/NewClusterDialog'
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

const BUILD_WORD: Record<'none' | 'building' | 'built', string> = {
  none: 'Not built',
  building: 'Building',
  built: 'Built',
}
const BUILD_CLASS: Record<'none' | 'building' | 'built', string> = {
  none: 'status-idle',
  building: 'status-running',
  built: 'status-done',
}

/** Every cluster as a card that opens its designer; "New cluster" makes one and opens it. */
function ClusterList() {
  const clusters = useClusters((s) => s.clusters)
  const hosts = useHosts((s) => s.hosts)
  const hostsLoaded = useHosts((s) => s.loaded)
  const go = useNav((s) => s.go)
  const open = useNav((s) => s.open)
  const [creating, setCreating] = useState(false)
  useEffect(() => {
    if (!hostsLoaded) void useHosts.getState().load()
  }, [hostsLoaded])
  const adopted = hosts.filter((h) => !h.pending && !h.ignored).length
  return (
    <section className="screen screen-wide" aria-labelledby="clusters-title">
      <header className="screen-header">
        <div>
          <h1 id="clusters-title">Clusters</h1>
          <p className="muted">
            {adopted} adopted {adopted === 1 ? 'host' : 'hosts'} to build with.
          </p>
        </div>
        <button className="button button-primary" onClick={() => setCreating(true)}>
          New cluster
        </button>
      </header>
      {clusters.length === 0 ? (
        <EmptyState icon="clusters" title="No clusters yet">
          <p>
            A highly available cluster needs three control planes and, ideally, a separate machine for the HAProxy
            endpoint. You have {adopted} adopted {adopted === 1 ? 'host' : 'hosts'}.
          </p>
          <button className="button" onClick={() => go('hosts')}>
            Go to Hosts
          </button>
        </EmptyState>
      ) : (
        <ul className="cluster-cards">
          {clusters.map((c) => {
            const nodes = c.spec.spec.nodes
            const count = (role: string) => nodes.filter((n) => (n.roles as string[]).includes(role)).length
            const build = c.build?.state ?? 'none'
            const { haproxy, address } = c.spec.spec.endpoint
            return (
              <li key={c.id}>
                <button
                  className="cluster-card"
                  data-testid="cluster-card"
                  onClick={() => open({ screen: 'clusters', cluster: c.name, view: 'design' })}
                >
                  <span className="cluster-card-head">
                    <span className="cluster-card-name">{c.name}</span>
                    <span className={`status ${BUILD_CLASS[build]}`}>{BUILD_WORD[build]}</span>
                  </span>
                  <span className="cluster-card-line">
                    {c.flavour} {c.spec.spec.kubernetesVersion} · {c.spec.spec.network.cni}
                    {c.spec.spec.devCluster ? ' · dev cluster' : ''}
                  </span>
                  <span className="cluster-card-line">
                    Endpoint: {haproxy ? `HAProxy on ${haproxy.host}:${haproxy.port}` : address}
                  </span>
                  <span className="cluster-card-counts">
                    <span>
                      <strong>{count('control-plane')}</strong> control{' '}
                      {count('control-plane') === 1 ? 'plane' : 'planes'}
                    </span>
                    <span>
                      <strong>{count('worker')}</strong> {count('worker') === 1 ? 'worker' : 'workers'}
                    </span>
                    {count('etcd') > 0 && (
                      <span>
                        <strong>{count('etcd')}</strong> etcd
                      </span>
                    )}
                  </span>
                </button>
              </li>
            )
          })}
        </ul>
      )}
      {creating && <NewClusterDialog hosts={hosts} onClose={() => setCreating(false)} />}
    </section>
  )
}
