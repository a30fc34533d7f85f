import { useId, useState } from 'react'
import { EmptyState } from '../../components/EmptyState'
import { useDiscovery } from '../../stores/discovery.store'
import { useHosts } from '../../stores/hosts.store'
import { useToasts } from '../../stores/toasts.store'
import { DiscoveredRow } from './DiscoveredRow'
import { HostForm } from './HostForm'
import { HostRow } from './HostRow'
import './hosts.css'

/**
 * The machines Flotilla knows: found on the LAN (pending until adopted) and added by address, in
 * one list. Scan, adopt, ignore, check, identify, edit, remove. One filled button on the screen:
 * "Add a host", or, while its panel is open, the panel's own "Add host".
 */
export function HostsScreen() {
  const all = useHosts((s) => s.hosts)
  const loaded = useHosts((s) => s.loaded)
  const add = useHosts((s) => s.add)
  const check = useHosts((s) => s.check)
  const scanOpId = useDiscovery((s) => s.scanOpId)
  const scan = useDiscovery((s) => s.scan)
  const cancelScan = useDiscovery((s) => s.cancelScan)
  const probe = useDiscovery((s) => s.probe)
  // Open on first run (nothing known yet: adding is the thing to do), else on demand.
  const [adding, setAdding] = useState<boolean | null>(null)
  const panelId = useId()
  const visible = all.filter((h) => !h.ignored)
  const found = visible.filter((h) => h.pending && h.discovery)
  const hosts = visible.filter((h) => !h.pending)
  const ignored = all.length - visible.length
  const panelOpen = adding ?? (loaded && all.length === 0)
  return (
    <section className="screen" aria-labelledby="hosts-title">
      <header className="screen-header">
        <div>
          <h1 id="hosts-title">Hosts</h1>
          <p className="muted">Raspberry Pis and MicroOS boxes that can become cluster nodes.</p>
        </div>
        <div className="screen-actions" role="group" aria-label="Fleet actions">
          <button
            className={panelOpen ? 'button' : 'button button-primary'}
            aria-expanded={panelOpen}
            aria-controls={panelId}
            onClick={() => setAdding(!panelOpen)}
          >
            Add a host
          </button>
          {scanOpId ? (
            <>
              <span className="status status-running scan-progress" role="status">
                Scanning the LAN… {found.length} found
              </span>
              <button className="button" onClick={() => void cancelScan()}>
                Stop
              </button>
            </>
          ) : (
            <button className="button" onClick={() => void scan()}>
              Scan the LAN
            </button>
          )}
          {hosts.length > 0 && (
            <>
              <button className="button" onClick={() => void check(hosts.map((h) => h.id))}>
                Check all
              </button>
              <button className="button" onClick={() => void probe(hosts.map((h) => h.id))}>
                Identify all
              </button>
            </>
          )}
        </div>
      </header>

      {panelOpen && (
        <div className="card add-host-panel" id={panelId} role="region" aria-label="Add a host">
          <div className="card-row">
            <h2 className="card-title">Add a host</h2>
            {all.length > 0 && (
              <button className="button button-small" onClick={() => setAdding(false)}>
                Close
              </button>
            )}
          </div>
          <HostForm
            submitLabel="Add host"
            resetOnSuccess
            autoFocus={adding === true}
            onSubmit={async (input) => {
              // The first-run panel stays open for the next host (it would close once one exists).
              if (adding === null) setAdding(true)
              const result = await add(input)
              if (result.ok)
                useToasts.getState().show({ kind: 'info', message: `Added ${input.label || input.address}.` })
              return result
            }}
          />
        </div>
      )}

      {found.length > 0 && (
        <>
          <h2 className="host-list-title">
            Found on the LAN <span className="muted">({found.length}, not adopted yet)</span>
          </h2>
          <ul className="host-list" aria-label="Found on the LAN">
            {found.map((h) => (
              <DiscoveredRow key={h.id} host={h} />
            ))}
          </ul>
        </>
      )}
      {ignored > 0 && <p className="muted">{ignored} ignored machine(s) hidden.</p>}

      {loaded && hosts.length === 0 && found.length === 0 ? (
        <EmptyState icon="hosts" title="No hosts yet">
          <p>
            Add each machine by its address: a Raspberry Pi running Raspberry Pi OS usually answers as{' '}
            <code>raspberrypi.local</code> with user <code>pi</code>; MicroOS boxes log in as <code>root</code>.
          </p>
          <p>Or scan the LAN: Pis running Raspberry Pi OS announce themselves over mDNS.</p>
        </EmptyState>
      ) : (
        <ul className="host-list" aria-label="Hosts" hidden={hosts.length === 0}>
          {hosts.map((h) => (
            <HostRow key={h.id} host={h} />
          ))}
        </ul>
      )}
    </section>
  )
}
