import { useState } from 'react'
import { useHosts } from '../stores/hosts.store'
import { useOps, type OpView } from '../stores/ops.store'
import { Icon } from './Icon'

const STATE_WORD: Record<OpView['state'], string> = {
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
}

/** Running and recent operations: a progress bar each, per-host steps, live log, cancel. */
export function OpsTray() {
  const ops = Object.values(useOps((s) => s.ops)).sort((a, b) => b.startedAt.localeCompare(a.startedAt))
  const [collapsed, setCollapsed] = useState(false)
  if (ops.length === 0) return null
  const running = ops.filter((o) => o.state === 'running').length
  return (
    <aside className={`ops-tray ${collapsed ? 'ops-tray-collapsed' : ''}`} aria-label="Operations">
      <div className="ops-header">
        <h2 className="ops-title">Operations{running > 0 ? ` · ${running} running` : ''}</h2>
        <button className="link-button" aria-expanded={!collapsed} onClick={() => setCollapsed(!collapsed)}>
          {collapsed ? `Show (${ops.length})` : 'Hide'}
        </button>
      </div>
      {!collapsed && ops.slice(0, 5).map((op) => <OpCard key={op.id} op={op} />)}
    </aside>
  )
}

function OpCard({ op }: { op: OpView }) {
  const { cancel, dismiss } = useOps()
  const hosts = useHosts((s) => s.hosts)
  const [open, setOpen] = useState(false)
  const name = (id: string) => {
    const h = hosts.find((x) => x.id === id)
    return h ? (h.label ?? h.address) : id.slice(0, 8)
  }
  // A fan-out can end "done" with some hosts failed: say so, rather than a plain green "Done".
  const failedHosts = Object.values(op.nodes).filter((n) => n.step === 'Failed').length
  const percent = op.total > 0 ? Math.round((op.done / op.total) * 100) : 0
  return (
    <div className={`op op-${op.state}`} data-testid="op">
      <div className="op-head">
        <span className="op-name">{op.title}</span>
        <span className={`status status-${failedHosts > 0 && op.state === 'done' ? 'failed' : op.state}`}>
          {STATE_WORD[op.state]}
          {failedHosts > 0 && op.state === 'done' ? `, ${failedHosts} failed` : ''}
        </span>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label={op.title}
        aria-valuemin={0}
        aria-valuemax={op.total}
        aria-valuenow={op.done}
      >
        <div className="progress-bar" style={{ width: `${percent}%` }} />
      </div>
      <div className="op-step">
        {op.state === 'failed' && op.error ? op.error.message : `${op.step} · ${op.done}/${op.total}`}
      </div>
      {Object.keys(op.nodes).length > 0 && (
        <ul className="op-nodes">
          {Object.entries(op.nodes).map(([id, node]) => (
            <li key={id}>
              <span>{name(id)}</span>
              <span className="muted">{node.step}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="op-actions">
        {op.lines.length > 0 && (
          <button className="link-button" onClick={() => setOpen(!open)}>
            {open ? 'Hide log' : `Log (${op.lines.length})`}
          </button>
        )}
        {op.state === 'running' ? (
          <button className="button button-small" onClick={() => void cancel(op.id)}>
            Cancel
          </button>
        ) : (
          <button className="icon-button" aria-label="Dismiss operation" onClick={() => dismiss(op.id)}>
            <Icon name="close" size={16} />
          </button>
        )}
      </div>
      {open && <pre className="op-log">{op.lines.join('\n')}</pre>}
    </div>
  )
}
