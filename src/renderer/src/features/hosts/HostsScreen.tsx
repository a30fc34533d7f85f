import { EmptyState } from '../../components/EmptyState'
import { useHosts } from '../../stores/hosts.store'
import { useToasts } from '../../stores/toasts.store'
import { HostForm } from './HostForm'
import { HostRow } from './HostRow'

/** The machines Flotilla knows: add by address, check, edit, remove. Discovery joins them later. */
export function HostsScreen() {
  const { hosts, loaded, add, check } = useHosts()
  return (
    <section className="screen" aria-labelledby="hosts-title">
      <header className="screen-header">
        <div>
          <h1 id="hosts-title">Hosts</h1>
          <p className="muted">Raspberry Pis and MicroOS boxes that can become cluster nodes.</p>
        </div>
        {hosts.length > 0 && (
          <button className="button" onClick={() => void check(hosts.map((h) => h.id))}>
            Check all
          </button>
        )}
      </header>

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

      {loaded && hosts.length === 0 ? (
        <EmptyState icon="hosts" title="No hosts yet">
          <p>
            Add each machine by its address above: a Raspberry Pi running Raspberry Pi OS usually answers as{' '}
            <code>raspberrypi.local</code> with user <code>pi</code>; MicroOS boxes log in as <code>root</code>.
          </p>
          <p>Once added, check that SSH answers. Discovery of machines on your network comes next.</p>
        </EmptyState>
      ) : (
        <ul className="host-list" aria-label="Hosts">
          {hosts.map((h) => (
            <HostRow key={h.id} host={h} />
          ))}
        </ul>
      )}
    </section>
  )
}
