import { useDraggable } from '@dnd-kit/core'
import { memo, useRef } from 'react'
import type { DesignTarget, MoveVerdict } from '../../../../../shared/channels/clusters'
import type { Host, RoleReadiness, SpecProblem } from '../../../../../shared/types'
import { Icon } from '../../../components/Icon'
import { hostFacts, hostKind, hostName } from './host-kind'
import { MoveMenu } from './MoveMenu'

export interface HostCardProps {
  host: Host
  /** The spec's problems about this host (placed hosts). */
  problems?: readonly SpecProblem[] | undefined
  /** Unassigned hosts show their readiness per role instead. */
  showReadiness?: boolean
  /** e.g. "also the HAProxy endpoint". */
  note?: string | undefined
  targets: readonly DesignTarget[]
  /** The "Move to…" menu is open on this card; its verdicts (undefined while asked). */
  menu?: { verdicts: readonly MoveVerdict[] | undefined } | undefined
  onOpenMenu(hostId: string): void
  onCloseMenu(): void
  onPick(hostId: string, target: DesignTarget): void
}

const VERDICT_WORD: Record<RoleReadiness['verdict'], string> = {
  ready: 'ready',
  fixable: 'fixable',
  blocked: 'blocked',
  unchecked: 'unchecked',
}
const ROLE_SHORT: Record<RoleReadiness['role'], string> = {
  'control-plane': 'Control plane',
  worker: 'Worker',
  haproxy: 'HAProxy',
}

/**
 * One host on the canvas or in the tray: what it is (Pi / MicroOS / Linux icon), its key facts and
 * its state in words. The card is the drag handle (pointer, or Space then arrows then Space); the
 * "Move to…" button beside it is the menu path.
 */
export const HostCard = memo(function HostCard(props: HostCardProps) {
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: props.host.id })
  return (
    <HostCardView
      {...props}
      attributes={attributes}
      listeners={listeners}
      setNodeRef={setNodeRef}
      isDragging={isDragging}
    />
  )
})

type DragHandle = Pick<ReturnType<typeof useDraggable>, 'attributes' | 'listeners' | 'setNodeRef' | 'isDragging'>

/**
 * The card itself, apart from its useDraggable: dnd-kit re-renders every draggable whenever the
 * place under a dragged card changes (its context holds `over`), which on a 100-node canvas
 * re-drew all 100 cards at each crossing (~25 ms: dropped frames). The drag props stay the same
 * objects across those renders, so this memo skips them and only the thin HostCard above re-runs.
 */
const HostCardView = memo(function HostCardView(props: HostCardProps & DragHandle) {
  const { host, problems, showReadiness, note, targets, menu, onOpenMenu, onCloseMenu, onPick } = props
  const { attributes, listeners, setNodeRef, isDragging } = props
  const menuButton = useRef<HTMLButtonElement>(null)
  const name = hostName(host)
  const kind = hostKind(host)
  const worst = problems?.find((p) => p.severity === 'blocking') ?? problems?.[0]
  const close = () => {
    onCloseMenu()
    menuButton.current?.focus()
  }
  return (
    <li
      className={`host-card ${isDragging ? 'host-card-dragging' : ''}`}
      data-testid="host-card"
      data-host={name}
      data-host-id={host.id}
    >
      <div
        ref={setNodeRef}
        className="host-card-main"
        {...attributes}
        {...listeners}
        aria-roledescription="movable host"
        aria-label={`${name}, ${kind.label}`}
      >
        <HostCardBody host={host} />
        {note && <div className="host-card-note">{note}</div>}
        {showReadiness && host.identification && (
          <div className="host-card-readiness">
            {host.identification.readiness.map((r) => (
              <span
                key={r.role}
                className={`chip chip-${r.verdict}`}
                title={r.reasons.map((x) => x.message).join('\n') || 'Nothing to fix'}
              >
                {ROLE_SHORT[r.role]}: {VERDICT_WORD[r.verdict]}
              </span>
            ))}
          </div>
        )}
        {worst && (
          <div
            className={`host-card-problem problem-${worst.severity}`}
            title={problems!.map((p) => p.message).join('\n')}
          >
            <strong>{worst.severity === 'blocking' ? 'Blocks the plan' : 'Warning'}:</strong> {worst.message}
            {problems!.length > 1 && <span className="muted"> (+{problems!.length - 1} more)</span>}
          </div>
        )}
      </div>
      <button
        ref={menuButton}
        type="button"
        className="icon-button host-card-menu"
        aria-label={`Move ${name} to…`}
        aria-haspopup="menu"
        aria-expanded={Boolean(menu)}
        onClick={() => (menu ? close() : onOpenMenu(host.id))}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {menu && (
        <MoveMenu
          hostName={name}
          targets={targets}
          verdicts={menu.verdicts}
          onClose={close}
          onPick={(target) => {
            close()
            onPick(host.id, target)
          }}
        />
      )}
    </li>
  )
})

/** Icon, name and facts: the card's face, also drawn under the pointer while it is dragged. */
export function HostCardBody({ host }: { host: Host }) {
  const kind = hostKind(host)
  return (
    <div className="host-card-head">
      <span className={`host-kind host-kind-${kind.icon}`} title={kind.label}>
        <Icon name={kind.icon} size={22} />
      </span>
      <span className="host-card-text">
        <span className="host-card-name">{hostName(host)}</span>
        <span className="host-card-facts">{hostFacts(host)}</span>
      </span>
    </div>
  )
}
