import { useEffect, useRef } from 'react'
import type { DesignTarget, MoveVerdict } from '../../../../../shared/channels/clusters'
import { TARGET_ACTION } from './targets'

interface MoveMenuProps {
  hostName: string
  targets: readonly DesignTarget[]
  /** Undefined while they are asked for. */
  verdicts: readonly MoveVerdict[] | undefined
  onPick(target: DesignTarget): void
  onClose(): void
}

/**
 * The keyboard and menu path of a drag: each place with what moving there would do. A refused
 * place stays in the menu with its reason (picking it shows the reason next to the place, like a
 * drop there); arrows move, Enter picks, Escape closes and gives focus back to the menu button.
 */
export function MoveMenu({ hostName, targets, verdicts, onPick, onClose }: MoveMenuProps) {
  const list = useRef<HTMLDivElement>(null)
  useEffect(() => {
    list.current?.querySelector<HTMLElement>('[role=menuitem]')?.focus()
  }, [])
  const onKeyDown = (e: React.KeyboardEvent) => {
    const items = [...(list.current?.querySelectorAll<HTMLElement>('[role=menuitem]') ?? [])]
    const at = items.indexOf(document.activeElement as HTMLElement)
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault()
      const next = (at + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length
      items[next]?.focus()
    } else if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault()
      onClose()
    }
  }
  return (
    <div ref={list} className="move-menu" role="menu" aria-label={`Move ${hostName} to`} onKeyDown={onKeyDown}>
      {targets.map((target) => {
        const v = verdicts?.find((x) => x.target === target)
        const refused = v !== undefined && !v.allowed
        return (
          <button
            key={target}
            type="button"
            role="menuitem"
            className={`move-item ${refused ? 'move-item-refused' : ''}`}
            aria-disabled={refused || v?.current ? true : undefined}
            onClick={() => onPick(target)}
          >
            <span className="move-item-name">
              {TARGET_ACTION[target]}
              {v?.current && <span className="muted"> (here now)</span>}
            </span>
            <span className="move-item-why">
              {!v ? 'Checking…' : refused ? `Not possible: ${v.reasons[0]?.message ?? ''}` : v.notes[0]?.message}
            </span>
          </button>
        )
      })}
    </div>
  )
}
