import { useState } from 'react'
import type { ClusterRole, Host, ReadinessSeverity, RoleReadiness } from '../../../../shared/types'

const ROLE_LABEL: Record<ClusterRole, string> = {
  'control-plane': 'Control plane',
  worker: 'Worker',
  haproxy: 'HAProxy endpoint',
}
const VERDICT_LABEL: Record<RoleReadiness['verdict'], string> = {
  ready: 'ready',
  fixable: 'Flotilla fixes',
  blocked: 'blocked',
  unchecked: 'could not check',
}
const VERDICT_CLASS: Record<RoleReadiness['verdict'], string> = {
  ready: 'status-done',
  fixable: 'status-running',
  blocked: 'status-failed',
  unchecked: 'status-idle',
}

const SEVERITY_LABEL: Record<ReadinessSeverity, string> = {
  blocking: 'Blocks',
  fixable: 'Fixable',
  warning: 'Note',
  unchecked: 'Not checked',
}

/** Pi / MicroOS badges and the model: from the last identification, else from mDNS hints. */
export function HostBadges({ host }: { host: Host }) {
  const id = host.identification
  const hints = host.discovery?.hints
  const pi = id ? Boolean(id.model?.startsWith('Raspberry Pi')) : Boolean(hints?.raspberryPi)
  const microOs = id ? id.os.family === 'microos' : Boolean(hints?.microOs)
  const model = id?.model ?? hints?.model
  const guessed = !id && hints ? `Guessed from mDNS: ${hints.reasons.join('; ')}` : undefined
  return (
    <span className="host-badges">
      {pi && (
        <span className="badge badge-pi" title={guessed ?? 'Identified over SSH'}>
          Pi
        </span>
      )}
      {microOs && (
        <span className="badge badge-microos" title={guessed ?? 'Identified over SSH'}>
          MicroOS
        </span>
      )}
      {!pi && !microOs && id && <span className="badge">Linux</span>}
      {model && <span className="host-model">{model}</span>}
      {id && (
        <span className="host-model">
          {id.os.prettyName} · {id.arch} · {id.cpus} CPU · {(id.memoryMiB / 1024).toFixed(1)} GB
        </span>
      )}
    </span>
  )
}

/** Readiness chips per role; a chip opens its reasons (also on hover, as a title). */
export function ReadinessChips({ host }: { host: Host }) {
  const [open, setOpen] = useState<ClusterRole | null>(null)
  const id = host.identification
  if (!id) return null
  const shown = id.readiness.find((r) => r.role === open)
  return (
    <div className="readiness" data-testid="readiness">
      <div className="readiness-chips">
        {id.readiness.map((r) => (
          <button
            key={r.role}
            type="button"
            className={`status ${VERDICT_CLASS[r.verdict]} readiness-chip`}
            aria-expanded={open === r.role}
            title={r.reasons.map((x) => x.message).join('\n') || 'Nothing to fix'}
            onClick={() => setOpen(open === r.role ? null : r.role)}
          >
            {ROLE_LABEL[r.role]}: {VERDICT_LABEL[r.verdict]}
          </button>
        ))}
        <span className="muted readiness-when">identified {new Date(id.at).toLocaleString()}</span>
      </div>
      {shown && (
        <ul className="readiness-reasons" aria-label={`${ROLE_LABEL[shown.role]} readiness`}>
          {shown.reasons.length === 0 && <li>Nothing to fix: ready as {ROLE_LABEL[shown.role].toLowerCase()}.</li>}
          {shown.reasons.map((x) => (
            <li key={x.code + x.message} className={`reason reason-${x.severity}`}>
              <strong>{SEVERITY_LABEL[x.severity]}:</strong> {x.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
