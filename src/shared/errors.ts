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
