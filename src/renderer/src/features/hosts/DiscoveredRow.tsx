import { useState, type FormEvent } from 'react'
import { LOGIN_USER_EXAMPLES, suggestedUser } from '../../../../shared/login-user'
import type { Host } from '../../../../shared/types'
import { Icon } from '../../components/Icon'
import { useDiscovery } from '../../stores/discovery.store'
import { useSsh } from '../../stores/ssh.store'
import { HostBadges } from './HostFacts'

/** A machine found over mDNS and not adopted yet: what it seems to be; adopt or ignore it. */
export function DiscoveredRow({ host }: { host: Host }) {
  const adopt = useDiscovery((s) => s.adopt)
  const ignore = useDiscovery((s) => s.ignore)
  const connecting = useSsh((s) => Boolean(s.connecting[host.id]))
  const [adopting, setAdopting] = useState(false)
  // The same rule as the CLI (login-user.ts): from the hints, else empty for the person to fill.
  const [user, setUser] = useState(suggestedUser(host.discovery?.hints) ?? '')
  const [port, setPort] = useState(String(host.port))
  const [error, setError] = useState<string | null>(null)
  const d = host.discovery!
  // The label (unique: a second "raspberrypi" is "raspberrypi-2"), as the CLI shows it.
  const name = host.label ?? d.hostname

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const result = await adopt(host.id, { user: user.trim(), port: /^\d+$/.test(port) ? Number(port) : Number.NaN })
    setError(result.ok ? null : result.error.message)
    if (result.ok) setAdopting(false)
  }

  return (
    <li className="host-row host-row-found" data-testid="found-row" data-address={host.address}>
      <div className="host-icon">
        <Icon name="server" />
      </div>
      <div className="host-main">
        <div className="host-name">
          {name} <HostBadges host={host} />
        </div>
        <div className="host-meta">
          {d.addresses.join(', ')}
          {d.mac ? ` · ${d.mac.toUpperCase()}` : ''} · {d.services.map((s) => s.type).join(', ')}
        </div>
        {d.hints.reasons.length > 0 && <div className="host-meta muted">{d.hints.reasons.join(' · ')}</div>}
        {adopting && (
          <form className="adopt-form" onSubmit={(e) => void submit(e)}>
            <label>
              User{' '}
              <input
                value={user}
                onChange={(e) => setUser(e.target.value)}
                aria-label="SSH user"
                placeholder="pi, root, debian…"
                title={LOGIN_USER_EXAMPLES}
              />
            </label>
            <label>
              Port <input value={port} onChange={(e) => setPort(e.target.value)} aria-label="SSH port" size={5} />
            </label>
            <button className="button button-primary button-small" type="submit">
              Adopt and connect
            </button>
            <button className="button button-small" type="button" onClick={() => setAdopting(false)}>
              Cancel
            </button>
            {error && <span className="field-error">{error}</span>}
          </form>
        )}
      </div>
      <div className="host-status">
        <Presence host={host} />
      </div>
      <div className="host-actions">
        {!adopting && (
          <>
            <button
              className="button button-small"
              disabled={connecting || d.sshReachable === false}
              title={d.sshReachable === false ? d.sshReason : 'Give its login and connect'}
              onClick={() => setAdopting(true)}
            >
              {connecting ? 'Connecting…' : 'Adopt'}
            </button>
            <button className="button button-small" onClick={() => void ignore(host.id, true)}>
              Ignore
            </button>
          </>
        )}
      </div>
    </li>
  )
}

/** Live / stale on the LAN, and whether SSH answers: colour plus a word. */
function Presence({ host }: { host: Host }) {
  const d = host.discovery!
  if (d.presence !== 'live') {
    return (
      <span className="status status-idle" title={`Last answered ${new Date(d.lastSeenAt).toLocaleTimeString()}`}>
        {d.presence === 'stale' ? 'Not answering' : 'Gone'}
      </span>
    )
  }
  if (d.sshReachable === false) {
    return (
      <span className="status status-failed" title={d.sshReason}>
        SSH off
      </span>
    )
  }
  return (
    <span className="status status-done" title="Answers on the LAN">
      {d.sshReachable ? 'SSH open' : 'On the LAN'}
    </span>
  )
}
