import { useConnection } from '../stores/connection.store'
import { Icon } from './Icon'
import { OpsStatus } from './OpsTray'

/**
 * The window's bottom line: the link to Flotilla's services (said at once when it drops, with an
 * icon and a word, not colour alone) and the operations button that opens the docked drawer.
 */
export function StatusBar() {
  const state = useConnection((s) => s.state)
  const down = state === 'disconnected'
  return (
    <footer className="statusbar" aria-label="Status">
      <span
        className={`statusbar-item connection connection-${state}`}
        role="status"
        data-testid="connection"
        data-state={state}
      >
        <Icon name={down ? 'alert' : 'plug'} size={14} />
        {state === 'open' ? 'Connected' : down ? 'Disconnected — reconnecting…' : 'Connecting…'}
      </span>
      <OpsStatus />
    </footer>
  )
}
