import { useToasts } from '../stores/toasts.store'
import { Icon } from './Icon'

/**
 * Error and info messages, docked above the status bar (the content shrinks for them: they never
 * cover a row); at most MAX_TOASTS, a repeat counted. Error codes shown small, for search and support.
 */
export function Toasts() {
  const toasts = useToasts((s) => s.toasts)
  const dismiss = useToasts((s) => s.dismiss)
  return (
    <div className="toasts" aria-live="polite" aria-label="Messages" role="region" hidden={toasts.length === 0}>
      {toasts.map((t) => (
        <div
          key={t.id}
          className={`toast toast-${t.kind}`}
          role={t.kind === 'error' ? 'alert' : 'status'}
          data-testid="toast"
        >
          <Icon name={t.kind === 'error' ? 'alert' : 'check'} size={16} />
          <div className="toast-text">
            <span>
              {t.message}
              {t.count && t.count > 1 ? <span className="toast-count"> (×{t.count})</span> : null}
            </span>
            {t.code && <code className="toast-code">{t.code}</code>}
          </div>
          <button className="icon-button" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            <Icon name="close" size={16} />
          </button>
        </div>
      ))}
    </div>
  )
}
