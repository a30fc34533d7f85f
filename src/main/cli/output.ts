import { toAppErrorData } from '../../shared/errors'

export interface Output {
  stdout(text: string): void
  stderr(text: string): void
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
