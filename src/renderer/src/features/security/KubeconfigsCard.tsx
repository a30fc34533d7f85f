import { useState } from 'react'
import type { Cluster, IssuedKubeconfig } from '../../../../shared/types'
import { ExportDialog } from './ExportDialog'
import { expiry, expiryClass } from './format'

/** Admin kubeconfigs issued for this cluster, with their expiry; the export dialog starts here. */
export function KubeconfigsCard({
  cluster,
  issued,
  ready,
  primary,
}: {
  cluster: Cluster
  issued: IssuedKubeconfig[]
  ready: boolean
  /** The screen's next step (SecurityScreen): the one filled button. */
  primary: boolean
}) {
  const [exporting, setExporting] = useState(false)
  return (
    <div className="card" aria-labelledby="kubeconfigs-title">
      <div className="card-row">
        <h2 className="card-title" id="kubeconfigs-title">
          Issued kubeconfigs
        </h2>
        <button
          className={primary ? 'button button-primary' : 'button'}
          disabled={!ready}
          onClick={() => setExporting(true)}
        >
          Export kubeconfig…
        </button>
      </div>
      {issued.length === 0 ? (
        <p className="muted">
          {ready
            ? 'None yet. An exported kubeconfig is signed here, offline, by the cluster CA.'
            : 'Create the certificate authorities first.'}
        </p>
      ) : (
        <table className="data-table" aria-label="Issued kubeconfigs">
          <thead>
            <tr>
              <th>Subject</th>
              <th>Serial</th>
              <th>Expires</th>
              <th>Written to</th>
            </tr>
          </thead>
          <tbody>
            {issued.map((k) => (
              <tr key={k.id} data-testid="issued-row">
                <td>
                  {k.subject} {k.breakGlass && <span className="badge badge-bad">break-glass</span>}
                </td>
                <td>
                  <code className="fingerprint">{k.serial}</code>
                </td>
                <td>
                  <span className={`status ${expiryClass(k.notAfter)}`}>{expiry(k.notAfter)}</span>
                </td>
                <td>
                  <code>{k.path}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {exporting && <ExportDialog cluster={cluster} onClose={() => setExporting(false)} />}
    </div>
  )
}
