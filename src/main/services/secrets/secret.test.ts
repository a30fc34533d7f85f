import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { Redactor, Secret } from './secret'

describe('Secret', () => {
  it('never shows its value by accident', () => {
    const s = new Secret('hunter2-sudo')
    const forms = [String(s), `${s}`, JSON.stringify({ s }), inspect(s), inspect({ nested: { s } })]
    for (const form of forms) expect(form).not.toContain('hunter2-sudo')
    expect(s.reveal()).toBe('hunter2-sudo')
  })
})

describe('Redactor', () => {
  it('masks registered values wherever they appear, longest first', () => {
    const r = new Redactor()
    r.register(new Secret('abcd1234'))
    r.register('abcd1234efgh')
    expect(r.redact('x abcd1234efgh y abcd1234 z')).toBe('x [redacted] y [redacted] z')
  })

  it('ignores values too short to be meaningful and can forget', () => {
    const r = new Redactor()
    r.register('ab')
    r.register('token-xyz')
    expect(r.redact('ab token-xyz')).toBe('ab [redacted]')
    r.forget('token-xyz')
    expect(r.redact('token-xyz')).toBe('token-xyz')
  })
})

describe('Redactor: escaped forms', () => {
  const passwords = [
    'pa"ss\\word-x',
    'back\\slash\\\\double',
    'ünï-cödé-密码-🔑',
    `it's "quoted" \\ all`,
    'tab\there\nnewline',
  ]

  it('masks a secret in its JSON-escaped, doubly escaped, ASCII-escaped and shell-quoted forms', () => {
    for (const password of passwords) {
      const r = new Redactor()
      r.register(password)
      const once = JSON.stringify({ password })
      const twice = JSON.stringify({ body: once })
      const ascii = (upper: boolean) =>
        once.replace(/[\u0080-\uffff]/g, (c) => {
          const hex = c.charCodeAt(0).toString(16).padStart(4, '0')
          return `\\u${upper ? hex.toUpperCase() : hex}`
        })
      const shell = `echo '${password.replaceAll("'", `'\\''`)}'`
      for (const text of [password, once, twice, ascii(false), ascii(true), shell]) {
        const out = r.redact(`before ${text} after`)
        expect(out, JSON.stringify(text)).toContain('[redacted]')
        for (const piece of fragments(password)) expect(out, JSON.stringify(text)).not.toContain(piece)
      }
      // The other Unicode normalisation of the same passphrase is the same secret.
      expect(r.redact(password.normalize('NFD'))).toBe('[redacted]')
    }
  })
})

describe('Redactor: registrations', () => {
  it('forgets a value once every owner has released it, and only then', () => {
    const r = new Redactor()
    const vault = r.register('-----BEGIN CA KEY-----xyz')
    const session = r.register(new Secret('-----BEGIN CA KEY-----xyz'))
    vault.release()
    vault.release() // twice is once
    expect(r.redact('-----BEGIN CA KEY-----xyz')).toBe('[redacted]')
    session.release()
    expect(r.redact('-----BEGIN CA KEY-----xyz')).toBe('-----BEGIN CA KEY-----xyz')
    expect(r.size).toBe(0)
  })

  it('redactKnownSecrets masks what any live redactor knows', async () => {
    const { redactKnownSecrets } = await import('./secret')
    const r = new Redactor()
    const handle = r.register('remote-stderr-secret')
    expect(redactKnownSecrets('sudo: remote-stderr-secret: bad')).toBe('sudo: [redacted]: bad')
    handle.release()
    expect(redactKnownSecrets('sudo: remote-stderr-secret: bad')).toContain('remote-stderr-secret')
  })
})

/** Every 5-character piece of a secret (after JSON escaping too): none may survive redaction. */
function fragments(secret: string): string[] {
  const out = new Set<string>()
  for (const form of [secret, JSON.stringify(secret).slice(1, -1)]) {
    for (let i = 0; i + 5 <= form.length; i++) out.add(form.slice(i, i + 5))
  }
  return [...out].filter((f) => !'[redacted]'.includes(f) && !/^(before|after)/.test(f))
}
