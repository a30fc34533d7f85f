import type { Host, SshCheckResult } from '../../../../shared/types'

/** The words and colour of a host's last login, read from its typed result (never its text). */
export interface LoginState {
  word: string
  className: string
  title?: string | undefined
}

/**
 * What the last login says is true. A login that got in but met a sudo password it was not given
 * is connected (issue 14: it said "Not connected"); only a login that did not get in is not.
 */
export function loginState(login: SshCheckResult): LoginState {
  if (login.ok) return { word: 'Connected', className: 'status-done' }
  switch (login.error?.code) {
    case 'SUDO_PASSWORD_NEEDED':
      return {
        word: 'Connected · sudo needs a password',
        className: 'status-warn',
        title: 'Logged in. sudo on this host asks for a password: Flotilla asks for it when a step needs root.',
      }
    case 'SUDO_AUTH_FAILED':
      return {
        word: 'Connected · sudo refused the password',
        className: 'status-warn',
        title: 'Logged in, but sudo did not accept the password given. Give it again.',
      }
    case 'SUDO_NOT_ALLOWED':
      return { word: 'Connected · no sudo', className: 'status-failed', title: login.error.message }
    case 'CANCELLED':
      return { word: 'Login cancelled', className: 'status-idle' }
    default:
      return { word: 'Not connected', className: 'status-failed', title: login.error?.message }
  }
}

export interface NextStep {
  action: 'trust' | 'connect' | 'identify' | 'recheck'
  label: string
  /** Said on hover: what the button will do. */
  why: string
}

/** The one thing to do next for a host, by its state: trust it, then identify it, then re-check. */
export function nextStep(host: Host, login: SshCheckResult | undefined): NextStep {
  if (!host.hostKey) {
    return { action: 'trust', label: 'Trust…', why: 'See the host key it presents, trust it, then log in.' }
  }
  const code = login && !login.ok ? login.error?.code : undefined
  if (code === 'SUDO_PASSWORD_NEEDED' || code === 'SUDO_AUTH_FAILED') {
    return { action: 'connect', label: 'Give sudo password…', why: 'Log in again and give the sudo password.' }
  }
  if (!host.identification) {
    return {
      action: 'identify',
      label: 'Identify',
      why: 'Log in and read what the machine is and what it is ready for.',
    }
  }
  return { action: 'recheck', label: 'Re-check', why: 'Log in again and read its facts and readiness afresh.' }
}
