import { createApi } from '../../../shared/bridge'
import { useConnection } from '../stores/connection.store'
import { webTransport } from './web-transport'

/**
 * In Electron the preload has put `window.api` in place. In a normal browser the same bridge is
 * built here over the WebSocket, so the rest of the renderer only ever talks to `window.api`; the
 * socket's state goes to the connection store (the status bar's indicator, the token page).
 */
export function ensureApi(): void {
  if (!('api' in window) || !window.api) {
    window.api = createApi(webTransport(window, (state) => useConnection.getState().set(state)))
  }
}
