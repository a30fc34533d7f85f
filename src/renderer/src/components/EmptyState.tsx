import type { ReactNode } from 'react'
import { Icon, type IconName } from './Icon'

/** What a new user sees where content will be: what this place is for and what to do next. */
export function EmptyState({ icon, title, children }: { icon: IconName; title: string; children: ReactNode }) {
  return (
    <div className="empty" role="status">
      <div className="empty-icon">
        <Icon name={icon} size={32} />
      </div>
      <h2>{title}</h2>
      <div className="empty-body">{children}</div>
    </div>
  )
}
