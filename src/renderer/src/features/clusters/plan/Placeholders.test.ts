import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { Placeholders } from './Placeholders'

const html = (text: string) => renderToStaticMarkup(createElement(Placeholders, { text }))
const chips = (markup: string) => markup.match(/data-testid="secret-chip"/g)?.length ?? 0

describe('Placeholders', () => {
  it('draws a whole-file secret as a chip that says it comes from the vault', () => {
    const out = html('<secret: pki/ca.key>')
    expect(chips(out)).toBe(1)
    expect(out).toContain('pki/ca.key')
    expect(out).toContain('from Flotilla’s vault')
  })

  it('draws template fills in place: vault ones (pki/…) and those Flotilla makes when it writes', () => {
    const out = html('token: {{flotilla: bootstrap-token}}\nca: {{flotilla: pki/ca.crt}}\nend')
    expect(chips(out)).toBe(2)
    expect(out).toMatch(
      /^token: <span[^]*bootstrap-token[^]*filled in by Flotilla[^]*\nca: <span[^]*pki\/ca.crt[^]*from Flotilla’s vault[^]*\nend$/,
    )
    // The placeholder itself stays readable on hover (the script and the CLI show it so).
    expect(out).toContain('title="{{flotilla: bootstrap-token}}"')
  })

  it('leaves plain text alone (HTML in it is text)', () => {
    expect(html('echo <b>{{ not a placeholder }}</b>')).toBe('echo &lt;b&gt;{{ not a placeholder }}&lt;/b&gt;')
  })
})
