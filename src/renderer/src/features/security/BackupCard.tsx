import { useState, type FormEvent } from 'react'
import type { AppErrorData } from '../../../../shared/errors'
import { Field } from '../../components/Field'
import { useSecurity } from '../../stores/security.store'
import { defaultPath } from './format'
import { NewPassphraseFields, useNewPassphrase } from './NewPassphrase'

/**
 * One encrypted file with every CA key and the records to use them, for another computer or a
 * bad day. Its passphrase is separate from the vault's: the backup must open without this keychain.
 */
export function BackupCard({ ready }: { ready: boolean }) {
  return (
    <div className="card" aria-labelledby="backup-title">
      <h2 className="card-title" id="backup-title">
        Backup and restore
      </h2>
      <p className="muted">
        Your CAs live 10 years; this computer may not. A backup holds every CA key, encrypted with a passphrase of its
        own, and restores on any computer.
      </p>
      <div className="split">
        <BackupForm ready={ready} />
        <RestoreForm />
      </div>
    </div>
  )
}

function BackupForm({ ready }: { ready: boolean }) {
  const backup = useSecurity((s) => s.backup)
  const [path, setPath] = useState(defaultPath('flotilla-backup', 'flotilla'))
  const passphrase = useNewPassphrase()
  const [overwrite, setOverwrite] = useState(false)
  const [error, setError] = useState<AppErrorData | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setDone(null)
    if (passphrase.mismatch)
      return setError({
        code: 'INVALID_INPUT',
        message: passphrase.mismatch,
        details: { fields: { confirm: passphrase.mismatch } },
      })
    const result = await backup(path, passphrase.pass, overwrite)
    setError(result.ok ? null : result.error)
    if (result.ok) {
      setDone(
        `Saved ${result.value.secrets} secrets (${result.value.clusters.join(', ') || 'no clusters'}) to ${result.value.path}.`,
      )
      passphrase.clear()
    }
  }
  const fields = error?.details?.fields ?? {}
  return (
    <form className="stack-form" aria-label="Back up" onSubmit={(e) => void submit(e)} noValidate>
      <h3>Back up</h3>
      <Field
        label="Backup file"
        value={path}
        onChange={(e) => setPath(e.target.value)}
        error={fields.path}
        spellCheck={false}
      />
      <NewPassphraseFields
        value={passphrase}
        label="Backup passphrase"
        repeatLabel="Repeat backup passphrase"
        fields={fields}
      />
      {error?.code === 'FILE_EXISTS' && (
        <label className="check">
          <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} /> Replace the
          existing file
        </label>
      )}
      {error && !error.details?.fields && (
        <p className="form-error" role="alert">
          {error.message}
        </p>
      )}
      {done && <p role="status">{done}</p>}
      <div>
        {/* Upkeep, not a step to a cluster: never the screen's filled button. */}
        <button className="button" type="submit" disabled={!ready}>
          Back up
        </button>
      </div>
    </form>
  )
}

function RestoreForm() {
  const restore = useSecurity((s) => s.restore)
  const [path, setPath] = useState('')
  const [pass, setPass] = useState('')
  const [replace, setReplace] = useState(false)
  const [error, setError] = useState<AppErrorData | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setDone(null)
    const result = await restore(path, pass, replace)
    setError(result.ok ? null : result.error)
    if (result.ok) {
      const { restored, unchanged } = result.value
      setDone(
        `Restored ${restored.join(', ') || 'nothing new'}${unchanged.length ? `; already here: ${unchanged.join(', ')}` : ''}.`,
      )
      setPass('')
    }
  }
  const fields = error?.details?.fields ?? {}
  return (
    <form className="stack-form" aria-label="Restore" onSubmit={(e) => void submit(e)} noValidate>
      <h3>Restore</h3>
      <Field
        label="Backup file to restore"
        value={path}
        onChange={(e) => setPath(e.target.value)}
        error={fields.path}
        spellCheck={false}
      />
      <Field
        label="Passphrase of that backup"
        type="password"
        autoComplete="off"
        value={pass}
        onChange={(e) => setPass(e.target.value)}
        error={fields.passphrase}
      />
      <label className="check">
        <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} /> Replace clusters here
        that have other CAs
      </label>
      {error && !error.details?.fields && (
        <p className="form-error" role="alert">
          {error.message}
        </p>
      )}
      {done && <p role="status">{done}</p>}
      <div>
        <button className="button" type="submit">
          Restore
        </button>
      </div>
    </form>
  )
}
