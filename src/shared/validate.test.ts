import { describe, expect, it } from 'vitest'
import { AppError } from './errors'
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
