import { useEffect, useState } from 'react'
import { useClusters } from '../../stores/clusters.store'
import { useSecurity } from '../../stores/security.store'
import { BackupCard } from './BackupCard'
import { CaCard } from './CaCard'
import { ClusterForm } from './ClusterForm'
import { KubeconfigsCard } from './KubeconfigsCard'
import { VaultCard } from './VaultCard'
import './security.css'

/**
 * Per cluster: its certificate authorities (fingerprints, expiry), the kubeconfigs issued from
 * them, export; for the whole vault: where its key lives (the first-run check), backup, restore.
 */
export function SecurityScreen() {
  const clusters = useClusters((s) => s.clusters)
  const loaded = useClusters((s) => s.loaded)
  const vault = useSecurity((s) => s.vault)
  const clusterId = useSecurity((s) => s.clusterId)
  const pki = useSecurity((s) => s.pki)
  const issued = useSecurity((s) => s.issued)
  const select = useSecurity((s) => s.select)
  const [creating, setCreating] = useState(false)

  useEffect(() => {
    void useClusters.getState().load()
    void useSecurity.getState().loadVault()
  }, [])
  const current = clusters.find((c) => c.id === clusterId) ?? clusters[0] ?? null
  useEffect(() => {
    if (current && current.id !== clusterId) select(current.id)
  }, [current, clusterId, select])

  const clusterPki = current ? pki[current.id] : undefined
  const vaultReady =
    vault?.state === 'unlocked' ||
    (vault?.state === 'uninitialised' && (vault.keychain.available || vault.passphraseProvided))

  // One filled button on the screen: the next step to a cluster's credentials, in order.
  const vaultStep = vault !== null && vault.state !== 'unlocked'
  const clusterStep = !vaultStep && loaded && (clusters.length === 0 || creating)
  const caStep = !vaultStep && !clusterStep && clusterPki === null
  const exportStep = !vaultStep && !clusterStep && Boolean(clusterPki)

  return (
    <section className="screen" aria-labelledby="security-title">
      <header className="screen-header">
        <div>
          <h1 id="security-title">Security</h1>
          <p className="muted">Certificate authorities and admin credentials, kept encrypted on this computer.</p>
        </div>
        {clusters.length > 0 && (
          <div className="cluster-picker">
            <label htmlFor="security-cluster">Cluster</label>
            <select id="security-cluster" value={current?.id ?? ''} onChange={(e) => select(e.target.value)}>
              {clusters.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} ({c.flavour})
                </option>
              ))}
            </select>
            <button className="button button-small" onClick={() => setCreating(!creating)}>
              New cluster
            </button>
          </div>
        )}
      </header>

      {vault && <VaultCard status={vault} />}

      {loaded && (clusters.length === 0 || creating) && (
        <div className="card" aria-labelledby="new-cluster-title">
          <h2 className="card-title" id="new-cluster-title">
            {clusters.length === 0 ? 'Name your cluster' : 'New cluster'}
          </h2>
          {clusters.length === 0 && (
            <p className="muted">
              Certificates belong to a cluster: give it a name and the address its API will answer on. The cluster
              designer fills in the nodes later.
            </p>
          )}
          <ClusterForm
            onCreated={(c) => {
              setCreating(false)
              select(c.id)
            }}
            primary={clusterStep}
            {...(clusters.length > 0 ? { onCancel: () => setCreating(false) } : {})}
          />
        </div>
      )}

      {current && clusterPki !== undefined && (
        <>
          <CaCard cluster={current} pki={clusterPki} vaultReady={vaultReady} primary={caStep} />
          <KubeconfigsCard
            cluster={current}
            issued={issued[current.id] ?? []}
            ready={clusterPki !== null}
            primary={exportStep}
          />
        </>
      )}

      {vault && <BackupCard ready={vault.state === 'unlocked'} />}
    </section>
  )
}
