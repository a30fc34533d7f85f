import { EmptyState } from '../../components/EmptyState'

/** The cluster CA, certificates and their expiry, issued kubeconfigs, vault backup — to come. */
export function SecurityScreen() {
  return (
    <section className="screen" aria-labelledby="security-title">
      <header className="screen-header">
        <h1 id="security-title">Security</h1>
      </header>
      <EmptyState icon="security" title="No certificate authority yet">
        <p>
          Flotilla will create your cluster’s certificate authorities here on this computer, keep them encrypted with a
          key in your system keychain, and show when every certificate and kubeconfig expires.
        </p>
        <p>This appears once you design your first cluster.</p>
      </EmptyState>
    </section>
  )
}
