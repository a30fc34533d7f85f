import type { Settings } from '../../../shared/types'
import type { EventBus } from '../events'
import type { KeyValueStore } from '../store/key-value-store'

export const DEFAULT_SETTINGS: Settings = { theme: 'system' }

/** User preferences, merged over defaults so a new preference never needs a migration. */
export class SettingsService {
  constructor(
    private readonly store: KeyValueStore,
    private readonly events: EventBus,
  ) {}

  get(): Settings {
    const stored = this.store.get('settings')
    return { ...DEFAULT_SETTINGS, ...(typeof stored === 'object' && stored !== null ? stored : {}) }
  }

  set(patch: Partial<Settings>): Settings {
    const next = { ...this.get(), ...patch }
    this.store.set('settings', next)
    this.events.emit('settings:changed', { settings: next })
    return next
  }
}
