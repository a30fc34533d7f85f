import { AppError, toAppErrorData } from '../../shared/errors'

export interface Output {
  stdout(text: string): void
  stderr(text: string): void
  /** Bytes exactly as given (a remote command's output); without it, they are written as text. */
  bytes?(stream: 'stdout' | 'stderr', chunk: Uint8Array): void
  /** Calls `listener` once whoever reads our stdout has gone (EPIPE: `… | head -1`); unsubscribes. */
  onBrokenPipe?(listener: () => void): () => void
}

/**
 * An exit code other than 1, with nothing more to print: 130 after Ctrl-C, 141 (128 + SIGPIPE)
 * when the reader of stdout went away, as a Unix tool killed by those signals would report.
 */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`)
  }
}

/**
 * The process's stdout and stderr. A closed pipe (`flotilla … | head -1`) is not an error to
 * print: later writes are dropped, listeners are told (to stop what produces output), and the
 * command ends quietly, as Unix tools do; unhandled, Node would print an EPIPE stack trace.
 */
export function consoleOutput(): Output {
  let broken = false
  const listeners = new Set<() => void>()
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' || broken) return
    broken = true
    for (const listener of listeners) listener()
  }
  process.stdout.on('error', onError)
  // stderr has no reader to tell; a failed write there has nowhere to be reported either.
  process.stderr.on('error', () => undefined)
  const write = (stream: NodeJS.WriteStream, data: string | Uint8Array) => {
    if (stream === process.stdout && broken) return
    stream.write(data)
  }
  return {
    stdout: (text) => write(process.stdout, text),
    stderr: (text) => write(process.stderr, text),
    bytes: (stream, chunk) => write(stream === 'stdout' ? process.stdout : process.stderr, chunk),
    onBrokenPipe: (listener) => {
      if (broken) {
        listener()
        return () => undefined
      }
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

/**
 * The command printed its result (per host), but what the user asked for did not happen: the exit
 * status says so (1), and with --json stdout keeps only the result document, so the sentence goes
 * to stderr.
 */
export class OutcomeError extends AppError {}

/** The CLI option that fills each schema field (the contract's names are the UI's). */
const FIELD_FLAGS: Record<string, string> = {
  port: '--port',
  user: '--user',
  label: '--label',
  timeoutSec: '--timeout',
  days: '--days',
  algorithm: '--algo',
  flavour: '--flavour',
  endpoint: '--endpoint',
  out: '--out',
  fingerprint: '--fingerprint',
}

/** "--port: Port must be …" for a field a flag filled (unless the sentence names it already). */
function onFlag(field: string, message: string): string {
  const flag = FIELD_FLAGS[field]
  return flag && !message.startsWith(flag) ? `${flag}: ${message}` : message
}

/**
 * Code points JSON.stringify leaves raw (it escapes only C0 and lone surrogates) that a terminal
 * or a viewer acts on: DEL, the C1 controls (U+009B is CSI and U+009D OSC on a terminal that reads
 * 8-bit controls), soft hyphen, zero-width and bidi controls that hide or reorder text, the line
 * and paragraph separators, and the byte-order mark.
 */
const JSON_UNSAFE = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g

/**
 * The one way --json output is written: JSON of `value` (2-space indent, a final newline) with the
 * code points above escaped as \uXXXX, so values from hosts (banners, mDNS names, remote output)
 * reach the terminal as plain printable text and still parse back to exactly the same value.
 * Outside strings JSON holds only ASCII, so the replacement only ever touches string contents.
 */
export function jsonText(value: unknown): string {
  const text = JSON.stringify(value, null, 2) ?? 'null'
  return text.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n'
}

/** Prints an error as a sentence with its code (or as JSON on stdout with --json). */
export function printError(out: Output, error: unknown, json: boolean): void {
  const data = toAppErrorData(error)
  if (json && !(error instanceof OutcomeError)) {
    out.stdout(jsonText({ error: data }))
    return
  }
  // A field the schema judged is an option the user typed: name it as they typed it.
  const fields = data.code === 'INVALID_INPUT' ? (data.details?.fields ?? {}) : {}
  const entries = Object.entries(fields)
  const headline = entries.length === 1 && entries[0]![1] === data.message ? onFlag(...entries[0]!) : data.message
  // An error sentence may quote a host (its stderr, its banner): terminal-safe like everything else.
  out.stderr(terminalSafe(`error: ${headline} [${data.code}]\n`))
  for (const [field, message] of Object.entries(data.details?.fields ?? {})) {
    if (message !== data.message) out.stderr(terminalSafe(`  ${FIELD_FLAGS[field] ?? field}: ${message}\n`))
  }
}

/**
 * ESC sequences (CSI "ESC [ … final", OSC/DCS/APC/PM/SOS strings up to BEL or ST, and two-byte
 * escapes), the same introduced by C1 bytes, and then any lone C0 (but \n, \t), DEL or C1 byte.
 */
/* eslint-disable no-control-regex -- matching control characters is the point here */
const CSI = /(?:\u001b\[|\u009b)[\u0020-\u003f]*[\u0040-\u007e]?/.source
const STRING = /(?:\u001b[\]P^_X]|[\u0090\u0098\u009d-\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?/.source
const TWO_BYTE = /\u001b[\u0020-\u002f]*[\u0030-\u007e]?/.source
const ESCAPES = new RegExp(`${CSI}|${STRING}|${TWO_BYTE}`, 'g')
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g

/**
 * Text from a host (SSH banners, OS names, mDNS names, remote error output) made safe to print on
 * a terminal: escape sequences could move the cursor, retitle the window or write the clipboard
 * (OSC 52). Everything the CLI prints as text passes through here (tables and error sentences
 * do it themselves); `singleLine` also flattens \n and \t (for table cells).
 */
export function terminalSafe(text: string, { singleLine = false } = {}): string {
  const clean = text.replace(/\r\n/g, '\n').replace(ESCAPES, '').replace(CONTROLS, '')
  return singleLine ? clean.replace(/[\n\t]+/g, ' ') : clean
}

/** Left-aligned columns for human output; cells are made terminal-safe (they often come from hosts). */
export function table(raw: string[][]): string {
  const rows = raw.map((r) => r.map((cell) => terminalSafe(cell, { singleLine: true })))
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return (
    rows
      .map((r) =>
        r
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  )
}
