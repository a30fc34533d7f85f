import { useState } from 'react'
import { Field } from '../../components/Field'

export const PASSPHRASES_DIFFER = 'The two passphrases differ.'

/** A new passphrase typed twice (the vault's, a backup's): its state and the check they match. */
export function useNewPassphrase() {
  const [pass, setPass] = useState('')
  const [confirm, setConfirm] = useState('')
  return {
    pass,
    confirm,
    setPass,
    setConfirm,
    /** The `confirm` field error when the two differ, undefined when they match. */
    mismatch: pass === confirm ? undefined : PASSPHRASES_DIFFER,
    clear() {
      setPass('')
      setConfirm('')
    },
  }
}

/** The two password fields of a new passphrase, with errors keyed `passphrase` and `confirm`. */
export function NewPassphraseFields({
  value,
  label,
  repeatLabel,
  hint,
  fields,
}: {
  value: ReturnType<typeof useNewPassphrase>
  label: string
  repeatLabel: string
  hint?: string
  fields: Record<string, string>
}) {
  return (
    <>
      <Field
        label={label}
        type="password"
        autoComplete="new-password"
        value={value.pass}
        onChange={(e) => value.setPass(e.target.value)}
        error={fields.passphrase}
        {...(hint ? { hint } : {})}
      />
      <Field
        label={repeatLabel}
        type="password"
        autoComplete="new-password"
        value={value.confirm}
        onChange={(e) => value.setConfirm(e.target.value)}
        error={fields.confirm}
      />
    </>
  )
}
