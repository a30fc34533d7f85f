import { create } from 'zustand'

/**
 * The link to Flotilla's services. Electron's IPC is always `open`; the web UI's WebSocket may be
 * `connecting`, `open`, `disconnected` (it was open and went away: reconnecting), or refused for
 * want of the right token (`no-token`: none in the address; `bad-token`: the server answers but
 * refuses this one, e.g. an old address after `npm run web` restarted).
 */
export type ConnectionState = 'connecting' | 'open' | 'disconnected' | 'no-token' | 'bad-token'

interface ConnectionStore {
  state: ConnectionState
  /** How many times the link (re)opened: screens reload their data when it grows. */
  opened: number
  set(state: ConnectionState): void
}

export const useConnection = create<ConnectionStore>((set, get) => ({
  state: 'open',
  opened: 1,
  set: (state) => {
    if (state === get().state) return
    set({ state, opened: state === 'open' ? get().opened + 1 : get().opened })
  },
}))
