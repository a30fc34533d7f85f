import { useEffect, useState } from 'react'
import { Dialog } from '../../components/Dialog'
import { Field } from '../../components/Field'
import { useHosts } from '../../stores/hosts.store'
import { useSsh, type SshPrompt } from '../../stores/ssh.store'
import { CopyButton } from '../security/CopyButton'
import './ssh.css'

/** Whichever question the connect flow is asking, as a dialog. */
export function SshDialogs() {
  const prompt = useSsh((s) => s.prompt)
  const hosts = useHosts((s) => s.hosts)
  // Operations that pause for a secret ask here too, also those found waiting after a reload.
  useEffect(() => {
    const ask = useSsh.getState().askForOperation
    const off = window.api.ops.onSecretNeeded(ask)
    void window.api.ops
      .list()
      .then((ops) => ops.forEach((op) => op.waitingFor?.forEach((w) => ask({ opId: op.id, ...w }))))
      .catch(() => undefined)
    return off
  }, [])
  if (!prompt) return null
  const host = hosts.find((h) => h.id === prompt.hostId)
  const name = host ? `${host.label ?? host.address} (${host.user}@${host.address}:${host.port})` : prompt.hostId
  // Keyed by the prompt, so each question starts with empty fields.
  const key = `${prompt.kind}-${prompt.hostId}-${'secret' in prompt ? prompt.secret : ''}`
  switch (prompt.kind) {
    case 'fingerprint':
      return <FingerprintDialog key={key} name={name} prompt={prompt} />
    case 'changed':
      return <HostKeyChangedDialog key={key} name={name} prompt={prompt} />
    case 'secret':
      return <SecretDialog key={key} name={name} user={host?.user ?? ''} prompt={prompt} />
  }
}

function FingerprintDialog({ name, prompt }: { name: string; prompt: Extract<SshPrompt, { kind: 'fingerprint' }> }) {
  const trust = useSsh((s) => s.trust)
  const dismiss = useSsh((s) => s.dismiss)
  return (
    <Dialog
      title="Trust this host?"
      onClose={dismiss}
      actions={
        <>
          <button className="button" onClick={dismiss}>
            Cancel
          </button>
          <button className="button button-primary" onClick={() => void trust(prompt.scan.fingerprint, false)}>
            Trust
          </button>
        </>
      }
    >
      <p>
        Flotilla has not met {name} before. It presents this {prompt.scan.type} host key:
      </p>
      <div className="fingerprint-line">
        <code className="host-fingerprint" data-testid="fingerprint">
          {prompt.scan.fingerprint}
        </code>
        <CopyButton value={prompt.scan.fingerprint} what="host key fingerprint" />
      </div>
      <p className="muted">
        To be sure it is your machine, compare it with what the machine itself prints for{' '}
        <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>. Flotilla will refuse any other key from now on.
      </p>
    </Dialog>
  )
}

function HostKeyChangedDialog({ name, prompt }: { name: string; prompt: Extract<SshPrompt, { kind: 'changed' }> }) {
  const trust = useSsh((s) => s.trust)
  const dismiss = useSsh((s) => s.dismiss)
  const [reinstalled, setReinstalled] = useState(false)
  return (
    <Dialog
      title="Host key changed"
      tone="danger"
      onClose={dismiss}
      actions={
        <>
          <button className="button button-primary" onClick={dismiss}>
            Stop
          </button>
          <button
            className="button button-danger"
            disabled={!reinstalled}
            onClick={() => void trust(prompt.newFingerprint, true)}
          >
            Re-trust
          </button>
        </>
      }
    >
      <p>The host key of {name} is not the one you trusted:</p>
      <dl className="facts">
        <dt>Trusted</dt>
        <dd>
          <span className="copyable">
            <code data-testid="old-fingerprint">{prompt.oldFingerprint}</code>
            <CopyButton value={prompt.oldFingerprint} what="trusted fingerprint" />
          </span>
        </dd>
        <dt>Now</dt>
        <dd>
          <span className="copyable">
            <code data-testid="new-fingerprint">{prompt.newFingerprint}</code>
            <CopyButton value={prompt.newFingerprint} what="new fingerprint" />
          </span>
        </dd>
      </dl>
      <p>
        If you re-flashed or re-installed this machine, this is expected: re-trust it. Otherwise stop: another machine
        may be answering at its address.
      </p>
      <label className="checkbox">
        <input type="checkbox" checked={reinstalled} onChange={(e) => setReinstalled(e.target.checked)} />I re-installed
        this machine
      </label>
    </Dialog>
  )
}

const SECRET_TEXT = {
  password: { title: 'Password needed', label: 'Login password' },
  sudo: { title: 'sudo password needed', label: 'sudo password' },
  passphrase: { title: 'Key passphrase needed', label: 'Passphrase' },
} as const

function SecretDialog({
  name,
  user,
  prompt,
}: {
  name: string
  user: string
  prompt: Extract<SshPrompt, { kind: 'secret' }>
}) {
  const provide = useSsh((s) => s.provide)
  const dismiss = useSsh((s) => s.dismiss)
  const [value, setValue] = useState('')
  const text = SECRET_TEXT[prompt.secret]
  const why =
    prompt.secret === 'passphrase'
      ? `Your key ${prompt.keyPath} is protected by a passphrase.`
      : prompt.secret === 'sudo'
        ? `${user} must type a password to use sudo on ${name}.`
        : `${name} wants ${user}'s password.`
  return (
    <Dialog
      title={text.title}
      onClose={dismiss}
      actions={
        <>
          <button className="button" onClick={dismiss}>
            Cancel
          </button>
          <button className="button button-primary" type="submit" form="secret-form" disabled={value === ''}>
            Continue
          </button>
        </>
      }
    >
      <form
        id="secret-form"
        onSubmit={(e) => {
          e.preventDefault()
          if (value) void provide(value)
        }}
      >
        <p>{why}</p>
        {prompt.retry && (
          <p className="form-error" role="alert">
            That was not accepted. Try again.
          </p>
        )}
        <Field
          label={text.label}
          type="password"
          autoComplete="off"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <p className="muted">Kept in memory for this session only, never written to disk or logs.</p>
      </form>
    </Dialog>
  )
}
