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
