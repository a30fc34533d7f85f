import {
  closestCenter,
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  pointerWithin,
  useDroppable,
  useSensor,
  useSensors,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
  type DragOverEvent,
  type DragStartEvent,
  type KeyboardCoordinateGetter,
} from '@dnd-kit/core'
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { DesignCheck, DesignTarget, MoveVerdict } from '../../../../../shared/channels/clusters'
import type { Host, SpecProblem } from '../../../../../shared/types'
import { HostCard, HostCardBody } from './HostCard'
import { hostName } from './host-kind'
import { ProblemList } from './ProblemList'
import { TARGET_LABEL, targetOfZone, verdictFor, zoneId } from './targets'

export interface TopologyCanvasProps {
  /** The saved spec as the server judged it (clusters:check): the canvas draws only this. */
  check: DesignCheck
  hosts: ReadonlyMap<string, Host>
  /** What moving one host would do (clusters:check-move), for the host picked up or whose menu is open. */
  verdicts?: { hostId: string; list: readonly MoveVerdict[] } | undefined
  /** The last refused move: its sentence stays next to its place. */
  rejection?: { hostId: string; target: DesignTarget; reasons: readonly SpecProblem[] } | undefined
  /** A host was picked up or its menu opened: ask for its verdicts. */
  onPick(hostId: string): void
  /** A host was dropped on (or picked in the menu for) a place. */
  onMove(hostId: string, target: DesignTarget): void
  onRemoveRef(ref: string): void
  onDismissRejection(): void
  /** Rendered in the side column under the unassigned hosts (the spec panel). */
  aside?: ReactNode
}

/** A drag starts after 5 px of movement: a click on a card stays a click. */
const POINTER = { activationConstraint: { distance: 5 } }

/** Where the pointer is, else (a keyboard drag) the place whose centre is nearest the dragged card. */
const collision: CollisionDetection = (args) => (args.pointerCoordinates ? pointerWithin(args) : closestCenter(args))

/**
 * The cluster as a picture (issue 14 §1): the endpoint on top, the control planes with the quorum
 * they give, the workers, the etcd hosts when the spec has some, and the unassigned hosts at the
 * side; hosts move by drag and drop (pointer or keyboard) or a menu. Pure: everything comes in as
 * props and every move goes out through onMove, so a benchmark can draw 100 nodes.
 */
export function TopologyCanvas(props: TopologyCanvasProps) {
  const { check, hosts, verdicts, rejection, onPick, onMove, onRemoveRef, onDismissRejection, aside } = props
  const [active, setActive] = useState<string | undefined>()
  const [over, setOver] = useState<DesignTarget | undefined>()
  const [menuFor, setMenuFor] = useState<string | undefined>()
  // A keyboard move re-creates the card in its new place: focus follows it there (menu or card).
  const [refocus, setRefocus] = useState<{ hostId: string; part: 'menu' | 'card' } | undefined>()
  const root = useRef<HTMLDivElement>(null)
  const { spec } = check
  const showEtcd = spec.spec.etcd === 'external' || check.nodes.some((n) => n.roles.includes('etcd'))
  const targets = useMemo<DesignTarget[]>(
    () => ['endpoint', 'control-plane', 'worker', ...(showEtcd ? (['etcd'] as const) : []), 'none'],
    [showEtcd],
  )

  // The sensors' options must keep their identity: dnd-kit rebuilds every draggable's listeners
  // when the sensors change, which made each of the canvas's renders during a drag (picked up,
  // over another place, verdicts in) re-render all its cards (100 nodes: dropped frames).
  const keyboard = useMemo(() => ({ coordinateGetter: jumpBetween(targets) }), [targets])
  const sensors = useSensors(useSensor(PointerSensor, POINTER), useSensor(KeyboardSensor, keyboard))

  const byHost = useMemo(() => {
    const map = new Map<string, SpecProblem[]>()
    for (const p of check.problems) if (p.hostId) map.set(p.hostId, [...(map.get(p.hostId) ?? []), p])
    return map
  }, [check.problems])
  const rows = useMemo(() => {
    const of = (role: 'control-plane' | 'worker' | 'etcd') =>
      check.nodes.filter((n) => n.roles[0] === role || (role === 'worker' && n.roles.length === 0))
    return { 'control-plane': of('control-plane'), worker: of('worker'), etcd: of('etcd') }
  }, [check.nodes])

  const openMenu = useCallback(
    (hostId: string) => {
      setMenuFor(hostId)
      onPick(hostId)
    },
    [onPick],
  )
  const closeMenu = useCallback(() => setMenuFor(undefined), [])
  const pick = useCallback(
    (hostId: string, target: DesignTarget) => {
      setRefocus({ hostId, part: 'menu' })
      onMove(hostId, target)
    },
    [onMove],
  )
  useEffect(() => {
    if (!refocus) return
    const selector = `[data-host-id="${CSS.escape(refocus.hostId)}"] ${refocus.part === 'menu' ? '.host-card-menu' : '.host-card-main'}`
    const el = root.current?.querySelector<HTMLElement>(selector)
    if (el && el !== document.activeElement) el.focus()
  }, [check, refocus])

  const onDragStart = (e: DragStartEvent) => {
    setActive(String(e.active.id))
    setMenuFor(undefined)
    onPick(String(e.active.id))
  }
  const onDragOver = (e: DragOverEvent) => setOver(targetOfZone(e.over?.id))
  const onDragEnd = (e: DragEndEvent) => {
    const target = targetOfZone(e.over?.id)
    setActive(undefined)
    setOver(undefined)
    if (e.activatorEvent instanceof KeyboardEvent) setRefocus({ hostId: String(e.active.id), part: 'card' })
    if (target) onMove(String(e.active.id), target)
  }
  const onDragCancel = () => {
    setActive(undefined)
    setOver(undefined)
  }

  const dragging = active
    ? { hostId: active, list: verdicts?.hostId === active ? verdicts.list : undefined }
    : undefined
  const zone = (target: DesignTarget) => ({
    target,
    dragging,
    isOver: over === target,
    rejection: rejection?.target === target ? rejection : undefined,
    rejectedHost: rejection?.target === target ? hosts.get(rejection.hostId) : undefined,
    onDismiss: onDismissRejection,
  })
  const card = (host: Host, extra: { note?: string; showReadiness?: boolean } = {}) => (
    <HostCard
      key={host.id}
      host={host}
      problems={byHost.get(host.id)}
      targets={targets}
      menu={menuFor === host.id ? { verdicts: verdicts?.hostId === host.id ? verdicts.list : undefined } : undefined}
      onOpenMenu={openMenu}
      onCloseMenu={closeMenu}
      onPick={pick}
      {...extra}
    />
  )
  const nodeCards = (nodes: DesignCheck['nodes']) =>
    nodes.map((n) => {
      const host = n.hostId ? hosts.get(n.hostId) : undefined
      if (!host) return <GhostCard key={`ref:${n.ref}`} refName={n.ref} onRemove={onRemoveRef} />
      const also = [
        ...(n.roles.length > 1 ? [`roles: ${n.roles.join(', ')}`] : []),
        ...(check.endpointHostId === host.id ? ['also the HAProxy endpoint'] : []),
      ]
      return card(host, also.length ? { note: also.join('; ') } : {})
    })

  const endpointHost = check.endpointHostId ? hosts.get(check.endpointHostId) : undefined
  const endpointIsNode = check.nodes.some((n) => n.hostId && n.hostId === check.endpointHostId)
  const haproxy = spec.spec.endpoint.haproxy
  const quorumProblems = check.problems.filter((p) => p.code.startsWith('quorum-'))
  const controlPlanes = rows['control-plane'].length

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={collision}
      onDragStart={onDragStart}
      onDragOver={onDragOver}
      onDragEnd={onDragEnd}
      onDragCancel={onDragCancel}
      accessibility={{ announcements: announcements(hosts), screenReaderInstructions: { draggable: INSTRUCTIONS } }}
    >
      <div className="topology" ref={root}>
        <div className="topology-canvas" aria-label="Cluster topology" role="group">
          <Zone {...zone('endpoint')} subtitle="Every node, kubelet and kubeconfig reaches the API here.">
            {haproxy ? (
              endpointHost ? (
                endpointIsNode ? (
                  <p className="endpoint-summary" data-testid="endpoint">
                    HAProxy on <strong>{hostName(endpointHost)}</strong>, port {haproxy.port} (that host is also a node,
                    below)
                  </p>
                ) : (
                  <ul className="card-row">{card(endpointHost, { note: `HAProxy on port ${haproxy.port}` })}</ul>
                )
              ) : (
                <p className="endpoint-summary" data-testid="endpoint">
                  HAProxy on <strong>{haproxy.host}</strong>, which is not an adopted host in the inventory.
                </p>
              )
            ) : (
              <p className="endpoint-summary" data-testid="endpoint">
                Your load balancer at <strong>{spec.spec.endpoint.address}</strong>. Drop a host here to run HAProxy on
                it instead.
              </p>
            )}
          </Zone>
          <Zone
            {...zone('control-plane')}
            subtitle={check.quorum}
            tone={
              quorumProblems.some((p) => p.severity === 'blocking')
                ? 'blocking'
                : quorumProblems.length
                  ? 'warning'
                  : controlPlanes > 0
                    ? 'ok'
                    : undefined
            }
            detail={quorumProblems.map((p) => p.next).join(' ')}
          >
            <ul className="card-row">{nodeCards(rows['control-plane'])}</ul>
          </Zone>
          <Zone
            {...zone('worker')}
            subtitle={
              rows.worker.length === 0
                ? spec.spec.devCluster
                  ? 'No workers: workloads run on the control planes (dev cluster).'
                  : 'No workers yet: drop hosts here to run workloads.'
                : `${rows.worker.length} ${rows.worker.length === 1 ? 'worker runs' : 'workers run'} the workloads.`
            }
          >
            <ul className="card-row">{nodeCards(rows.worker)}</ul>
          </Zone>
          {showEtcd && (
            <Zone {...zone('etcd')} subtitle="External etcd: 3 or 5 hosts of its own.">
              <ul className="card-row">{nodeCards(rows.etcd)}</ul>
            </Zone>
          )}
          <ProblemList problems={check.problems} />
        </div>
        <div className="topology-aside">
          <Zone {...zone('none')} subtitle="Drag a host onto a role, or use its ⋯ menu." className="tray">
            {check.unassigned.length === 0 ? (
              <p className="muted">Every adopted host has a place. Add or adopt more on the Hosts screen.</p>
            ) : (
              <ul className="card-column">
                {check.unassigned.flatMap((id) => {
                  const host = hosts.get(id)
                  return host ? [card(host, { showReadiness: true })] : []
                })}
              </ul>
            )}
          </Zone>
          {aside}
        </div>
      </div>
      <DragOverlay dropAnimation={null}>
        {active && hosts.get(active) ? (
          <div className="host-card host-card-overlay">
            <div className="host-card-main">
              <HostCardBody host={hosts.get(active)!} />
            </div>
          </div>
        ) : null}
      </DragOverlay>
    </DndContext>
  )
}

const INSTRUCTIONS =
  'To move a host, press Space to pick it up, the arrow keys to go from place to place, Space to drop it there, or Escape to cancel. Its ⋯ button opens the same choices as a menu.'

function announcements(hosts: ReadonlyMap<string, Host>): Announcements {
  const name = (id: string | number) => {
    const host = hosts.get(String(id))
    return host ? hostName(host) : String(id)
  }
  const place = (id: string | number | undefined) => TARGET_LABEL[targetOfZone(id) ?? 'none']
  return {
    onDragStart: ({ active }) => `Picked up ${name(active.id)}.`,
    onDragOver: ({ active, over }) =>
      over ? `${name(active.id)} is over ${place(over.id)}.` : `${name(active.id)} is over no place.`,
    onDragEnd: ({ active, over }) =>
      over ? `${name(active.id)} dropped on ${place(over.id)}.` : `${name(active.id)} put back.`,
    onDragCancel: ({ active }) => `Moving ${name(active.id)} was cancelled.`,
  }
}

/** Arrow keys jump the dragged card from place to place (in canvas order) instead of by pixels. */
function jumpBetween(targets: readonly DesignTarget[]): KeyboardCoordinateGetter {
  return (event, { context }) => {
    const forward = event.code === 'ArrowDown' || event.code === 'ArrowRight'
    const backward = event.code === 'ArrowUp' || event.code === 'ArrowLeft'
    if (!forward && !backward) return undefined
    event.preventDefault()
    const order = targets.filter((t) => context.droppableRects.has(zoneId(t)))
    if (order.length === 0 || !context.collisionRect) return undefined
    const now = targetOfZone(context.over?.id)
    const at = now ? order.indexOf(now) : -1
    const next = order[at < 0 ? 0 : (at + (forward ? 1 : order.length - 1)) % order.length]!
    const rect = context.droppableRects.get(zoneId(next))!
    return {
      x: rect.left + rect.width / 2 - context.collisionRect.width / 2,
      y: rect.top + Math.min(rect.height / 2, 60) - context.collisionRect.height / 2,
    }
  }
}

interface ZoneProps {
  target: DesignTarget
  subtitle?: string | undefined
  detail?: string | undefined
  tone?: 'ok' | 'warning' | 'blocking' | undefined
  className?: string
  dragging: { hostId: string; list: readonly MoveVerdict[] | undefined } | undefined
  isOver: boolean
  rejection: { reasons: readonly SpecProblem[] } | undefined
  rejectedHost: Host | undefined
  onDismiss(): void
  children: ReactNode
}

/** One place a host can go, with what a drop there would do while a host is dragged. */
function Zone({
  target,
  subtitle,
  detail,
  tone,
  className,
  dragging,
  isOver,
  rejection,
  rejectedHost,
  onDismiss,
  children,
}: ZoneProps) {
  const { setNodeRef } = useDroppable({ id: zoneId(target) })
  const v = dragging ? verdictFor(dragging.list, target) : undefined
  const state = !dragging ? '' : !v ? 'checking' : v.current ? 'current' : v.allowed ? 'allowed' : 'refused'
  const titleId = `zone-title-${target}`
  return (
    <section
      ref={setNodeRef}
      className={`zone zone-${target} ${state ? `zone-${state}` : ''} ${isOver ? 'zone-over' : ''} ${className ?? ''}`}
      aria-labelledby={titleId}
      data-testid={`zone-${target}`}
    >
      <header className="zone-head">
        <h2 id={titleId}>{TARGET_LABEL[target]}</h2>
        {subtitle && (
          <span
            className={`zone-subtitle ${tone ? `zone-subtitle-${tone}` : ''}`}
            data-testid={`zone-${target}-subtitle`}
          >
            {tone === 'warning' && <strong>Warning: </strong>}
            {tone === 'blocking' && <strong>Blocks the plan: </strong>}
            {subtitle}
          </span>
        )}
      </header>
      {detail && <p className="zone-detail">{detail}</p>}
      {dragging && v && !v.current && (
        <p className={`zone-verdict zone-verdict-${v.allowed ? 'ok' : 'refused'}`} role={isOver ? 'status' : undefined}>
          {v.allowed
            ? `Drop here: ${TARGET_LABEL[target].toLowerCase()}`
            : `Can't drop here: ${v.reasons[0]?.message ?? ''}`}
        </p>
      )}
      {rejection && (
        <div className="zone-rejection" role="alert" data-testid="rejection">
          <p>
            <strong>Not saved.</strong> {rejection.reasons.map((r) => r.message).join(' ')}
          </p>
          {rejection.reasons[0] && <p className="muted">{rejection.reasons[0].next}</p>}
          <button type="button" className="link-button" onClick={onDismiss}>
            Dismiss{rejectedHost ? ` (${hostName(rejectedHost)} stays where it was)` : ''}
          </button>
        </div>
      )}
      {children}
    </section>
  )
}

/** A node whose host the inventory does not have: it can only be taken out of the spec. */
function GhostCard({ refName, onRemove }: { refName: string; onRemove(ref: string): void }) {
  return (
    <li className="host-card host-card-ghost" data-testid="host-card" data-host={refName}>
      <div className="host-card-main">
        <span className="host-card-name">{refName}</span>
        <span className="host-card-problem problem-blocking">
          <strong>Blocks the plan:</strong> not an adopted host in the inventory.
        </span>
      </div>
      <button type="button" className="button button-small" onClick={() => onRemove(refName)}>
        Take out
      </button>
    </li>
  )
}
