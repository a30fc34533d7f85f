import { describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import { createLogger } from '../services/log/logger'
import { Redactor } from '../services/secrets/secret'
import { createDispatcher, type Handlers } from './dispatcher'

function setup(overrides: Partial<Handlers> = {}) {
  const lines: string[] = []
  const handlers = { 'hosts:list': () => [], ...overrides } as unknown as Handlers
  return { dispatch: createDispatcher(handlers, createLogger([(l) => lines.push(l)], new Redactor())), lines }
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
})
