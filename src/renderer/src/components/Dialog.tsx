import { useEffect, useId, useRef, type ReactNode } from 'react'

interface DialogProps {
  title: string
  children: ReactNode
  /** Buttons, primary last (omit when the body has its own, e.g. a form's). */
  actions?: ReactNode
  onClose(): void
  tone?: 'normal' | 'danger'
}

/**
 * A modal dialog: labelled by its title, Escape closes it, focus moves into it on open and back to
 * where it was on close. Used wherever Flotilla needs a decision or a secret from the user.
 */
export function Dialog({ title, children, actions, onClose, tone = 'normal' }: DialogProps) {
  const titleId = useId()
  const panel = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null
    const first = panel.current?.querySelector<HTMLElement>('input, button:not([data-close])')
    first?.focus()
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose()
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('keydown', onKey)
      previous?.focus()
    }
  }, [onClose])
  return (
    <div className="dialog-backdrop">
      <div ref={panel} className={`dialog dialog-${tone}`} role="dialog" aria-modal="true" aria-labelledby={titleId}>
        <h2 id={titleId}>{title}</h2>
        <div className="dialog-body">{children}</div>
        {actions && <div className="dialog-actions">{actions}</div>}
      </div>
    </div>
  )
}
