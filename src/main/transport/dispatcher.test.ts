import { describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import { createLogger } from '../services/log/logger'
import { Redactor } from '../services/secrets/secret'
import { createDispatcher, type Handlers } from './dispatcher'

function setup(overrides: Partial<Handlers> = {}, redactor = new Redactor()) {
  const lines: string[] = []
  const handlers = { 'hosts:list': () => [], ...overrides } as unknown as Handlers
  return { dispatch: createDispatcher(handlers, createLogger([(l) => lines.push(l)], redactor), redactor), lines }
}

/** Every 4-character piece of a secret, raw and JSON-escaped: none may reach a log line. */
function pieces(secret: string): string[] {
  const out = new Set<string>()
  for (const form of [secret, JSON.stringify(secret).slice(1, -1)]) {
    for (let i = 0; i + 4 <= form.length; i++) out.add(form.slice(i, i + 4))
  }
  return [...out]
}

describe('createDispatcher', () => {
  it('wraps values in an ok envelope', async () => {
    const { dispatch } = setup()
    expect(await dispatch('hosts:list', [])).toEqual({ ok: true, value: [] })
  })

  it('refuses unknown channels without calling anything', async () => {
    const { dispatch, lines } = setup()
    expect(await dispatch('shell:exec', ['rm -rf /'])).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } })
    expect(lines.join('\n')).not.toContain('rm -rf')
  })

  it('validates before the handler runs', async () => {
    let called = false
    const { dispatch } = setup({
      'hosts:remove': () => {
        called = true
      },
    })
    expect(await dispatch('hosts:remove', [{ evil: true }])).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    })
    expect(called).toBe(false)
  })

  it('passes AppErrors through and logs them as warnings', async () => {
    const { dispatch, lines } = setup({
      'hosts:remove': () => {
        throw new AppError('HOST_NOT_FOUND', 'Gone.')
      },
    })
    expect(await dispatch('hosts:remove', ['abc'])).toEqual({
      ok: false,
      error: { code: 'HOST_NOT_FOUND', message: 'Gone.' },
    })
    expect(lines.some((l) => l.includes('WARN') && l.includes('HOST_NOT_FOUND'))).toBe(true)
  })

  it('truncates logged arguments', async () => {
    const { dispatch, lines } = setup()
    await dispatch('hosts:add', [{ address: 'a'.repeat(1000) }])
    expect(lines[0]!.length).toBeLessThan(300)
  })

  // A 23-character sudo password; quotes, backslashes and non-ASCII in the others.
  const passwords = ['Zq8-Wyx-Pw-7731-xKvLmNq', 'pa"ss\\wXrd"Q9', 'ünï\\cödé"密码🔑x']

  it('redacts logged arguments before shortening them, even when the cut falls inside a secret', async () => {
    for (const password of passwords) {
      const escaped = JSON.stringify(password).slice(1, -1)
      for (let shift = -escaped.length; shift <= 2; shift++) {
        const redactor = new Redactor()
        redactor.register(password)
        const { dispatch, lines } = setup({}, redactor)
        // Puts the secret across the 200-character cut of the logged JSON, one position at a time.
        const prefix = '[{"address":"10.0.0.5","label":"'.length
        const label = 'l'.repeat(Math.max(0, 200 + shift - prefix)) + password + ' tail'
        await dispatch('hosts:add', [{ address: '10.0.0.5', label }])
        const logged = lines.join('\n')
        for (const piece of pieces(password)) expect(logged, `shift ${shift}`).not.toContain(piece)
      }
    }
  })

  it('redacts the error envelope (message and details), as a failed command carries stderr', async () => {
    for (const password of passwords) {
      const redactor = new Redactor()
      redactor.register(password)
      const { dispatch, lines } = setup(
        {
          'hosts:remove': () => {
            throw new AppError('COMMAND_FAILED', `Writing failed (exit 1): sudo: ${password} rejected`, {
              stderr: `sudo: ${JSON.stringify({ pw: password })}`,
            })
          },
        },
        redactor,
      )
      const envelope = JSON.stringify(await dispatch('hosts:remove', ['abc']))
      expect(envelope).toContain('[redacted]')
      for (const piece of pieces(password)) {
        expect(envelope).not.toContain(piece)
        expect(lines.join('\n')).not.toContain(piece)
      }
    }
  })
})
