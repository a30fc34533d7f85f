import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { MAX_COMMAND_BYTES, argv, assertFits, join, quote, sh, verbatim } from './shell-command'

/** What /bin/sh really receives: printf prints its one argument back, byte for byte. */
function roundTrip(value: string): string {
  return execFileSync('/bin/sh', ['-c', sh`printf %s ${value}`.text], { encoding: 'buffer' }).toString('utf8')
}

describe('quote', () => {
  it.each([
    "it's",
    '$(reboot)',
    '`id`',
    'a b\tc\nd',
    '"; rm -rf / #',
    '\\',
    "''",
    '-n',
    '*',
    '~root',
    'ünïcødé ✓ 🚀',
    '',
    '$HOME ${PATH}',
    '!event',
  ])('passes %j through a real shell unchanged', (value) => {
    expect(roundTrip(value)).toBe(value)
  })

  it('leaves plain words readable', () => {
    expect(quote('/etc/kubernetes/pki')).toBe('/etc/kubernetes/pki')
    expect(quote(6443)).toBe('6443')
    expect(quote('a b')).toBe("'a b'")
  })

  it('refuses NUL', () => {
    expect(() => quote('a\0b')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })

  it('survives 2,000 random strings through /bin/sh', () => {
    const alphabet = [
      'a',
      ' ',
      "'",
      '"',
      '$',
      '(',
      ')',
      '`',
      '\\',
      '\n',
      ';',
      '|',
      '&',
      '*',
      '?',
      '~',
      '#',
      'é',
      '🚀',
      '\t',
      '!',
      '{',
      '}',
      '<',
      '>',
      '-',
    ]
    let seed = 7
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const values = Array.from({ length: 2000 }, () =>
      Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(
        '',
      ),
    )
    // One shell run for all values keeps this fast: each printed with a separator that cannot occur.
    const script = join(
      values.map((v) => sh`printf '%s\\036' ${v}`),
      '; ',
    )
    const out = execFileSync('/bin/sh', ['-c', script.text]).toString('utf8').split('\x1e')
    expect(out.slice(0, -1)).toEqual(values)
  })
})

describe('sh and argv', () => {
  it('quotes interpolations, splices commands and arrays', () => {
    const inner = sh`cat ${'/etc/os-release'}`
    expect(sh`test -f ${'/a b'} && ${inner}`.text).toBe("test -f '/a b' && cat /etc/os-release")
    expect(sh`ls ${['-la', 'my dir']}`.text).toBe("ls -la 'my dir'")
    expect(argv(['echo', "it's"]).text).toBe("echo 'it'\\''s'")
    expect(() => argv([])).toThrow(/No command/)
  })
})

describe('verbatim', () => {
  // What a command must survive when handed to another shell (sudo -- sh -c <word>): parentheses
  // and case patterns inside $( ), here-document look-alikes, backslashes, quotes of both kinds.
  const hostile = [
    "it's",
    ')',
    'case x in x) echo ")";; esac',
    'EOF\nFLOTILLA_0123456789abcdef\n)',
    '\\ \\\\ $HOME `id` $(id)',
    '"\'"\'"\'',
    'line\n\nline',
    'ünïcødé ✓ 🚀',
  ]

  it.each(['/usr/bin/dash', '/usr/bin/bash'])('passes a command to another %s unchanged', (shell) => {
    for (const value of hostile) {
      const outer = sh`sh -c ${verbatim(sh`printf %s ${value}`)}`
      expect(execFileSync(shell, ['-c', outer.text]).toString('utf8')).toBe(value)
    }
  })

  it('does not grow with the quotes in the command, where quoting it again more than triples it', () => {
    const inner = argv(['printf', '%s', "'".repeat(10_000)])
    expect(verbatim(inner).text.length - inner.text.length).toBeLessThan(80)
    expect(quote(inner.text).length).toBeGreaterThan(3 * inner.text.length)
  })
})

describe('assertFits', () => {
  it('refuses a command line longer than Linux takes as one argument (MAX_ARG_STRLEN), with the sizes', () => {
    const command = (bytes: number) => sh`: ${'x'.repeat(bytes - 2)}`
    expect(() => assertFits(command(MAX_COMMAND_BYTES - 1))).not.toThrow()
    expect(() => assertFits(command(MAX_COMMAND_BYTES))).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', details: { bytes: 131_072, limit: 131_071 } }),
    )
  })

  it('counts bytes, not characters', () => {
    expect(() => assertFits(sh`: ${'é'.repeat(70_000)}`)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })
})
