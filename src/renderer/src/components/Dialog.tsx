import { useEffect, useId, useRef, type ReactNode } from 'react'
import { focusLanding, opener } from './focus'

interface DialogProps {
  title: string
  children: ReactNode
  /** Buttons, primary last (omit when the body has its own, e.g. a form's). */
  actions?: ReactNode
  onClose(): void
  tone?: 'normal' | 'danger'
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

/**
 * A modal dialog: labelled by its title; focus moves into it on open, Tab and Shift+Tab cycle
 * inside it (nothing behind the backdrop is reachable), Escape closes it, and on close focus goes
 * back to where it was, or, when that element is gone (a removed row), to the screen's heading,
 * never to <body>. Used wherever Flotilla needs a decision or a secret from the user.
 */
export function Dialog({ title, children, actions, onClose, tone = 'normal' }: DialogProps) {
  const titleId = useId()
  const panel = useRef<HTMLDivElement>(null)
  // The latest onClose without re-running the effect (an inline arrow changes every render, and a
  // re-run would move focus back to the first field while the user types).
  const close = useRef(onClose)
  useEffect(() => {
    close.current = onClose
  })
  useEffect(() => {
    const previous = opener()
    const first = panel.current?.querySelector<HTMLElement>('input, button:not([data-close])')
    ;(first ?? panel.current)?.focus()
    const onKey = (e: KeyboardEvent) => {
      const box = panel.current
      if (!box) return
      // Only the topmost dialog answers (a dialog may open over another).
      const dialogs = document.querySelectorAll('[role="dialog"]')
      if (dialogs[dialogs.length - 1] !== box) return
      if (e.key === 'Escape') {
        e.preventDefault()
        close.current()
      } else if (e.key === 'Tab') {
        const items = [...box.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null)
        if (items.length === 0) {
          e.preventDefault()
          box.focus()
          return
        }
        const firstItem = items[0]!
        const lastItem = items[items.length - 1]!
        const inside = box.contains(document.activeElement)
        if (e.shiftKey && (document.activeElement === firstItem || !inside)) {
          e.preventDefault()
          lastItem.focus()
        } else if (!e.shiftKey && (document.activeElement === lastItem || !inside)) {
          e.preventDefault()
          firstItem.focus()
        }
      }
    }
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('keydown', onKey)
      // After React has removed the dialog (and maybe the row that opened it).
      queueMicrotask(() => focusLanding(previous))
    }
  }, [])
  return (
    <div className="dialog-backdrop">
      <div
        ref={panel}
        className={`dialog dialog-${tone}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
      >
        <h2 id={titleId}>{title}</h2>
        <div className="dialog-body">{children}</div>
        {actions && <div className="dialog-actions">{actions}</div>}
      </div>
    </div>
  )
}
