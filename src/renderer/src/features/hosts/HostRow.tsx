import { useState } from 'react'
import type { Host } from '../../../../shared/types'
import { Icon } from '../../components/Icon'
import { useHosts } from '../../stores/hosts.store'
import { HostForm } from './HostForm'

/** One host: who it is, how to reach it, its last check; edit in place, remove with confirmation. */
export function HostRow({ host }: { host: Host }) {
  const { update, remove, check } = useHosts()
  const result = useHosts((s) => s.reachability[host.id])
  const checking = useHosts((s) => Boolean(s.checking[host.id]))
  const [editing, setEditing] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const name = host.label ?? host.address

  if (editing) {
    return (
      <li className="host-row host-row-editing">
        <HostForm
          submitLabel="Save"
          initial={{ address: host.address, port: String(host.port), user: host.user, label: host.label ?? '' }}
          onSubmit={async (input) => {
            const error = await update(host.id, input)
            if (!error) setEditing(false)
            return error
          }}
          onCancel={() => setEditing(false)}
        />
      </li>
    )
  }

  return (
    <li className="host-row" data-testid="host-row" data-address={host.address}>
      <div className="host-icon">
        <Icon name="server" />
      </div>
      <div className="host-main">
        <div className="host-name">{name}</div>
        <div className="host-meta">
          {host.user}@{host.address.includes(':') ? `[${host.address}]` : host.address}:{host.port}
        </div>
      </div>
      <div className="host-status">
        {checking ? (
          <span className="status status-running">Checking…</span>
        ) : result ? (
          <span
            className={`status ${result.reachable ? 'status-done' : 'status-failed'}`}
            title={result.reachable ? result.banner : result.reason}
          >
            {result.reachable
              ? `Reachable${result.latencyMs !== undefined ? ` · ${result.latencyMs} ms` : ''}`
              : 'Unreachable'}
          </span>
        ) : (
          <span className="status status-idle">Not checked</span>
        )}
      </div>
      <div className="host-actions">
        {confirming ? (
          <>
            <span className="muted">Remove {name}?</span>
            <button className="button button-danger button-small" onClick={() => void remove(host.id)}>
              Remove
            </button>
            <button className="button button-small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <>
            <button
              className="icon-button"
              aria-label={`Check ${name}`}
              title="Check SSH reachability"
              onClick={() => void check([host.id])}
            >
              <Icon name="pulse" size={18} />
            </button>
            <button className="icon-button" aria-label={`Edit ${name}`} title="Edit" onClick={() => setEditing(true)}>
              <Icon name="edit" size={18} />
            </button>
            <button
              className="icon-button"
              aria-label={`Remove ${name}`}
              title="Remove"
              onClick={() => setConfirming(true)}
            >
              <Icon name="trash" size={18} />
            </button>
          </>
        )}
      </div>
    </li>
  )
}
