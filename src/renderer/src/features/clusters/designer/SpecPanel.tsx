import { useState, type FormEvent } from 'react'
import type { DesignCheck } from '../../../../../shared/channels/clusters'
import type { ClusterSpecDocument } from '../../../../../shared/cluster-spec'
import type { AppErrorData } from '../../../../../shared/errors'
import type { Host } from '../../../../../shared/types'
import { useDesigner } from '../../../stores/designer.store'
import { hostName } from './host-kind'

interface SpecPanelProps {
  check: DesignCheck
  hosts: readonly Host[]
  saving: boolean
  onSave(spec: ClusterSpecDocument, revision: number): Promise<AppErrorData | null>
}

type Spec = ClusterSpecDocument['spec']

/** What the form edits: the spec's fields and the endpoint as its three inputs. */
interface Form {
  draft: Spec
  endpointKind: 'haproxy' | 'address'
  haproxyHost: string
  haproxyPort: string
  address: string
}

function formOf(check: DesignCheck): Form {
  const spec = check.spec.spec
  return {
    draft: spec,
    endpointKind: spec.endpoint.haproxy ? 'haproxy' : 'address',
    haproxyHost: spec.endpoint.haproxy?.host ?? '',
    haproxyPort: String(spec.endpoint.haproxy?.port ?? 6443),
    address: spec.endpoint.address ?? '',
  }
}

/**
 * The spec's fields besides the nodes, as the file has them: version, CNI, subnets, the dev
 * cluster switch, etcd placement and the endpoint. Saved with the revision it was read at (a
 * CONFLICT reloads it); problems the spec schema finds come back and stand next to their field.
 */
export function SpecPanel({ check, hosts, saving, onSave }: SpecPanelProps) {
  // The check the form started from: saved with its revision, so an edit of a stale spec is a CONFLICT.
  const [base, setBase] = useState(check)
  const [form, setForm] = useState(() => formOf(check))
  const [errors, setErrors] = useState<Record<string, string>>({})
  const dirty = JSON.stringify(form) !== JSON.stringify(formOf(base))
  // A new revision (a move here, a save elsewhere) replaces an untouched form; an edited one is kept
  // and says that saving it will be refused.
  if (check.revision !== base.revision && !dirty) {
    setBase(check)
    setForm(formOf(check))
  }
  const reset = (to: DesignCheck) => {
    setBase(to)
    setForm(formOf(to))
    setErrors({})
  }
  const { draft, endpointKind, haproxyHost, haproxyPort, address } = form
  const setDraft = (next: Spec) => setForm({ ...form, draft: next })
  const setField = <K extends keyof Form>(key: K, value: Form[K]) => setForm({ ...form, [key]: value })
  const set = <K extends keyof Spec>(key: K, value: Spec[K]) => setDraft({ ...draft, [key]: value })
  const setNet = (key: keyof Spec['network'], value: string) =>
    setDraft({ ...draft, network: { ...draft.network, [key]: value } })
  const setEndpointKind = (v: Form['endpointKind']) => setField('endpointKind', v)
  const setHaproxyHost = (v: string) => setField('haproxyHost', v)
  const setHaproxyPort = (v: string) => setField('haproxyPort', v)
  const setAddress = (v: string) => setField('address', v)
  const versions = check.kubernetesVersions.includes(draft.kubernetesVersion)
    ? check.kubernetesVersions
    : [...check.kubernetesVersions, draft.kubernetesVersion]
  const adopted = hosts.filter((h) => !h.pending && !h.ignored)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const endpoint =
      endpointKind === 'haproxy'
        ? { haproxy: { host: haproxyHost, port: Number(haproxyPort) } }
        : { address: address.trim() }
    const error = await onSave(
      { ...base.spec, spec: { ...draft, nodes: base.spec.spec.nodes, endpoint } },
      base.revision,
    )
    if (!error || error.code === 'CONFLICT') {
      // Saved, or refused as stale (the designer said so and reloaded): go on from what is saved now.
      const latest = useDesigner.getState().check
      if (latest) reset(latest)
      return
    }
    const fields: Record<string, string> = {}
    for (const p of (error?.details?.problems as { path?: string; message: string }[] | undefined) ?? []) {
      const key = FIELD_OF[p.path ?? ''] ?? 'form'
      fields[key] = fields[key] ? `${fields[key]} ${p.message}` : p.message
    }
    setErrors(fields)
  }
  const err = (key: string) => errors[key]

  return (
    <form className="spec-panel card" aria-label="Cluster spec" onSubmit={(e) => void submit(e)}>
      <h2>Spec</h2>
      {dirty && check.revision !== base.revision && (
        <p className="spec-stale" role="status">
          The spec was saved elsewhere since you started editing: saving these changes will be refused. Undo changes to
          start from what is saved.
        </p>
      )}
      <label className="spec-field">
        <span>Kubernetes version</span>
        <select value={draft.kubernetesVersion} onChange={(e) => set('kubernetesVersion', e.target.value)}>
          {versions.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
      <div className="spec-row">
        <label className="spec-field">
          <span>Flavour</span>
          <select value={draft.flavour} onChange={(e) => set('flavour', e.target.value as Spec['flavour'])}>
            <option value="kubeadm">kubeadm</option>
            <option value="k3s">k3s</option>
          </select>
        </label>
        <label className="spec-field">
          <span>etcd</span>
          <select value={draft.etcd} onChange={(e) => set('etcd', e.target.value as Spec['etcd'])}>
            <option value="stacked">stacked (on the control planes)</option>
            <option value="external">external (hosts of its own)</option>
          </select>
        </label>
      </div>
      <label className="spec-field">
        <span>Network plugin (CNI)</span>
        <select
          value={draft.network.cni}
          onChange={(e) => setDraft({ ...draft, network: { ...draft.network, cni: e.target.value as 'calico' } })}
        >
          <option value="calico">Calico (enforces NetworkPolicy)</option>
          <option value="flannel">Flannel (lighter, no NetworkPolicy)</option>
        </select>
      </label>
      <TextField
        label="Pod subnet"
        value={draft.network.podSubnet}
        error={err('podSubnet')}
        onChange={(v) => setNet('podSubnet', v)}
      />
      <TextField
        label="Service subnet"
        value={draft.network.serviceSubnet}
        error={err('serviceSubnet')}
        onChange={(v) => setNet('serviceSubnet', v)}
      />
      <label className="spec-switch">
        <input
          type="checkbox"
          role="switch"
          checked={draft.devCluster}
          onChange={(e) => set('devCluster', e.target.checked)}
        />
        <span>
          <strong>Dev cluster</strong>
          <span className="muted">
            {' '}
            Lets workloads run on the control planes (their taint is removed), so a small cluster needs no workers.
            Leave off for production.
          </span>
        </span>
      </label>
      <fieldset className="fieldset-box spec-endpoint">
        <legend>Endpoint</legend>
        <label className="spec-radio">
          <input type="radio" checked={endpointKind === 'haproxy'} onChange={() => setEndpointKind('haproxy')} />
          HAProxy on one of my hosts
        </label>
        {endpointKind === 'haproxy' && (
          <div className="spec-row">
            <label className="spec-field">
              <span>HAProxy host</span>
              <select value={haproxyHost} onChange={(e) => setHaproxyHost(e.target.value)}>
                {!adopted.some((h) => hostName(h) === haproxyHost) && (
                  <option value={haproxyHost}>{haproxyHost || '—'}</option>
                )}
                {adopted.map((h) => (
                  <option key={h.id} value={hostName(h)}>
                    {hostName(h)}
                  </option>
                ))}
              </select>
            </label>
            <TextField
              label="Port"
              value={haproxyPort}
              error={err('port')}
              onChange={setHaproxyPort}
              inputMode="numeric"
            />
          </div>
        )}
        <label className="spec-radio">
          <input type="radio" checked={endpointKind === 'address'} onChange={() => setEndpointKind('address')} />
          An address I run (load balancer or DNS name)
        </label>
        {endpointKind === 'address' && (
          <TextField label="Endpoint address" value={address} error={err('address')} onChange={setAddress} />
        )}
        {err('endpoint') && <p className="field-error">{err('endpoint')}</p>}
      </fieldset>
      {err('form') && (
        <p className="field-error" role="alert">
          {err('form')}
        </p>
      )}
      <div className="spec-actions">
        <button type="submit" className="button" disabled={saving}>
          {saving ? 'Saving…' : 'Save spec'}
        </button>
        <button type="button" className="link-button" disabled={!dirty} onClick={() => reset(check)}>
          Undo changes
        </button>
      </div>
    </form>
  )
}

/** Where a problem's spec path goes in this form. */
const FIELD_OF: Record<string, string> = {
  'spec.network.podSubnet': 'podSubnet',
  'spec.network.serviceSubnet': 'serviceSubnet',
  'spec.endpoint.address': 'address',
  'spec.endpoint.haproxy.port': 'port',
  'spec.endpoint.haproxy.host': 'endpoint',
  'spec.endpoint': 'endpoint',
}

function TextField(props: {
  label: string
  value: string
  error: string | undefined
  onChange(value: string): void
  inputMode?: 'numeric'
}) {
  const { label, value, error, onChange, inputMode } = props
  return (
    <label className={`spec-field ${error ? 'field-invalid' : ''}`}>
      <span>{label}</span>
      <input
        value={value}
        aria-invalid={Boolean(error)}
        inputMode={inputMode}
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
      />
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </label>
  )
}
