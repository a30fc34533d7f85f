import type { ThemePreference } from '../../../../shared/types'
import { useSettings } from '../../stores/settings.store'
import './settings.css'

const THEMES: { value: ThemePreference; label: string }[] = [
  { value: 'system', label: 'Match system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
]

/** Theme, and where Flotilla keeps its files. */
export function SettingsScreen() {
  const theme = useSettings((s) => s.settings.theme)
  const info = useSettings((s) => s.info)
  const setTheme = useSettings((s) => s.setTheme)
  return (
    <section className="screen" aria-labelledby="settings-title">
      <header className="screen-header">
        <h1 id="settings-title">Settings</h1>
      </header>
      <div className="card">
        <h2 className="card-title">Appearance</h2>
        <div className="segmented" role="radiogroup" aria-label="Theme">
          {THEMES.map((t) => (
            <button
              key={t.value}
              role="radio"
              aria-checked={theme === t.value}
              className={theme === t.value ? 'active' : ''}
              onClick={() => void setTheme(t.value)}
            >
              {t.label}
            </button>
          ))}
        </div>
      </div>
      <div className="card">
        <h2 className="card-title">Data</h2>
        <dl className="facts">
          <dt>Data directory</dt>
          <dd>
            <code>{info?.dataDir ?? '…'}</code>
          </dd>
          <dt>Version</dt>
          <dd>{info?.version ?? '…'}</dd>
          <dt>Running as</dt>
          <dd>{info ? (info.transport === 'electron' ? 'desktop app' : 'web UI (npm run web)') : '…'}</dd>
        </dl>
        <p className="muted">
          Start Flotilla with <code>--data-dir &lt;folder&gt;</code> or set <code>FLOTILLA_DATA_DIR</code> to keep its
          files elsewhere.
        </p>
      </div>
    </section>
  )
}
