import { useState, type FormEvent } from 'react'
import type { AppErrorData } from '../../../../shared/errors'
import type { Cluster, KubeconfigExportRequest, KubeconfigExportResult } from '../../../../shared/types'
import { Dialog } from '../../components/Dialog'
import { Field } from '../../components/Field'
import { useSecurity } from '../../stores/security.store'
import { expiry } from './format'

/**
 * Mint and export an admin kubeconfig: to a new file or merged into the user's kubeconfig, for a
 * chosen number of days. Says plainly that a copy grants admin, and what break-glass means.
 */
export function ExportDialog({ cluster, onClose }: { cluster: Cluster; onClose(): void }) {
  const exportKubeconfig = useSecurity((s) => s.exportKubeconfig)
  const [merge, setMerge] = useState(false)
  const [path, setPath] = useState(`~/flotilla-${cluster.name}.kubeconfig`)
  const [days, setDays] = useState('365')
  const [user, setUser] = useState('')
  const [breakGlass, setBreakGlass] = useState(cluster.flavour === 'k3s')
  const [useContext, setUseContext] = useState(false)
  const [overwrite, setOverwrite] = useState(false)
  const [error, setError] = useState<AppErrorData | null>(null)
  const [result, setResult] = useState<KubeconfigExportResult | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const request: KubeconfigExportRequest = { days: /^\d+$/.test(days.trim()) ? Number(days) : Number.NaN }
    if (merge) {
      request.merge = true
      request.useContext = useContext
    } else {
      request.out = path
      if (overwrite) request.overwrite = true
    }
    if (user.trim()) request.user = user.trim()
    if (breakGlass) request.breakGlass = true
    setBusy(true)
    const outcome = await exportKubeconfig(cluster.id, request)
    setBusy(false)
    setError(outcome.ok ? null : outcome.error)
    if (outcome.ok) setResult(outcome.value)
  }
  const fields = error?.details?.fields ?? {}

  return (
    <Dialog title={`Export an admin kubeconfig for ${cluster.name}`} onClose={onClose}>
      {result ? (
        <ExportDone result={result} onClose={onClose} />
      ) : (
        <form onSubmit={(e) => void submit(e)} noValidate aria-label="Export kubeconfig">
          <fieldset className="radio-group">
            <legend>Destination</legend>
            <label>
              <input type="radio" name="destination" checked={!merge} onChange={() => setMerge(false)} /> Save to a new
              file
            </label>
            <label>
              <input type="radio" name="destination" checked={merge} onChange={() => setMerge(true)} /> Merge into my
              kubeconfig ($KUBECONFIG or ~/.kube/config; the old file is backed up)
            </label>
          </fieldset>
          {merge ? (
            <label className="check">
              <input type="checkbox" checked={useContext} onChange={(e) => setUseContext(e.target.checked)} /> Switch
              the current context to flotilla-{cluster.name}
            </label>
          ) : (
            <>
              <Field
                label="File path"
                value={path}
                onChange={(e) => setPath(e.target.value)}
                error={fields.out}
                spellCheck={false}
              />
              {error?.code === 'FILE_EXISTS' && (
                <label className="check">
                  <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} /> Replace
                  the existing file
                </label>
              )}
            </>
          )}
          <div className="field-pair">
            <Field
              label="Valid for (days)"
              inputMode="numeric"
              value={days}
              onChange={(e) => setDays(e.target.value)}
              error={fields.days}
            />
            <Field
              label="User (certificate CN)"
              placeholder={breakGlass ? 'flotilla-break-glass' : 'flotilla-admin'}
              value={user}
              onChange={(e) => setUser(e.target.value)}
              error={fields.user}
              spellCheck={false}
            />
          </div>
          <label className="check">
            <input type="checkbox" checked={breakGlass} onChange={(e) => setBreakGlass(e.target.checked)} /> Break-glass
            credential (group system:masters)
          </label>
          {breakGlass && (
            <p className="callout callout-bad" role="note">
              A system:masters certificate bypasses RBAC entirely and cannot be revoked: only replacing the cluster CA
              stops it. Keep it offline for emergencies.
              {cluster.flavour === 'k3s' && ' k3s has no narrower admin group, so its admin kubeconfig is always one.'}
            </p>
          )}
          <p className="callout" role="note">
            Anyone with a copy of this kubeconfig is a cluster admin until it expires. Keep it private; do not paste it
            into chats or tickets.
          </p>
          {error && !error.details?.fields && (
            <p className="form-error" role="alert">
              {error.message}
            </p>
          )}
          {error?.details?.fields?.breakGlass && (
            <p className="form-error" role="alert">
              {error.message}
            </p>
          )}
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button button-primary" disabled={busy}>
              Export
            </button>
          </div>
        </form>
      )}
    </Dialog>
  )
}

function ExportDone({ result, onClose }: { result: KubeconfigExportResult; onClose(): void }) {
  return (
    <div role="status">
      <dl className="facts">
        <dt>Written to</dt>
        <dd>
          <code>{result.path}</code>
        </dd>
        {result.backupPath && (
          <>
            <dt>Previous file</dt>
            <dd>
              <code>{result.backupPath}</code>
            </dd>
          </>
        )}
        <dt>Context</dt>
        <dd>
          <code>{result.context}</code> {result.currentContextChanged ? '(now current)' : ''}
        </dd>
        <dt>Subject</dt>
        <dd>{result.issued.subject}</dd>
        <dt>Expires</dt>
        <dd>{expiry(result.issued.notAfter)}</dd>
      </dl>
      {result.warnings.map((w) => (
        <p key={w} className="callout">
          {w}
        </p>
      ))}
      <div className="dialog-actions">
        <button className="button button-primary" onClick={onClose}>
          Done
        </button>
      </div>
    </div>
  )
}
