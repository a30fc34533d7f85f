import { useState, type FormEvent } from 'react'
import type { Cluster, ClusterFlavour } from '../../../../shared/types'
import { Field } from '../../components/Field'
import { useClusters } from '../../stores/clusters.store'

/** Name, flavour and API endpoint: all the PKI needs to know about a cluster. */
export function ClusterForm({
  onCreated,
  onCancel,
  primary = true,
}: {
  onCreated(cluster: Cluster): void
  onCancel?: () => void
  /** The screen's next step (SecurityScreen): the one filled button. */
  primary?: boolean
}) {
  const create = useClusters((s) => s.create)
  const [name, setName] = useState('')
  const [flavour, setFlavour] = useState<ClusterFlavour>('kubeadm')
  const [endpoint, setEndpoint] = useState('')
  const [fields, setFields] = useState<Record<string, string>>({})
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const result = await create({ name, flavour, endpoint })
    if ('id' in result) onCreated(result)
    else setFields(result.details?.fields ?? {})
  }
  return (
    <form className="inline-form" aria-label="Create cluster" onSubmit={(e) => void submit(e)} noValidate>
      <Field
        label="Cluster name"
        placeholder="homelab"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={fields.name}
        autoComplete="off"
        spellCheck={false}
      />
      <div className="field">
        <label htmlFor="cluster-flavour">Flavour</label>
        <select id="cluster-flavour" value={flavour} onChange={(e) => setFlavour(e.target.value as ClusterFlavour)}>
          <option value="kubeadm">kubeadm</option>
          <option value="k3s">k3s</option>
        </select>
      </div>
      <Field
        label="API endpoint"
        placeholder="192.168.1.10:6443"
        value={endpoint}
        onChange={(e) => setEndpoint(e.target.value)}
        error={fields.endpoint}
        hint="Load balancer or first control plane, host:port."
        autoComplete="off"
        spellCheck={false}
      />
      <div className="form-actions">
        <button className={primary ? 'button button-primary' : 'button'} type="submit">
          Create cluster
        </button>
        {onCancel && (
          <button className="button" type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  )
}
