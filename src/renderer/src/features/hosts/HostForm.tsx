import { useState, type FormEvent } from 'react'
import type { AppErrorData } from '../../../../shared/errors'
import { LOGIN_USER_EXAMPLES } from '../../../../shared/login-user'
import type { HostInput } from '../../../../shared/types'
import { Field } from '../../components/Field'
import type { Outcome } from '../../stores/outcome'

export interface HostFormValues {
  address: string
  port: string
  user: string
  label: string
}

interface HostFormProps {
  initial?: HostFormValues
  submitLabel: string
  /** The store's outcome: on failure its error's fields are shown next to the inputs. */
  onSubmit(input: HostInput): Promise<Outcome<unknown>>
  onCancel?: () => void
  /** Clear the inputs after a successful submit (adding, not editing). */
  resetOnSuccess?: boolean
  /** Put the cursor in the first field (the form was just opened by the user). */
  autoFocus?: boolean
}

// No user: a host added by address shows nothing that says its login (login-user.ts has the rule).
export const EMPTY_HOST_FORM: HostFormValues = { address: '', port: '22', user: '', label: '' }

/**
 * Address, port, user and label. The services validate (the same rules for UI, web and CLI); this
 * form only shows their verdict next to each field and keeps what the user typed.
 */
export function HostForm({
  initial = EMPTY_HOST_FORM,
  submitLabel,
  onSubmit,
  onCancel,
  resetOnSuccess,
  autoFocus,
}: HostFormProps) {
  const [values, setValues] = useState(initial)
  const [error, setError] = useState<AppErrorData | null>(null)
  const [busy, setBusy] = useState(false)
  const fields = error?.details?.fields ?? {}
  const set = (key: keyof HostFormValues) => (e: { target: { value: string } }) =>
    setValues({ ...values, [key]: e.target.value })

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    const result = await onSubmit({
      address: values.address,
      port: values.port.trim() === '' ? 22 : /^\d+$/.test(values.port.trim()) ? Number(values.port) : Number.NaN,
      user: values.user,
      label: values.label,
    })
    setBusy(false)
    setError(result.ok ? null : result.error)
    if (result.ok && resetOnSuccess) setValues(initial)
  }

  const otherError = error && !error.details?.fields ? error.message : null
  return (
    <form className="host-form" onSubmit={(e) => void submit(e)} noValidate aria-label={submitLabel}>
      <Field
        label="Address"
        name="address"
        placeholder="192.168.1.20 or kubic-pi1.local"
        value={values.address}
        onChange={set('address')}
        error={fields.address}
        autoComplete="off"
        spellCheck={false}
        className="field-wide"
        autoFocus={autoFocus}
      />
      <Field
        label="SSH port"
        name="port"
        inputMode="numeric"
        value={values.port}
        onChange={set('port')}
        error={fields.port}
        className="field-narrow"
      />
      <Field
        label="User"
        name="user"
        placeholder="pi, root, debian…"
        title={LOGIN_USER_EXAMPLES}
        value={values.user}
        onChange={set('user')}
        error={fields.user}
        autoComplete="off"
        spellCheck={false}
      />
      <Field
        label="Label (optional)"
        name="label"
        placeholder="pi-kitchen"
        value={values.label}
        onChange={set('label')}
        error={fields.label}
      />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      {otherError && (
        <div className="form-error" role="alert">
          {otherError}
        </div>
      )}
    </form>
  )
}
