import { useState, type FormEvent } from 'react'
import type { AppErrorData } from '../../../../../shared/errors'
import type { Host } from '../../../../../shared/types'
import { Dialog } from '../../../components/Dialog'
import { Field } from '../../../components/Field'
import { useClusters } from '../../../stores/clusters.store'
import { useNav } from '../../../stores/nav.store'
import { hostName } from './host-kind'

/**
 * "New cluster": a name and where its API endpoint is (HAProxy on one of the user's hosts, or an
 * address they run); everything else starts at the defaults and is changed in the designer, which
 * opens on the new cluster.
 */
export function NewClusterDialog({ hosts, onClose }: { hosts: readonly Host[]; onClose(): void }) {
  const adopted = hosts.filter((h) => !h.pending && !h.ignored)
  // The best HAProxy host: one identified as ready for it, else the first adopted.
  const ready = adopted.find((h) =>
    h.identification?.readiness.some((r) => r.role === 'haproxy' && r.verdict === 'ready'),
  )
  const [name, setName] = useState('')
  // Until the user chooses, the defaults follow the inventory (it may still be loading when this opens).
  const [chosenKind, setKind] = useState<'haproxy' | 'address' | undefined>()
  const [chosenHost, setHostId] = useState<string | undefined>()
  const kind = chosenKind ?? (adopted.length > 0 ? 'haproxy' : 'address')
  const hostId = chosenHost ?? (ready ?? adopted[0])?.id ?? ''
  const [address, setAddress] = useState('')
  const [error, setError] = useState<AppErrorData | undefined>()
  const [busy, setBusy] = useState(false)
  const fields = (error?.details?.fields ?? {}) as Record<string, string>

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const host = adopted.find((h) => h.id === hostId)
    setBusy(true)
    const result = await useClusters
      .getState()
      .createForDesign({ name, endpoint: kind === 'haproxy' && host ? { haproxy: host } : { address } })
    setBusy(false)
    if ('code' in result) return setError(result)
    onClose()
    useNav.getState().open({ screen: 'clusters', cluster: result.name, view: 'design' })
  }

  return (
    <Dialog title="New cluster" onClose={onClose}>
      <form className="new-cluster" aria-label="New cluster" onSubmit={(e) => void submit(e)}>
        <Field
          label="Cluster name"
          value={name}
          autoComplete="off"
          placeholder="homelab"
          error={fields.name}
          hint="Lower-case letters, digits and “-”; kubeconfigs are named flotilla-<name>."
          onChange={(e) => setName(e.target.value)}
        />
        <fieldset className="fieldset-box new-cluster-endpoint">
          <legend>API endpoint</legend>
          <label className="spec-radio">
            <input
              type="radio"
              name="endpoint-kind"
              checked={kind === 'haproxy'}
              disabled={adopted.length === 0}
              onChange={() => setKind('haproxy')}
            />
            HAProxy on one of my hosts{adopted.length === 0 && ' (add a host first)'}
          </label>
          {kind === 'haproxy' && (
            <label className="spec-field">
              <span>HAProxy host</span>
              <select value={hostId} onChange={(e) => setHostId(e.target.value)}>
                {adopted.map((h) => (
                  <option key={h.id} value={h.id}>
                    {hostName(h)}
                  </option>
                ))}
              </select>
              <span className="field-hint">You can drop another host on the endpoint in the designer later.</span>
            </label>
          )}
          <label className="spec-radio">
            <input type="radio" name="endpoint-kind" checked={kind === 'address'} onChange={() => setKind('address')} />
            An address I run (a load balancer or DNS name)
          </label>
          {kind === 'address' && (
            <Field
              label="Endpoint address"
              value={address}
              placeholder="k8s.home.arpa:6443"
              error={fields.endpoint}
              onChange={(e) => setAddress(e.target.value)}
            />
          )}
        </fieldset>
        {error && !error.details?.fields && <p className="field-error">{error.message}</p>}
        <div className="dialog-actions">
          <button type="button" className="button" data-close onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            Create and design
          </button>
        </div>
      </form>
    </Dialog>
  )
}
