import { useToasts } from '../stores/toasts.store'
import { Icon } from './Icon'

/** Error and info messages, bottom left; error codes shown small, for search and support. */
export function Toasts() {
  const { toasts, dismiss } = useToasts()
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          <div className="toast-text">
            <span>{t.message}</span>
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
