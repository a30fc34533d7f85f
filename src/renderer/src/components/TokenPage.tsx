import { useEffect } from 'react'
import { applyTheme } from '../stores/settings.store'
import { Logo } from './Icon'

/**
 * What the web UI shows instead of the app when its address lacks the per-run token, or carries
 * one the server refuses (an old address: the token changes each time `npm run web` starts).
 * Nothing else loads, so no false "No hosts yet" and no FORBIDDEN toasts.
 */
export function TokenPage({ reason }: { reason: 'no-token' | 'bad-token' }) {
  // No settings to read without the services: follow the system's light or dark.
  useEffect(() => applyTheme('system'), [])
  return (
    <main className="token-page" aria-labelledby="token-title">
      <div className="token-card card">
        <Logo size={40} />
        <h1 id="token-title">This link needs its token</h1>
        <p role="alert">
          {reason === 'no-token'
            ? 'This address has no access token, so Flotilla’s services will not answer it.'
            : 'Flotilla refused this address’s token: it changes each time `npm run web` starts, so an older address stops working.'}
        </p>
        <ol className="token-steps">
          <li>
            Find the terminal where <code>npm run web</code> runs (start it if it does not).
          </li>
          <li>
            Open the address it printed, token included: <code>Flotilla UI: http://127.0.0.1:4545/?token=…</code>
          </li>
        </ol>
        <p className="muted">
          The token keeps other users of this computer and web pages you visit from driving Flotilla. Once opened, it
          leaves the address bar; reloading the tab keeps working.
        </p>
      </div>
    </main>
  )
}
