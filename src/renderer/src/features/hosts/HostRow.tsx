import { useEffect, useRef, useState, type ReactNode } from 'react'
import type { Host, ReachabilityResult, SshCheckResult } from '../../../../shared/types'
import { Icon } from '../../components/Icon'
import { useDiscovery } from '../../stores/discovery.store'
import { useHosts } from '../../stores/hosts.store'
import { useSsh } from '../../stores/ssh.store'
import { useToasts } from '../../stores/toasts.store'
import { CopyButton } from '../security/CopyButton'
import { HostBadges, ReadinessChips } from './HostFacts'
import { HostForm } from './HostForm'
import { loginState, nextStep, type NextStep } from './host-state'
import { MoreMenu, type MenuItem } from './MoreMenu'

/** One host: who it is, how to reach it, its last check; one next step, the rest under "More". */
export function HostRow({ host }: { host: Host }) {
  const update = useHosts((s) => s.update)
  const remove = useHosts((s) => s.remove)
  const check = useHosts((s) => s.check)
  // The record keeps the last check and login with their time (a reload shows them); the stores
  // hold this session's results until the record's update arrives.
  const live = useHosts((s) => s.reachability[host.id])
  const result = host.lastCheck ?? live
  const checking = useHosts((s) => Boolean(s.checking[host.id]))
  const liveLogin = useSsh((s) => s.results[host.id])
  const login = host.lastLogin ?? liveLogin
  const connecting = useSsh((s) => Boolean(s.connecting[host.id]))
  const connect = useSsh((s) => s.connect)
  const installKey = useSsh((s) => s.installKey)
  const probing = useDiscovery((s) => Boolean(s.probing[host.id]))
  const probeError = useDiscovery((s) => s.probeErrors[host.id])
  const probe = useDiscovery((s) => s.probe)
  const recheck = useDiscovery((s) => s.recheck)
  const [editing, setEditing] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const name = host.label ?? host.address
  // Leaving the edit form or the remove question unmounts the focused control: give the keyboard
  // its place back on the row's next step.
  const row = useRef<HTMLLIElement>(null)
  const refocus = useRef(false)
  useEffect(() => {
    if (editing || confirming || !refocus.current) return
    refocus.current = false
    row.current?.querySelector<HTMLElement>('[data-testid="host-next"]')?.focus()
  }, [editing, confirming])
  const back = (leave: () => void) => {
    refocus.current = true
    leave()
  }

  if (editing) {
    return (
      <li className="host-row host-row-editing">
        <HostForm
          submitLabel="Save"
          initial={{ address: host.address, port: String(host.port), user: host.user, label: host.label ?? '' }}
          onSubmit={async (input) => {
            const result = await update(host.id, input)
            if (result.ok) back(() => setEditing(false))
            return result
          }}
          onCancel={() => back(() => setEditing(false))}
          autoFocus
        />
      </li>
    )
  }

  const step = nextStep(host, login)
  const busy = connecting || probing
  const run: Record<NextStep['action'], () => void> = {
    trust: () => void connect(host.id),
    connect: () => void connect(host.id),
    identify: () => void recheck(host.id),
    recheck: () => void recheck(host.id),
  }
  const install = async () => {
    const outcome = await installKey(host.id)
    const toasts = useToasts.getState()
    if (!outcome.ok) {
      if (outcome.error.code !== 'CANCELLED') toasts.error(outcome.error)
      return
    }
    toasts.show({
      kind: 'info',
      message: outcome.value.added
        ? `Your SSH key is now on ${name}: logging in needs no password from now on.`
        : `Your SSH key was already on ${name}.`,
    })
  }
  const more: MenuItem[] = [
    { label: 'Log in again', onSelect: () => void connect(host.id), disabled: connecting },
    ...(host.identification
      ? [{ label: 'Identify again', onSelect: () => void probe([host.id]), disabled: probing }]
      : []),
    { label: 'Check reachability', onSelect: () => void check([host.id]), disabled: checking },
    ...(host.hostKey ? [{ label: 'Install my SSH key', onSelect: () => void install() }] : []),
    { label: 'Edit', onSelect: () => setEditing(true) },
    { label: 'Remove…', onSelect: () => setConfirming(true), danger: true },
  ]

  return (
    <li className="host-row" data-testid="host-row" data-address={host.address} ref={row}>
      <div className="host-icon" aria-hidden="true">
        <Icon name="server" />
      </div>
      <div className="host-main">
        <div className="host-name">
          {name} <HostBadges host={host} />
        </div>
        <div className="host-meta">
          {host.user}@{host.address.includes(':') ? `[${host.address}]` : host.address}:{host.port}
        </div>
        {host.hostKey && (
          <div className="host-meta host-key">
            <span>
              key trusted{' '}
              <code title={`${host.hostKey.type} host key ${host.hostKey.fingerprint}`}>
                {host.hostKey.fingerprint}
              </code>
            </span>
            <CopyButton value={host.hostKey.fingerprint} what={`host key fingerprint of ${name}`} />
          </div>
        )}
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
            <button
              className="button button-danger button-small"
              onClick={(e) => {
                // The row goes away with the focused button: keep the keyboard's place (next row, else the header).
                const row = e.currentTarget.closest('li')
                const next = row?.nextElementSibling ?? row?.previousElementSibling
                void remove(host.id).then(() =>
                  (
                    next?.querySelector<HTMLElement>('[data-testid="host-next"]') ??
                    document.querySelector<HTMLElement>('.screen-actions button')
                  )?.focus(),
                )
              }}
            >
              Remove
            </button>
            {/* The safe answer has the focus (the "More" button that opened this is gone). */}
            <button className="button button-small" autoFocus onClick={() => back(() => setConfirming(false))}>
              Keep
            </button>
          </>
        ) : (
          <>
            <button
              className="button button-small host-next"
              disabled={busy}
              title={step.why}
              data-testid="host-next"
              onClick={run[step.action]}
            >
              {connecting ? 'Connecting…' : probing ? 'Identifying…' : step.label}
            </button>
            <MoreMenu label={`More actions for ${name}`} items={more} />
          </>
        )}
      </div>
    </li>
  )
}

type Timed<T> = T & { at?: string }

/**
 * One chip: the freshest thing known about the host (a login beats a reachability check of the
 * same moment), with when it was seen. The words follow the login's typed state (host-state.ts).
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
    const state = loginState(login)
    return (
      <Seen at={login.at}>
        <span className={`status ${state.className}`} title={state.title} data-testid="login-state">
          {state.word}
        </span>
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
