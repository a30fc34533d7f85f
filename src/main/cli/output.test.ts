import { describe, expect, it } from 'vitest'
import { jsonText, printError, table, terminalSafe } from './output'
import { AppError } from '../../shared/errors'

describe('terminalSafe', () => {
  it.each([
    ['colour (CSI)', 'SSH-2.0-\u001b[31mred\u001b[0m', 'SSH-2.0-red'],
    ['cursor moves and clears', 'a\u001b[2J\u001b[H\u001b[10;20Hb', 'ab'],
    ['clipboard write (OSC 52, BEL)', 'x\u001b]52;c;ZXZpbA==\u0007y', 'xy'],
    ['window title (OSC, ST)', 'x\u001b]0;pwned\u001b\\y', 'xy'],
    ['C1 CSI', 'x\u009b31my', 'xy'],
    ['C1 OSC up to ST', 'x\u009d0;t\u009cy', 'xy'],
    ['two-byte escapes', 'x\u001bcy\u001b(Bz', 'xyz'],
    ['bell, backspace, DEL, CR, NUL', 'a\u0007b\u0008c\u007fd\re\u0000f', 'abcdef'],
    ['lone C1', 'a\u0085b', 'ab'],
    ['a dangling ESC at the end', 'abc\u001b', 'abc'],
  ])('strips %s', (_, input, expected) => {
    expect(terminalSafe(input)).toBe(expected)
  })

  it('keeps newlines, tabs and printable Unicode, and flattens them for one line', () => {
    expect(terminalSafe('Debian GNU/Linux 12 (bookworm)\r\n\tRaspberry Pi 5 — ü ✓')).toBe(
      'Debian GNU/Linux 12 (bookworm)\n\tRaspberry Pi 5 — ü ✓',
    )
    expect(terminalSafe('a\nb\tc', { singleLine: true })).toBe('a b c')
  })

  it('is applied by tables and error sentences', () => {
    expect(
      table([
        ['HOST', 'DETAIL'],
        ['pi', 'SSH-2.0-x\u001b]52;c;AAAA\u0007\nnext'],
      ]),
    ).toBe('HOST  DETAIL\npi    SSH-2.0-x next\n')
    let err = ''
    printError(
      { stdout: () => undefined, stderr: (t) => void (err += t) },
      new AppError('COMMAND_FAILED', 'stderr: \u001b[2Jgone'),
      false,
    )
    expect(err).toBe('error: stderr: gone [COMMAND_FAILED]\n')
  })
})

describe('jsonText (--json output, item 35)', () => {
  it('escapes C1 controls and other code points a terminal acts on, and parses back to the same value', () => {
    const value = {
      banner: 'SSH-2.0-x\u009b[31mred\u001b]52;c;ZXZpbA==\u0007',
      more: ['a\u007fb\u0085c\u009d0;t\u009c', 'rtl\u202eexe.txt', 'line\u2028sep', 'zero\u200bwidth\ufeff'],
      fine: 'Raspberry Pi 5 — ü ✓ \\u009b',
    }
    const text = jsonText(value)
    expect(text).toContain('SSH-2.0-x\\u009b[31mred\\u001b]52;c;ZXZpbA==\\u0007')
    expect(text).toContain('a\\u007fb\\u0085c\\u009d0;t\\u009c')
    expect(text).toContain('rtl\\u202eexe.txt')
    expect(text).toContain('Raspberry Pi 5 — ü ✓ \\\\u009b')
    // Nothing but printable text and newlines reaches the terminal.
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\ufeff]/)
    expect(text.endsWith('}\n')).toBe(true)
    expect(JSON.parse(text)).toEqual(value)
  })

  it('is what printError writes with --json', () => {
    let stdout = ''
    printError(
      { stdout: (t) => void (stdout += t), stderr: () => undefined },
      new AppError('COMMAND_FAILED', 'x\u009b2Jy'),
      true,
    )
    expect(stdout).toContain('x\\u009b2Jy')
    expect(JSON.parse(stdout).error.message).toBe('x\u009b2Jy')
  })
})
