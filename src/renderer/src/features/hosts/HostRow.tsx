import { useState, type ReactNode } from 'react'
import type { Host, ReachabilityResult, SshCheckResult } from '../../../../shared/types'
import { Icon } from '../../components/Icon'
import { useDiscovery } from '../../stores/discovery.store'
import { useHosts } from '../../stores/hosts.store'
import { useSsh } from '../../stores/ssh.store'
import { HostBadges, ReadinessChips } from './HostFacts'
import { HostForm } from './HostForm'

/** One host: who it is, how to reach it, its last check; edit in place, remove with confirmation. */
export function HostRow({ host }: { host: Host }) {
  const { update, remove, check } = useHosts()
  // The record keeps the last check and login with their time (a reload shows them); the stores
  // hold this session's results until the record's update arrives.
  const live = useHosts((s) => s.reachability[host.id])
  const result = host.lastCheck ?? live
  const checking = useHosts((s) => Boolean(s.checking[host.id]))
  const liveLogin = useSsh((s) => s.results[host.id])
  const login = host.lastLogin ?? liveLogin
  const connecting = useSsh((s) => Boolean(s.connecting[host.id]))
  const connect = useSsh((s) => s.connect)
  const probing = useDiscovery((s) => Boolean(s.probing[host.id]))
  const probeError = useDiscovery((s) => s.probeErrors[host.id])
  const probe = useDiscovery((s) => s.probe)
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
        <div className="host-name">
          {name} <HostBadges host={host} />
        </div>
        <div className="host-meta">
          {host.user}@{host.address.includes(':') ? `[${host.address}]` : host.address}:{host.port}
          {host.hostKey && <span title={`Trusted host key ${host.hostKey.fingerprint}`}> · key trusted</span>}
        </div>
        {login?.ok && (
          <div className="host-meta" data-testid="login">
            Logged in as {login.user}
            {login.sudo === 'root'
              ? ''
              : login.sudo === 'nopasswd'
                ? ' · sudo without password'
                : ' · sudo with password'}
            {login.os ? ` · ${login.os}` : ''}
          </div>
        )}
        {probeError && <div className="host-meta field-error">Identification failed: {probeError}</div>}
        <ReadinessChips host={host} />
      </div>
      <div className="host-status">
        <HostStatus checking={checking || connecting} login={login} reachability={result} />
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
            <button className="button button-small" disabled={connecting} onClick={() => void connect(host.id)}>
              {connecting ? 'Connecting…' : login?.ok ? 'Reconnect' : 'Connect'}
            </button>
            <button className="button button-small" disabled={probing} onClick={() => void probe([host.id])}>
              {probing ? 'Identifying…' : host.identification ? 'Identify again' : 'Identify'}
            </button>
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

type Timed<T> = T & { at?: string }

/**
 * One chip: the freshest thing known about the host (a login beats a reachability check of the
 * same moment), with when it was seen.
 */
function HostStatus({
  checking,
  login,
  reachability,
}: {
  checking: boolean
  login: Timed<SshCheckResult> | undefined
  reachability: Timed<ReachabilityResult> | undefined
}) {
  if (checking) return <span className="status status-running">Checking…</span>
  const loginFirst = login && !(reachability?.at && login.at && reachability.at > login.at)
  if (login && loginFirst) {
    return (
      <Seen at={login.at}>
        {login.ok ? (
          <span className="status status-done">Connected</span>
        ) : (
          <span className="status status-failed" title={login.error?.message}>
            Not connected
          </span>
        )}
      </Seen>
    )
  }
  if (reachability) {
    return (
      <Seen at={reachability.at}>
        <span
          className={`status ${reachability.reachable ? 'status-done' : 'status-failed'}`}
          title={reachability.reachable ? reachability.banner : reachability.reason}
        >
          {reachability.reachable
            ? `Reachable${reachability.latencyMs !== undefined ? ` · ${reachability.latencyMs} ms` : ''}`
            : 'Unreachable'}
        </span>
      </Seen>
    )
  }
  return <span className="status status-idle">Not checked</span>
}

/** A result chip and, when known, the time it was seen (today: the time; before: the date too). */
function Seen({ at, children }: { at: string | undefined; children: ReactNode }) {
  if (!at) return <>{children}</>
  const when = new Date(at)
  const today = when.toDateString() === new Date().toDateString()
  const text = today
    ? when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : when.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })
  return (
    <span className="host-seen">
      {children}
      <time className="muted" dateTime={at} title={when.toLocaleString()}>
        {text}
      </time>
    </span>
  )
}
