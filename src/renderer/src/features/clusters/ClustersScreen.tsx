import { EmptyState } from '../../components/EmptyState'
import { useHosts } from '../../stores/hosts.store'
import { useNav } from '../../stores/nav.store'

/** Where cluster designs will live. Until the designer lands, it says what it needs to get there. */
export function ClustersScreen() {
  const hosts = useHosts((s) => s.hosts)
  const go = useNav((s) => s.go)
  return (
    <section className="screen" aria-labelledby="clusters-title">
      <header className="screen-header">
        <h1 id="clusters-title">Clusters</h1>
      </header>
      <EmptyState icon="clusters" title="No clusters yet">
        <p>
          A highly available cluster needs three control planes and, ideally, a separate machine for the HAProxy
          endpoint. You have {hosts.length} {hosts.length === 1 ? 'host' : 'hosts'}.
        </p>
        <p>The cluster designer is not built yet. Start by adding your machines.</p>
        <button className="button button-primary" onClick={() => go('hosts')}>
          Go to Hosts
        </button>
      </EmptyState>
    </section>
  )
}
