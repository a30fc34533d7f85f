import { toAppErrorData } from '../../shared/errors'

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

/** Prints an error as a sentence with its code (or as JSON on stdout with --json). */
export function printError(out: Output, error: unknown, json: boolean): void {
  const data = toAppErrorData(error)
  if (json) {
    out.stdout(JSON.stringify({ error: data }, null, 2) + '\n')
    return
  }
  out.stderr(`error: ${data.message} [${data.code}]\n`)
  for (const [field, message] of Object.entries(data.details?.fields ?? {})) {
    if (message !== data.message) out.stderr(`  ${field}: ${message}\n`)
  }
}

/** Left-aligned columns for human output. */
export function table(rows: string[][]): string {
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
