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
 * one list. Scan, adopt, ignore, check, identify, edit, remove.
 */
export function HostsScreen() {
  const { hosts: all, loaded, add, check } = useHosts()
  const { scanOpId, scan, cancelScan, probe } = useDiscovery()
  const visible = all.filter((h) => !h.ignored)
  const found = visible.filter((h) => h.pending && h.discovery)
  const hosts = visible.filter((h) => !h.pending)
  const ignored = all.length - visible.length
  return (
    <section className="screen" aria-labelledby="hosts-title">
      <header className="screen-header">
        <div>
          <h1 id="hosts-title">Hosts</h1>
          <p className="muted">Raspberry Pis and MicroOS boxes that can become cluster nodes.</p>
        </div>
        <div className="screen-actions">
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
            <button className="button button-primary" onClick={() => void scan()}>
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

      <div className="card">
        <h2 className="card-title">Add a host</h2>
        <HostForm
          submitLabel="Add host"
          resetOnSuccess
          onSubmit={async (input) => {
            const error = await add(input)
            if (!error) useToasts.getState().show({ kind: 'info', message: `Added ${input.label || input.address}.` })
            return error
          }}
        />
      </div>

      {loaded && hosts.length === 0 && found.length === 0 ? (
        <EmptyState icon="hosts" title="No hosts yet">
          <p>
            Add each machine by its address above: a Raspberry Pi running Raspberry Pi OS usually answers as{' '}
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
