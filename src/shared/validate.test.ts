import { describe, expect, it } from 'vitest'
import { AppError } from './errors'
import { CHANNEL_SCHEMAS } from './channels'
import type { Channel } from './contract'
import { isChannel, parseArgs } from './validate'

function fieldsOf(fn: () => unknown): Record<string, string> {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('INVALID_INPUT')
    return (error as AppError).details?.fields ?? {}
  }
  throw new Error('expected INVALID_INPUT')
}

describe('parseArgs', () => {
  it('returns parsed, normalised arguments', () => {
    expect(parseArgs('hosts:add', [{ address: ' [FE80::1] ', user: 'pi' }])).toEqual([
      { address: 'fe80::1', port: 22, user: 'pi' },
    ])
  })

  it('maps every bad field to its own message', () => {
    const fields = fieldsOf(() => parseArgs('hosts:add', [{ address: 'bad host', port: 70000, user: 'a b' }]))
    expect(Object.keys(fields).sort()).toEqual(['address', 'port', 'user'])
    expect(fields.address).toMatch(/not a valid address/)
  })

  it('names positional arguments', () => {
    expect(fieldsOf(() => parseArgs('hosts:update', ['../etc', {}]))).toHaveProperty('id')
    expect(fieldsOf(() => parseArgs('hosts:add', [{}]))).toEqual({
      address: 'Address is required.',
      user: 'Say which user logs in (pi on Raspberry Pi OS, root on MicroOS, debian or ubuntu on cloud images).',
    })
  })

  it('refuses extra, missing and non-list arguments', () => {
    expect(fieldsOf(() => parseArgs('hosts:list', ['surprise']))).toEqual({ args: 'Too many arguments.' })
    expect(fieldsOf(() => parseArgs('hosts:remove', []))).toEqual({ args: 'Missing arguments.' })
    expect(fieldsOf(() => parseArgs('hosts:list', 'x'))).toEqual({ args: 'Arguments must be a list.' })
  })

  it('summarises several fields in one sentence', () => {
    try {
      parseArgs('hosts:add', [{ address: '', port: 0, user: 'pi' }])
    } catch (error) {
      expect((error as AppError).message).toBe('2 fields need attention: address, port.')
    }
  })
})

describe('isChannel', () => {
  it('knows contract channels and nothing inherited', () => {
    expect(isChannel('hosts:add')).toBe(true)
    expect(isChannel('toString')).toBe(false)
    expect(isChannel('__proto__')).toBe(false)
    expect(isChannel(42)).toBe(false)
  })
})

describe('every message is a sentence about the input', () => {
  /** Wrong types, wrong sizes, NaN, extra fields: whatever a form or a script may send. */
  const garbage: unknown[][] = [
    [],
    [Number.NaN, Number.NaN, Number.NaN, Number.NaN],
    [{}, {}, {}, {}],
    [null, null, null, null],
    ['x'.repeat(70_000), 'x'.repeat(70_000), 'x'.repeat(70_000), 'x'.repeat(70_000)],
    [
      'id',
      { timeoutSec: Number.NaN, port: 'x', days: -1, user: 5, extra: 1 },
      { timeoutSec: 0, replace: 'yes', sudo: 1, algorithm: 'RSA-1' },
      { timeoutSec: 99_999 },
    ],
    ['ok-id', 'ok-id', ['a\u0000b'], { sudo: 'no', timeoutSec: 1.5 }],
    ['ok-id', [], 'password', ''],
  ]
  const raw =
    /Invalid input|Invalid option|expected \w+, received|Too (big|small)|Unrecognized key|Invalid (string|element)/

  it.each(Object.keys(CHANNEL_SCHEMAS) as Channel[])('%s', (channel) => {
    for (const args of garbage) {
      let error: AppError | undefined
      try {
        parseArgs(channel, args)
      } catch (e) {
        error = e as AppError
      }
      if (!error) continue
      for (const message of [error.message, ...Object.values(error.details?.fields ?? {})]) {
        expect(message, `${channel} ${JSON.stringify(args).slice(0, 80)}`).not.toMatch(raw)
        expect(message).toMatch(/^["A-Z0-9].*[.)]$/s)
      }
    }
  })

  it('words a number the schema left unworded, with the field', () => {
    expect(fieldsOf(() => parseArgs('ssh:run', ['op-1', 'h1', ['true'], { timeoutSec: Number.NaN }]))).toEqual({
      timeoutSec: 'The time in seconds must be a number.',
    })
    expect(fieldsOf(() => parseArgs('ssh:run', ['op-1', 'h1', ['true'], { timeoutSec: 0 }]))).toEqual({
      timeoutSec: 'The time in seconds must be at least 1.',
    })
  })
})
