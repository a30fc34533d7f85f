import { useEffect, useState } from 'react'
import type {
  BackendStatus,
  EtcdMemberStatus,
  LiveNode,
  LiveStatus,
  StatusPart,
} from '../../../../../shared/channels/status'
import type { Cluster, ExpiryItem } from '../../../../../shared/types'
import { EmptyState } from '../../../components/EmptyState'
import { useLive } from '../../../stores/live.store'
import { useNav } from '../../../stores/nav.store'
import { ExportDialog } from '../../security/ExportDialog'
import { expiry, expiryClass } from '../../security/format'
import './live.css'

const CP_TAINT = 'node-role.kubernetes.io/control-plane'
const MASTER_TAINT = 'node-role.kubernetes.io/master'
const ROLE_PREFIX = 'node-role.kubernetes.io/'

/**
 * The live cluster (issue 14 §4): the endpoint with its backends on top, control planes under it,
 * workers below, then etcd and certificates. Everything updates by itself while the view is open
 * (a watch in main: see live-status.ts); health is always a word as well as a colour.
 */
export function LiveView({ cluster }: { cluster: Cluster }) {
  if (!cluster.build) return <NotBuilt cluster={cluster} />
  return <Live cluster={cluster} />
}

function NotBuilt({ cluster }: { cluster: Cluster }) {
  const open = useNav((s) => s.open)
  return (
    <EmptyState icon="clusters" title={`${cluster.name} is not built yet`}>
      <p>There is nothing to watch until an apply has built it. Review what will happen on each host, then apply.</p>
      <button
        className="button button-primary"
        onClick={() => open({ screen: 'clusters', cluster: cluster.name, view: 'plan' })}
      >
        Review the plan
      </button>
    </EmptyState>
  )
}

/** Re-renders every second, for "updated 2 s ago". */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [])
  return now
}

function Live({ cluster }: { cluster: Cluster }) {
  const status = useLive((s) => s.status[cluster.id])
  const error = useLive((s) => s.error[cluster.id])
  const [exporting, setExporting] = useState(false)
  const { id, name } = cluster
  useEffect(() => useLive.getState().watch({ id, name }), [id, name])
  useEffect(() => void useLive.getState().loadExpiry(id), [id])

  return (
    <div className="live">
      <LiveHeader cluster={cluster} status={status} onExport={() => setExporting(true)} />
      {error && (
        <p className="live-error" role="alert">
          The live view could not start: {error.message} <span className="code">{error.code}</span>
        </p>
      )}
      {!status ? (
        <p className="muted" role="status">
          Reading {cluster.name}: its API, HAProxy's stats and etcd…
        </p>
      ) : (
        <>
          <Topology status={status} cluster={cluster} />
          <div className="live-panels">
            <EtcdPanel part={status.etcd} every={status.everyMs.etcd} clusterName={cluster.name} />
            <CertificatesPanel clusterId={cluster.id} />
          </div>
          <Sources status={status} />
        </>
      )}
      {exporting && (
        <ExportDialog
          cluster={cluster}
          onClose={() => {
            setExporting(false)
            // A kubeconfig just issued belongs in the certificates panel.
            void useLive.getState().loadExpiry(id)
          }}
        />
      )}
    </div>
  )
}

function LiveHeader({
  cluster,
  status,
  onExport,
}: {
  cluster: Cluster
  status: LiveStatus | undefined
  onExport(): void
}) {
  const receivedAt = useLive((s) => s.receivedAt[cluster.id])
  const busy = useLive((s) => s.taintBusy[cluster.id])
  const outcome = useLive((s) => s.taintOutcome[cluster.id])
  const now = useNow()
  const planes = (status?.members ?? []).filter((m) => m.specRoles.includes('control-plane'))
  const tainted = planes.some((m) => m.node?.taints.some((t) => t.startsWith(CP_TAINT) || t.startsWith(MASTER_TAINT)))
  const dev = cluster.spec.spec.devCluster
  const setTaints = (action: 'remove-control-plane' | 'restore-control-plane') =>
    void useLive.getState().setTaints({ id: cluster.id, name: cluster.name }, action)
  const ago = receivedAt ? Math.max(0, Math.round((now - receivedAt) / 1000)) : undefined
  return (
    <div className="live-header">
      <div className="live-summary">
        {status ? (
          <span className={`status ${status.healthy ? 'status-done' : 'status-failed'}`}>
            {status.healthy ? 'Healthy' : 'Needs attention'}
          </span>
        ) : (
          <span className="status status-running">Connecting</span>
        )}
        <span className="muted" aria-live="off">
          {ago === undefined ? 'waiting for the first reading' : `updated ${ago} s ago · live`}
        </span>
      </div>
      <div className="live-actions">
        {tainted ? (
          <button
            className="button"
            disabled={!!busy || !status?.nodes.reachable}
            onClick={() => setTaints('remove-control-plane')}
            title={
              dev
                ? 'Removes the control-plane NoSchedule taints so pods also run on control planes (dev cluster).'
                : 'This cluster is not marked as a dev cluster: control planes will run workloads too.'
            }
          >
            {busy === 'remove-control-plane' ? 'Allowing…' : 'Allow workloads on control planes'}
          </button>
        ) : (
          <button
            className="button"
            disabled={!!busy || !status?.nodes.reachable || planes.length === 0}
            onClick={() => setTaints('restore-control-plane')}
          >
            {busy === 'restore-control-plane' ? 'Restoring…' : 'Restore control-plane taints'}
          </button>
        )}
        <button className="button button-primary" onClick={onExport}>
          Export admin kubeconfig
        </button>
      </div>
      {tainted && !dev && (
        <p className="live-hint muted">Not a dev cluster: keep workloads off the control planes unless you mean it.</p>
      )}
      {outcome && (
        <div className={`live-outcome ${outcome.ok ? 'live-outcome-ok' : 'live-outcome-bad'}`} role="status">
          <strong>{outcome.ok ? 'Done.' : 'Not everything worked.'}</strong>
          <ul>
            {outcome.lines.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  )
}

function quorum(n: number): string {
  if (n === 0) return 'no control planes'
  const survives = Math.floor((n - 1) / 2)
  return `${n} control plane${n === 1 ? '' : 's'}: ${survives === 0 ? 'no failure tolerated' : `survives ${survives} failure${survives === 1 ? '' : 's'}`}`
}

/** Seconds since a part was last read, when that is well past its pace (a read still waiting). */
function staleSeconds(readAt: string | undefined, everyMs: number, now: number): number | undefined {
  if (!readAt) return undefined
  const age = now - Date.parse(readAt)
  return age > 3 * everyMs + 2000 ? Math.round(age / 1000) : undefined
}

function Topology({ status, cluster }: { status: LiveStatus; cluster: Cluster }) {
  const now = useNow()
  const nodesStale = staleSeconds(status.readAt.nodes, status.everyMs.nodes, now)
  const backendsStale = staleSeconds(status.readAt.backends, status.everyMs.backends, now)
  const planes = status.members.filter((m) => m.specRoles.includes('control-plane'))
  const workers = status.members.filter((m) => !m.specRoles.includes('control-plane'))
  const lb = cluster.spec.spec.endpoint.haproxy?.host
  return (
    <div className="live-topology" aria-label="Cluster topology">
      <section className="live-tier" aria-labelledby="live-endpoint">
        <h2 id="live-endpoint" className="live-tier-title">
          Endpoint{' '}
          <span className="muted">
            {status.endpoint.host}:{status.endpoint.port}
            {lb ? ` · HAProxy on ${lb}` : ' · your load balancer'}
          </span>
        </h2>
        <Backends part={status.backends} kind={status.endpoint.kind} />
        {backendsStale !== undefined && (
          <p className="live-stale" role="status">
            HAProxy's stats were last read {backendsStale} s ago: the next read is still waiting.
          </p>
        )}
      </section>
      <div className="live-link" aria-hidden="true" />
      <section className="live-tier" aria-labelledby="live-planes">
        <h2 id="live-planes" className="live-tier-title">
          Control planes <span className="muted">{quorum(planes.length)}</span>
        </h2>
        <NodeCards nodes={planes} />
      </section>
      {workers.length > 0 && (
        <>
          <div className="live-link" aria-hidden="true" />
          <section className="live-tier" aria-labelledby="live-workers">
            <h2 id="live-workers" className="live-tier-title">
              Workers <span className="muted">{workers.length}</span>
            </h2>
            <NodeCards nodes={workers} />
          </section>
        </>
      )}
      {nodesStale !== undefined && (
        <p className="live-stale" role="status">
          The API last answered {nodesStale} s ago: roles, versions and taints below may be out of date (a read is still
          waiting). Ready/NotReady also follows Flotilla's own probe.
        </p>
      )}
      {!status.nodes.reachable && status.readAt.nodes && (
        <p className="live-error" role="alert">
          The API did not answer: {status.nodes.reason}. Node states below come from Flotilla's probe only.
        </p>
      )}
    </div>
  )
}

function Backends({ part, kind }: { part: StatusPart<BackendStatus>; kind: 'haproxy' | 'address' }) {
  if (kind === 'address')
    return <p className="muted">Backends: your load balancer's own; Flotilla does not read them.</p>
  if (!part.reachable)
    return <p className={part.reason === 'not read yet' ? 'muted' : 'live-error'}>Backends: {part.reason}</p>
  return (
    <ul className="live-backends" aria-label="Endpoint backends">
      {part.items.map((b) => (
        <li key={b.server} className="live-backend">
          <span className={`status ${b.up ? 'status-done' : 'status-failed'}`}>{b.up ? 'UP' : 'DOWN'}</span>
          <span className="live-backend-name">{b.server}</span>
          <span className="muted">{b.address}</span>
          {b.status !== 'UP' && b.status !== 'DOWN' && <span className="muted">({b.status})</span>}
        </li>
      ))}
    </ul>
  )
}

const STATE_WORD: Record<LiveNode['state'], { word: string; tone: string }> = {
  ready: { word: 'Ready', tone: 'status-done' },
  'not-answering': { word: 'NotReady (not answering)', tone: 'status-failed' },
  'not-ready': { word: 'NotReady', tone: 'status-failed' },
  missing: { word: 'Not registered', tone: 'status-running' },
  unknown: { word: 'Unknown', tone: 'status-idle' },
}

/** `node-role.kubernetes.io/control-plane:NoSchedule` → `control-plane:NoSchedule` (the full key in its title). */
function shortTaint(taint: string): string {
  return taint.startsWith(ROLE_PREFIX) ? taint.slice(ROLE_PREFIX.length) : taint
}

function NodeCards({ nodes }: { nodes: LiveNode[] }) {
  return (
    <ul className="live-nodes">
      {nodes.map((m) => (
        <NodeCard key={m.hostId || m.host} member={m} />
      ))}
    </ul>
  )
}

function NodeCard({ member: m }: { member: LiveNode }) {
  const state = STATE_WORD[m.state]
  const roles = m.node?.roles.length ? m.node.roles : m.specRoles
  return (
    <li className={`live-node live-node-${m.state}`} aria-label={`${m.host}: ${state.word}`}>
      <div className="live-node-head">
        <strong className="live-node-name">{m.nodeName ?? m.host}</strong>
        <span className={`status ${state.tone}`}>{state.word}</span>
      </div>
      {/* Ready needs no story; any other state says which source says what. */}
      <p className={`live-node-why ${m.state === 'ready' ? 'muted' : ''}`} title={m.stateDetail}>
        {m.state === 'ready' ? 'API: Ready · the machine answers' : m.stateDetail}
      </p>
      <dl className="live-facts">
        <dt>Role</dt>
        <dd>{roles.join(', ') || 'worker'}</dd>
        <dt>Kubelet</dt>
        <dd>{m.node?.kubeletVersion || '—'}</dd>
        <dt>OS</dt>
        <dd>
          {m.os ?? 'not identified'}
          {m.arch ? ` · ${m.arch}` : ''}
        </dd>
        {m.model && (
          <>
            <dt>Model</dt>
            <dd>{m.model}</dd>
          </>
        )}
        <dt>Address</dt>
        <dd>{m.node?.address ?? m.probe?.address ?? '—'}</dd>
        <dt>Taints</dt>
        <dd>
          {m.node === undefined ? (
            '—'
          ) : m.node.taints.length === 0 ? (
            <span className="muted">none</span>
          ) : (
            <ul className="live-taints">
              {m.node.taints.map((t) => (
                <li key={t} className="live-taint" title={t}>
                  {shortTaint(t)}
                </li>
              ))}
            </ul>
          )}
          {m.node?.unschedulable && <span className="live-taint">cordoned</span>}
        </dd>
      </dl>
    </li>
  )
}

function EtcdPanel({
  part,
  every,
  clusterName,
}: {
  part: StatusPart<EtcdMemberStatus>
  every: number
  clusterName: string
}) {
  const [reading, setReading] = useState(false)
  // A sudo password etcd needs is never asked in the background: one read as an operation asks it once.
  const readOnce = async () => {
    setReading(true)
    try {
      await window.api.clusters.status(clusterName)
    } catch {
      // The operation's own end state and the next live reading tell what happened.
    } finally {
      setReading(false)
    }
  }
  const needsSudo = !part.reachable && /sudo|password/i.test(part.reason)
  return (
    <section className="card live-panel" aria-labelledby="live-etcd">
      <h2 id="live-etcd" className="card-title">
        etcd members <span className="muted">every {every / 1000} s</span>
      </h2>
      {!part.reachable ? (
        <>
          <p className={part.reason === 'not read yet' ? 'muted' : 'live-error'}>{part.reason}</p>
          {needsSudo && (
            <button className="button" disabled={reading} onClick={() => void readOnce()}>
              {reading ? 'Reading…' : 'Read once (asks for the sudo password)'}
            </button>
          )}
        </>
      ) : (
        <table className="live-table live-etcd-table">
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Health</th>
              <th scope="col">Client URL</th>
            </tr>
          </thead>
          <tbody>
            {part.items.map((m) => (
              <tr key={m.id}>
                <td>
                  {m.name || <span className="muted">(not started)</span>}
                  {m.learner && <span className="muted"> · learner</span>}
                </td>
                <td>
                  <span className={`status ${m.healthy ? 'status-done' : 'status-failed'}`}>
                    {m.healthy ? 'healthy' : 'unhealthy'}
                  </span>
                  {!m.healthy && m.detail && <span className="muted live-detail"> {m.detail}</span>}
                </td>
                <td className="live-mono">{m.clientURLs.join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function CertificatesPanel({ clusterId }: { clusterId: string }) {
  const items = useLive((s) => s.expiry[clusterId])
  const row = (e: ExpiryItem) => (
    <tr key={`${e.kind}-${e.serial}`}>
      <td>{e.name}</td>
      <td>
        <span className={`status ${expiryClass(e.notAfter)}`}>{expiry(e.notAfter)}</span>
      </td>
    </tr>
  )
  const cas = (items ?? []).filter((e) => e.kind === 'ca')
  const kubeconfigs = (items ?? []).filter((e) => e.kind === 'kubeconfig')
  return (
    <section className="card live-panel" aria-labelledby="live-certs">
      <h2 id="live-certs" className="card-title">
        Certificates
      </h2>
      {items === undefined ? (
        <p className="muted">Reading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No certificates to show (is the vault unlocked?).</p>
      ) : (
        <table className="live-table">
          <thead>
            <tr>
              <th scope="col">Certificate</th>
              <th scope="col">Expires</th>
            </tr>
          </thead>
          <tbody>
            {cas.length > 0 && (
              <tr className="live-table-group">
                <th colSpan={2} scope="rowgroup">
                  Certificate authorities
                </th>
              </tr>
            )}
            {cas.map(row)}
            {kubeconfigs.length > 0 && (
              <tr className="live-table-group">
                <th colSpan={2} scope="rowgroup">
                  Kubeconfigs issued
                </th>
              </tr>
            )}
            {kubeconfigs.map(row)}
          </tbody>
        </table>
      )}
    </section>
  )
}

/** Which source says what, and how often it is read. */
function Sources({ status }: { status: LiveStatus }) {
  const s = (ms: number) => `every ${ms / 1000} s`
  const from = (part: StatusPart<unknown>) => (part.source ? ` (${part.source})` : '')
  return (
    <p className="live-sources muted">
      Nodes: the Kubernetes API{from(status.nodes)}, {s(status.everyMs.nodes)} · Answering: Flotilla's own probe of each
      node's port 10250, {s(status.everyMs.probes)} · Backends: HAProxy's stats{from(status.backends)},{' '}
      {s(status.everyMs.backends)} · etcd: through a control plane{from(status.etcd)}, {s(status.everyMs.etcd)}. A node
      that stops answering shows as NotReady at once; the API itself says so only after its grace period.
    </p>
  )
}
