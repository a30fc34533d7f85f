import { AppError } from '../../../shared/errors'

/**
 * A command line for a remote POSIX shell, built only by `sh` below. Functions that run things on a
 * host take a ShellCommand, never a string, so a hostname, user, path or label can only reach a
 * shell through `quote`.
 */
export interface ShellCommand {
  readonly text: string
  readonly [brand]: true
}
declare const brand: unique symbol

/** A value that may stand in a command: quoted if a string/number, spliced if already a command. */
export type ShellValue = string | number | ShellCommand | readonly (string | number)[]

/**
 * POSIX single-quoting: everything between single quotes is literal; a single quote itself is
 * written as '\'' (close, escaped quote, reopen). NUL cannot be passed to a program at all, so it
 * is refused rather than silently truncated.
 */
export function quote(value: string | number): string {
  const text = String(value)
  if (text.includes('\0')) {
    throw new AppError('INVALID_INPUT', 'A value sent to a host contains a NUL byte, which no command can receive.')
  }
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/**
 * Tagged template for commands: sh`install -m 0644 ${src} ${dest}`. Interpolated strings and
 * numbers are quoted, arrays become quoted words, ShellCommands are spliced as they are.
 */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): ShellCommand {
  let text = strings[0] ?? ''
  values.forEach((value, i) => {
    text += render(value) + (strings[i + 1] ?? '')
  })
  return raw(text)
}

/** An argv list as one command: every word quoted. */
export function argv(words: readonly (string | number)[]): ShellCommand {
  if (words.length === 0) throw new AppError('INVALID_INPUT', 'No command given.')
  return raw(words.map(quote).join(' '))
}

/** Joins commands with a separator such as ' && ' or '; '. */
export function join(commands: readonly ShellCommand[], separator: ' && ' | '; ' | ' || ' | ' | '): ShellCommand {
  return raw(commands.map((c) => c.text).join(separator))
}

function render(value: ShellValue): string {
  if (typeof value === 'string' || typeof value === 'number') return quote(value)
  if (Array.isArray(value)) return value.map((v) => quote(v as string | number)).join(' ')
  return (value as ShellCommand).text
}

/** The one place a string becomes a command. Not exported: use sh`…` or argv(). */
function raw(text: string): ShellCommand {
  return { text } as ShellCommand
}
