import { create } from 'zustand'
import type { AppErrorData } from '../../../shared/errors'
import type { HostKeyScan, OpSecretNeeded, SshCheckResult, SshSecretKind } from '../../../shared/types'
import { asError } from '../errors'
import { useOps } from './ops.store'
import { outcome, type Outcome } from './outcome'
import { useToasts } from './toasts.store'

/** What the user is being asked right now, if anything. */
export type SshPrompt =
  | { kind: 'fingerprint'; hostId: string; scan: HostKeyScan }
  | { kind: 'changed'; hostId: string; oldFingerprint: string; newFingerprint: string }
  | {
      kind: 'secret'
      hostId: string
      secret: SshSecretKind
      keyPath?: string
      retry: boolean
      /** An operation paused for this secret: giving it resumes that operation, Cancel cancels it. */
      opId?: string
    }

interface SshState {
  /** Last login result per host. */
  results: Record<string, SshCheckResult>
  connecting: Record<string, boolean>
  prompt: SshPrompt | null
  /** Logs in to a host; asks for whatever is missing (trust, password, passphrase, sudo) and retries. */
  connect(hostId: string): Promise<void>
  /**
   * Adds your public key (~/.ssh) to the host's authorized_keys, as `flotilla ssh install-key`
   * does: an operation, which asks for the login password in a dialog if it needs one.
   */
  installKey(hostId: string): Promise<Outcome<{ added: boolean }>>
  trust(fingerprint: string, replace: boolean): Promise<void>
  provide(value: string): Promise<void>
  dismiss(): void
  /** An operation paused for a secret (op:secret-needed, or found waiting after a reload). */
  askForOperation(need: OpSecretNeeded): void
}

/**
 * The connect flow: ssh:check tells what is missing, a dialog asks the user, the answer goes to
 * ssh:trust or ssh:provideSecret, and the check runs again. Nothing is trusted without the user
 * having seen the fingerprint.
 */
export const useSsh = create<SshState>((set, get) => {
  /** Secrets paused operations wait for, asked one at a time. */
  const asked: OpSecretNeeded[] = []
  const nextAsked = () => {
    const need = asked.shift()
    if (!need || get().prompt) return
    set({
      prompt: {
        kind: 'secret',
        hostId: need.hostId,
        secret: need.kind,
        ...(need.keyPath !== undefined ? { keyPath: need.keyPath } : {}),
        retry: false,
        opId: need.opId,
      },
    })
  }
  const setConnecting = (hostId: string, value: boolean) =>
    set({ connecting: { ...get().connecting, [hostId]: value } })

  /** Turns a failed check into the question to ask, or null when no answer of the user can help. */
  const promptFor = async (hostId: string, error: AppErrorData): Promise<SshPrompt | null> => {
    const details = error.details ?? {}
    switch (error.code) {
      case 'HOST_KEY_UNKNOWN':
        return { kind: 'fingerprint', hostId, scan: await window.api.ssh.scan(hostId) }
      case 'HOST_KEY_CHANGED':
        return {
          kind: 'changed',
          hostId,
          oldFingerprint: String(details.oldFingerprint ?? ''),
          newFingerprint: String(details.newFingerprint ?? ''),
        }
      case 'AUTH_NEEDED':
      case 'AUTH_FAILED':
        if (details.kind === 'passphrase' && typeof details.keyPath === 'string') {
          return { kind: 'secret', hostId, secret: 'passphrase', keyPath: details.keyPath, retry: false }
        }
        if (details.kind === 'password') {
          return { kind: 'secret', hostId, secret: 'password', retry: error.code === 'AUTH_FAILED' }
        }
        return null
      case 'SUDO_PASSWORD_NEEDED':
      case 'SUDO_AUTH_FAILED':
        return { kind: 'secret', hostId, secret: 'sudo', retry: error.code === 'SUDO_AUTH_FAILED' }
      default:
        return null
    }
  }

  return {
    results: {},
    connecting: {},
    prompt: null,
    connect: async (hostId) => {
      setConnecting(hostId, true)
      try {
        const opId = window.api.ops.newId()
        const [result] = await window.api.ssh.check([hostId], { opId })
        if (!result) return
        set({ results: { ...get().results, [hostId]: result } })
        if (!result.ok && result.error) {
          const prompt = await promptFor(hostId, result.error)
          // A question for the user is the next step, not a failure to keep in the tray.
          if (prompt) {
            useOps.getState().dismiss(opId)
            set({ prompt })
          } else useToasts.getState().error(result.error)
        }
      } catch (error) {
        useToasts.getState().error(asError(error))
      } finally {
        setConnecting(hostId, false)
      }
    },
    installKey: (hostId) => outcome(() => window.api.ssh.installKey(hostId)),
    trust: async (fingerprint, replace) => {
      const prompt = get().prompt
      if (!prompt) return
      set({ prompt: null })
      try {
        await window.api.ssh.trust(prompt.hostId, fingerprint, { replace })
        await get().connect(prompt.hostId)
      } catch (error) {
        useToasts.getState().error(asError(error))
      }
    },
    provide: async (value) => {
      const prompt = get().prompt
      if (prompt?.kind !== 'secret') return
      set({ prompt: null })
      try {
        await window.api.ssh.provideSecret(prompt.hostId, prompt.secret, value, prompt.keyPath)
        // A paused operation goes on by itself once it has the secret; a failed check runs again.
        if (prompt.opId === undefined) await get().connect(prompt.hostId)
      } catch (error) {
        useToasts.getState().error(asError(error))
      }
      nextAsked()
    },
    dismiss: () => {
      const prompt = get().prompt
      set({ prompt: null })
      if (prompt?.kind === 'secret' && prompt.opId !== undefined) void useOps.getState().cancel(prompt.opId)
      nextAsked()
    },
    askForOperation: (need) => {
      const same = (p: OpSecretNeeded) => p.opId === need.opId && p.hostId === need.hostId && p.kind === need.kind
      if (asked.some(same)) return
      asked.push(need)
      if (!get().prompt) nextAsked()
    },
  }
})
