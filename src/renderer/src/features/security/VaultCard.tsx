import { useState, type FormEvent } from 'react'
import type { AppErrorData } from '../../../../shared/errors'
import { MIN_PASSPHRASE_LENGTH } from '../../../../shared/schemas'
import type { VaultStatus } from '../../../../shared/types'
import { Field } from '../../components/Field'
import { useSecurity } from '../../stores/security.store'
import { BACKEND_NAMES, keyLocation } from './format'
import { NewPassphraseFields, useNewPassphrase } from './NewPassphrase'

/**
 * The first-run check: which keychain backend this computer has and where the vault key lives.
 * Without a keychain it offers passphrase mode instead of falling back to something weaker.
 */
export function VaultCard({ status }: { status: VaultStatus }) {
  return (
    <div className="card" aria-labelledby="vault-title">
      <div className="card-row">
        <h2 className="card-title" id="vault-title">
          Vault
        </h2>
        <span className={`status ${STATE_CLASS[status.state]}`}>{STATE_WORD[status.state]}</span>
      </div>
      <dl className="facts">
        <dt>Vault key</dt>
        <dd data-testid="keychain-backend">{keyLocation(status)}</dd>
        {status.generation !== undefined && (
          <>
            <dt>File</dt>
            <dd>
              <code>{status.path}</code> · generation {status.generation}
              {status.secrets !== undefined ? ` · ${status.secrets} secrets` : ''}
            </dd>
          </>
        )}
      </dl>
      {status.problem && status.state !== 'uninitialised' && (
        <p className={status.state === 'corrupt' ? 'callout callout-bad' : 'callout'} role="alert">
          {status.problem}
          {status.state === 'corrupt' &&
            status.previousGeneration &&
            ` The previous generation is at ${status.path}.prev.`}
        </p>
      )}
      {status.state === 'uninitialised' && <FirstRun status={status} />}
      {status.state === 'locked' && status.mode === 'passphrase' && <UnlockForm />}
      {status.state === 'unlocked' && <VaultActions status={status} />}
    </div>
  )
}

const STATE_WORD: Record<VaultStatus['state'], string> = {
  uninitialised: 'Not set up',
  locked: 'Locked',
  unlocked: 'Unlocked',
  corrupt: 'Damaged',
}
const STATE_CLASS: Record<VaultStatus['state'], string> = {
  uninitialised: 'status-idle',
  locked: 'status-running',
  unlocked: 'status-done',
  corrupt: 'status-failed',
}

function FirstRun({ status }: { status: VaultStatus }) {
  const setupVault = useSecurity((s) => s.setupVault)
  const [error, setError] = useState<AppErrorData | null>(null)
  const backend = status.keychain.backend ? BACKEND_NAMES[status.keychain.backend] : 'a system keychain'
  return (
    <div className="first-run">
      <p>
        Flotilla encrypts your clusters’ CA keys with a random key. Choose where that key lives: in your system
        keychain, or sealed with a passphrase you type when Flotilla starts.
      </p>
      {status.passphraseProvided && (
        <p className="muted">
          A passphrase was given at start (FLOTILLA_VAULT_PASSPHRASE); it is used unless you choose the keychain.
        </p>
      )}
      <div className="choice">
        <div>
          <strong>{backend}</strong>
          <p className="muted">{status.keychain.available ? 'Available on this computer.' : status.keychain.reason}</p>
        </div>
        <button
          // The first run's one primary action: the keychain when there is one, else the passphrase.
          className={status.keychain.available ? 'button button-primary' : 'button'}
          disabled={!status.keychain.available}
          onClick={() => void setupVault('keychain').then((r) => setError(r.ok ? null : r.error))}
        >
          Use the keychain
        </button>
      </div>
      <PassphraseSetup onError={setError} primary={!status.keychain.available} />
      {error && !error.details?.fields && (
        <p className="form-error" role="alert">
          {error.message}
        </p>
      )}
    </div>
  )
}

function PassphraseSetup({ onError, primary }: { onError(error: AppErrorData | null): void; primary: boolean }) {
  const setupVault = useSecurity((s) => s.setupVault)
  const passphrase = useNewPassphrase()
  const [fields, setFields] = useState<Record<string, string>>({})
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (passphrase.mismatch) return setFields({ confirm: passphrase.mismatch })
    const result = await setupVault('passphrase', passphrase.pass)
    setFields(result.ok ? {} : (result.error.details?.fields ?? {}))
    onError(result.ok ? null : result.error)
  }
  return (
    <form className="inline-form" aria-label="Use a passphrase" onSubmit={(e) => void submit(e)} noValidate>
      <NewPassphraseFields
        value={passphrase}
        label="Vault passphrase"
        repeatLabel="Repeat passphrase"
        hint={`At least ${MIN_PASSPHRASE_LENGTH} characters. There is no way to recover it.`}
        fields={fields}
      />
      <div className="form-actions">
        <button className={primary ? 'button button-primary' : 'button'} type="submit">
          Use a passphrase
        </button>
      </div>
    </form>
  )
}

function UnlockForm() {
  const unlock = useSecurity((s) => s.unlock)
  const [pass, setPass] = useState('')
  const [error, setError] = useState<string | undefined>()
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const result = await unlock(pass)
    setError(result.ok ? undefined : result.error.message)
    if (result.ok) setPass('')
  }
  return (
    <form className="inline-form" aria-label="Unlock the vault" onSubmit={(e) => void submit(e)} noValidate>
      <Field
        label="Vault passphrase"
        type="password"
        autoComplete="current-password"
        value={pass}
        onChange={(e) => setPass(e.target.value)}
        error={error}
      />
      <div className="form-actions">
        <button className="button button-primary" type="submit">
          Unlock
        </button>
      </div>
    </form>
  )
}

function VaultActions({ status }: { status: VaultStatus }) {
  const lock = useSecurity((s) => s.lock)
  const rotate = useSecurity((s) => s.rotate)
  return (
    <div className="row-actions">
      <button className="button button-small" onClick={() => void rotate()}>
        Rotate vault key
      </button>
      {status.mode === 'passphrase' && (
        <button className="button button-small" onClick={() => void lock()}>
          Lock
        </button>
      )}
    </div>
  )
}
