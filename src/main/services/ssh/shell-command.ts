import { randomBytes } from 'node:crypto'
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

/**
 * Linux's limit for one argument string, its NUL included (MAX_ARG_STRLEN, 32 pages). sshd hands a
 * command to the login shell as ONE argument (`$SHELL -c <command>`), so this bounds a whole
 * command line, whatever its words. (The total of all arguments, ARG_MAX, is about 2 MiB: a command
 * under this limit cannot exceed it.)
 */
export const MAX_COMMAND_BYTES = 131_072

/** Refuses, before anything is sent, a command line no host could start; says what to do instead. */
export function assertFits(command: ShellCommand): void {
  const bytes = Buffer.byteLength(command.text, 'utf8')
  if (bytes < MAX_COMMAND_BYTES) return
  throw new AppError(
    'INVALID_INPUT',
    `The command is too long to send: ${bytes} bytes once quoted, and a Linux host accepts at most ${MAX_COMMAND_BYTES - 1} in one command line. Send large data as a file instead.`,
    { bytes, limit: MAX_COMMAND_BYTES - 1 },
  )
}

/**
 * A command as ONE word for another shell (`sudo -- sh -c <word>`), carried in a here-document:
 * nothing in it is escaped, so it keeps its size. quote() would escape the already-quoted command a
 * second time, each ' growing fourfold again (a 60 KB argument of quotes went past the 128 KiB
 * limit under sudo only). The delimiter is random and checked not to occur as a line of the text.
 * Command substitution drops trailing newlines, which a command does not need.
 */
export function verbatim(command: ShellCommand): ShellCommand {
  const lines = new Set(command.text.split('\n'))
  let tag: string
  do tag = `FLOTILLA_${randomBytes(8).toString('hex')}`
  while (lines.has(tag))
  return raw(`"$(cat <<'${tag}'\n${command.text}\n${tag}\n)"`)
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
