import { useState } from 'react'
import { KEY_ALGORITHMS } from '../../../../shared/types/pki'
import type { Cluster, ClusterPki, KeyAlgorithm } from '../../../../shared/types'
import { useSecurity } from '../../stores/security.store'
import { CopyButton } from './CopyButton'
import { expiry, expiryClass } from './format'

/** The cluster's certificate authorities: create them, then their fingerprints and expiry. */
export function CaCard({
  cluster,
  pki,
  vaultReady,
  primary,
}: {
  cluster: Cluster
  pki: ClusterPki | null
  vaultReady: boolean
  /** The screen's next step (SecurityScreen): the one filled button. */
  primary: boolean
}) {
  return (
    <div className="card" aria-labelledby="ca-title">
      <h2 className="card-title" id="ca-title">
        Certificate authorities
      </h2>
      {pki ? <CaTable pki={pki} /> : <CaInit cluster={cluster} vaultReady={vaultReady} primary={primary} />}
    </div>
  )
}

function CaInit({ cluster, vaultReady, primary }: { cluster: Cluster; vaultReady: boolean; primary: boolean }) {
  const initPki = useSecurity((s) => s.initPki)
  const busy = useSecurity((s) => Boolean(s.initialising[cluster.id]))
  const [algorithm, setAlgorithm] = useState<KeyAlgorithm>(cluster.flavour === 'k3s' ? 'ECDSA-P256' : 'RSA-2048')
  return (
    <div>
      <p>
        {cluster.flavour === 'kubeadm'
          ? 'The cluster CA, etcd CA, front-proxy CA and service-account key kubeadm expects, valid 10 years.'
          : 'The server, client, request-header and etcd CAs k3s reads from server/tls, plus service.key, valid 10 years.'}{' '}
        Their keys are encrypted into the vault and never leave this computer unencrypted unless you place them on a
        node.
      </p>
      <div className="inline-form">
        <div className="field">
          <label htmlFor="ca-algorithm">Key algorithm</label>
          <select id="ca-algorithm" value={algorithm} onChange={(e) => setAlgorithm(e.target.value as KeyAlgorithm)}>
            {KEY_ALGORITHMS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div className="form-actions">
          <button
            className={primary ? 'button button-primary' : 'button'}
            disabled={busy || !vaultReady}
            onClick={() => void initPki(cluster.id, algorithm)}
          >
            {busy ? 'Creating…' : 'Create certificate authorities'}
          </button>
        </div>
      </div>
      {!vaultReady && <p className="muted">Set up or unlock the vault above first: the keys go into it.</p>}
    </div>
  )
}

function CaTable({ pki }: { pki: ClusterPki }) {
  return (
    <>
      <table className="data-table" aria-label="Certificate authorities">
        <thead>
          <tr>
            <th>File</th>
            <th>Subject</th>
            <th>Algorithm</th>
            <th>Expires</th>
            <th>SHA-256 fingerprint</th>
          </tr>
        </thead>
        <tbody>
          {pki.cas.map((ca) => (
            <tr key={ca.role} data-testid="ca-row">
              <td>
                <code>{ca.file}</code>
              </td>
              <td>{ca.subject}</td>
              <td>{ca.keyAlgorithm}</td>
              <td>
                <span className={`status ${expiryClass(ca.notAfter)}`}>{expiry(ca.notAfter)}</span>
              </td>
              <td>
                <span className="copyable">
                  <code className="fingerprint" title={ca.fingerprintSha256}>
                    {ca.fingerprintSha256}
                  </code>
                  <CopyButton value={ca.fingerprintSha256} what={`fingerprint of ${ca.file}`} />
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="facts facts-spaced">
        <dt>Service-account key</dt>
        <dd>
          <code>{pki.serviceAccount.file}</code> · {pki.serviceAccount.keyAlgorithm}
        </dd>
        {pki.k3sTokenCaHash ? (
          <>
            <dt>Token CA hash</dt>
            <dd>
              <span className="copyable">
                <code data-testid="discovery-hash">{pki.k3sTokenCaHash}</code>
                <CopyButton value={pki.k3sTokenCaHash} what="token CA hash" />
              </span>
            </dd>
          </>
        ) : (
          <>
            <dt>Discovery hash</dt>
            <dd>
              <span className="copyable">
                <code data-testid="discovery-hash">{pki.discoveryHash}</code>
                <CopyButton value={pki.discoveryHash} what="discovery hash" />
              </span>
            </dd>
          </>
        )}
      </dl>
    </>
  )
}
