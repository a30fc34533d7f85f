/**
 * Errors that cross a process boundary. Every failure a user or script can see is an AppError with a
 * stable code (for search, support and tests) and a sentence that says what happened and what to do.
 */

/** Stable error codes. Append only: scripts and tests match on these. */
export const ERROR_CODES = [
  /** Input failed validation; `details.fields` maps field name to a message. */
  'INVALID_INPUT',
  /** Channel name not in the contract. */
  'UNKNOWN_CHANNEL',
  /** The caller is not allowed to use the contract (wrong frame, token or origin). */
  'FORBIDDEN',
  'HOST_NOT_FOUND',
  'HOST_EXISTS',
  'OPERATION_NOT_FOUND',
  /** The operation was cancelled by the user. */
  'CANCELLED',
  'TIMEOUT',
  /** A host could not be reached on the network. */
  'UNREACHABLE',
  /** The data directory or a store file could not be read or written. */
  'STORAGE',
  /** The transport to the services went away (web socket closed, window reloading). */
  'DISCONNECTED',
  /** A bug: something we did not expect. The message is safe to show; details are in the log. */
  'INTERNAL',
  /** SSH: first contact; details.fingerprint must be confirmed by the user (ssh:trust). */
  'HOST_KEY_UNKNOWN',
  /** SSH: the host key differs from the pinned one; details.oldFingerprint / newFingerprint. */
  'HOST_KEY_CHANGED',
  /** SSH: a secret is needed to log in; details.kind is 'password' or 'passphrase' (with keyPath). */
  'AUTH_NEEDED',
  /** SSH: the host refused the credentials offered. */
  'AUTH_FAILED',
  /** sudo asks for a password Flotilla does not have yet (ssh:provideSecret kind 'sudo'). */
  'SUDO_PASSWORD_NEEDED',
  /** sudo refused the password given. */
  'SUDO_AUTH_FAILED',
  /** The user may not use sudo on that host (or sudo is missing). */
  'SUDO_NOT_ALLOWED',
  /** A remote command exited non-zero; details.exitCode, details.stderr (redacted, truncated). */
  'COMMAND_FAILED',
  /** The SSH connection dropped while a command ran. */
  'CONNECTION_LOST',
  /** A rebooted host did not come back in time. */
  'REBOOT_TIMEOUT',
  /** The vault file (or a backup) is damaged, truncated or was tampered with; nothing was read. */
  'VAULT_CORRUPT',
  /** The passphrase does not open the vault or the backup. */
  'VAULT_PASSPHRASE',
  /** The vault is protected by a passphrase that has not been given yet (vault:unlock). */
  'VAULT_LOCKED',
  /** Keychain mode, but this computer's keychain does not hold the vault's data key. */
  'VAULT_KEY_MISSING',
  /** No usable OS keychain (e.g. no Secret Service on the session bus); use passphrase mode. */
  'KEYCHAIN_UNAVAILABLE',
  'CLUSTER_NOT_FOUND',
  /** A cluster with that name already exists. */
  'CLUSTER_EXISTS',
  /** The cluster still has certificate authorities; remove them explicitly (deletePki). */
  'CLUSTER_HAS_PKI',
  /** The cluster has no certificate authorities yet (pki:init). */
  'PKI_NOT_INITIALISED',
  /** The cluster already has certificate authorities; they are never silently replaced. */
  'PKI_EXISTS',
  /** The target file exists and was not replaced (ask again with overwrite). */
  'FILE_EXISTS',
  /** An existing kubeconfig could not be parsed; it was left untouched. */
  'KUBECONFIG_INVALID',
  /** Discovery: this computer has no network interface to browse on (only loopback). */
  'NO_NETWORK',
  /** The record changed since the caller read it (details.revision: the current one); read it again. */
  'CONFLICT',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/** The serialisable shape of an AppError: what travels over IPC, WebSocket and `--json`. */
export interface AppErrorData {
  code: ErrorCode
  message: string
  details?: AppErrorDetails
}

export interface AppErrorDetails {
  /** Per-field messages for forms: shown next to the field. */
  fields?: Record<string, string>
  [key: string]: unknown
}

/** An error meant for people: code + sentence + optional details. */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly details?: AppErrorDetails

  constructor(code: ErrorCode, message: string, details?: AppErrorDetails) {
    super(message)
    this.name = 'AppError'
    this.code = code
    if (details !== undefined) this.details = details
  }

  toJSON(): AppErrorData {
    return errorData(this.code, this.message, this.details)
  }
}

function errorData(code: ErrorCode, message: string, details?: AppErrorDetails): AppErrorData {
  return details === undefined ? { code, message } : { code, message, details }
}

/** True for an AppError or anything with its serialised shape (e.g. after crossing contextBridge). */
export function isAppErrorData(value: unknown): value is AppErrorData {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return (
    typeof v.message === 'string' && typeof v.code === 'string' && (ERROR_CODES as readonly string[]).includes(v.code)
  )
}

/**
 * Normalises anything thrown into AppErrorData. Unknown errors become INTERNAL with a generic
 * message: their text may hold paths or secrets, so it goes to the log, not to the user.
 */
export function toAppErrorData(error: unknown): AppErrorData {
  if (isAppErrorData(error)) return errorData(error.code, error.message, error.details)
  return { code: 'INTERNAL', message: 'Something went wrong inside Flotilla. The log has the details.' }
}
