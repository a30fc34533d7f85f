import { useState } from 'react'
import { useHosts } from '../stores/hosts.store'
import type { OperationResult } from '../../../shared/types'
import { isLive, useOps, type OpView } from '../stores/ops.store'
import { Icon } from './Icon'

/** The chip: what the operation achieved (its outcome), not merely that it stopped. */
const RESULT_WORD: Record<OperationResult, string> = {
  succeeded: 'Succeeded',
  partial: 'Partly failed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
}
const RESULT_CHIP: Record<OperationResult, string> = {
  succeeded: 'done',
  partial: 'partial',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'failed',
}

/** Newest first. */
const byStart = (a: OpView, b: OpView) => b.startedAt.localeCompare(a.startedAt)

/**
 * The operations drawer, docked above the status bar (the content area shrinks for it, it never
 * covers a row): running and ended operations, a progress bar each, per-host steps, live log,
 * cancel. A success moves to a collapsed "Recent" list after a moment; what failed stays until
 * dismissed or "Clear finished".
 */
export function OpsTray() {
  const all = useOps((s) => s.ops)
  const open = useOps((s) => s.trayOpen)
  const setOpen = useOps((s) => s.setTrayOpen)
  const clearFinished = useOps((s) => s.clearFinished)
  const [showRecent, setShowRecent] = useState(false)
  const ops = Object.values(all).sort(byStart)
  const current = ops.filter((o) => !o.archived)
  const recent = ops.filter((o) => o.archived)
  const finished = ops.filter((o) => !isLive(o)).length
  if (!open || ops.length === 0) return null
  return (
    <section id="ops-drawer" className="ops-tray" aria-label="Operations">
      <div className="ops-header">
        <h2 className="ops-title">Operations</h2>
        <div className="ops-header-actions">
          {finished > 0 && (
            <button className="button button-small" onClick={clearFinished}>
              Clear finished
            </button>
          )}
          <button className="icon-button" aria-label="Collapse operations" onClick={() => setOpen(false)}>
            <Icon name="chevronDown" size={16} />
          </button>
        </div>
      </div>
      <div className="ops-list">
        {current.map((op) => (
          <OpCard key={op.id} op={op} />
        ))}
        {current.length === 0 && <p className="muted ops-none">Nothing running.</p>}
      </div>
      {recent.length > 0 && (
        <div className="ops-recent">
          <button className="link-button" aria-expanded={showRecent} onClick={() => setShowRecent(!showRecent)}>
            {showRecent ? 'Hide recent' : `Recent (${recent.length})`}
          </button>
          {showRecent && (
            <div className="ops-list">
              {recent.map((op) => (
                <OpCard key={op.id} op={op} />
              ))}
            </div>
          )}
        </div>
      )}
    </section>
  )
}

/** The status bar's operations button: how many run, how many failed; opens the drawer. */
export function OpsStatus() {
  const all = useOps((s) => s.ops)
  const open = useOps((s) => s.trayOpen)
  const setOpen = useOps((s) => s.setTrayOpen)
  const ops = Object.values(all)
  const running = ops.filter(isLive).length
  const failed = ops.filter((o) => !o.archived && !isLive(o) && o.outcome?.result !== 'succeeded').length
  const parts = [
    running > 0 ? `${running} running` : null,
    failed > 0 ? `${failed} need${failed === 1 ? 's' : ''} attention` : null,
  ].filter(Boolean)
  return (
    <button
      className={`statusbar-item statusbar-ops ${running > 0 ? 'is-running' : ''}`}
      aria-expanded={open && ops.length > 0}
      aria-controls="ops-drawer"
      disabled={ops.length === 0}
      onClick={() => setOpen(!open)}
    >
      <Icon name="pulse" size={14} />
      <span>Operations{parts.length > 0 ? ` · ${parts.join(' · ')}` : ops.length === 0 ? ': none' : ''}</span>
      {ops.length > 0 && <Icon name={open ? 'chevronDown' : 'chevronUp'} size={14} />}
    </button>
  )
}

function OpCard({ op }: { op: OpView }) {
  const cancel = useOps((s) => s.cancel)
  const dismiss = useOps((s) => s.dismiss)
  const hosts = useHosts((s) => s.hosts)
  const [open, setOpen] = useState(false)
  const name = (id: string) => {
    const h = hosts.find((x) => x.id === id)
    return h ? (h.label ?? h.address) : id.slice(0, 8)
  }
  // Before its end an operation only runs (or waits for a secret, shown in its step line); an ended
  // one without an outcome (an older service) is judged by its state alone.
  const live = isLive(op)
  const result: OperationResult | 'running' =
    op.state === 'running' || op.state === 'waiting'
      ? 'running'
      : (op.outcome?.result ?? (op.state === 'done' ? 'succeeded' : op.state))
  const items = op.outcome?.items
  const reasons = op.outcome?.reasons ?? []
  // The bar tells what happened: green for the hosts that succeeded, red for those that failed;
  // a cancel or an error stops it where the work stopped.
  const share = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 100) : 0)
  const okWidth =
    result === 'running' || result === 'cancelled' || (result === 'failed' && !items)
      ? share(op.done, op.total)
      : items
        ? share(items.total - items.failed, items.total)
        : 100
  const failedWidth = items && result !== 'running' ? share(items.failed, items.total) : 0
  const stepText =
    result === 'running'
      ? `${op.step} · ${op.done}/${op.total}`
      : result === 'succeeded' && !items
        ? op.step
        : (op.outcome?.summary ?? op.error?.message ?? op.step)
  // The summary already says the one reason of a single failure; a list adds nothing then.
  const listed = items && items.total > 1 ? reasons : []
  return (
    <div className={`op op-${result}`} data-testid="op" data-outcome={result}>
      <div className="op-head">
        <span className="op-name">{op.title}</span>
        <span className={`status status-${result === 'running' ? 'running' : RESULT_CHIP[result]}`}>
          {op.state === 'waiting' ? 'Waiting' : result === 'running' ? 'Running' : RESULT_WORD[result]}
        </span>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label={op.title}
        aria-valuemin={0}
        aria-valuemax={op.total}
        aria-valuenow={op.done}
        aria-valuetext={stepText}
      >
        <div className="progress-bar" style={{ width: `${okWidth}%` }} />
        {failedWidth > 0 && <div className="progress-bar progress-bar-failed" style={{ width: `${failedWidth}%` }} />}
      </div>
      <div className="op-step" data-testid="op-step">
        {stepText}
      </div>
      {listed.length > 0 && (
        <ul className="op-reasons" aria-label="What failed">
          {listed.map((r, i) => (
            <li key={r.nodeId ?? i}>
              <span>{r.name ?? (r.nodeId ? name(r.nodeId) : '')}</span>
              <span className="muted">{r.message}</span>
            </li>
          ))}
        </ul>
      )}
      {listed.length === 0 && Object.keys(op.nodes).length > 0 && (
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
        {live ? (
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
