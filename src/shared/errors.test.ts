import { describe, expect, it } from 'vitest'
import { AppError, isAppErrorData, toAppErrorData } from './errors'

describe('AppError', () => {
  it('serialises to its data form', () => {
    const error = new AppError('HOST_EXISTS', 'Already there.', { fields: { address: 'dup' } })
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'HOST_EXISTS',
      message: 'Already there.',
      details: { fields: { address: 'dup' } },
    })
  })

  it('keeps AppError data and hides the text of unexpected errors', () => {
    expect(toAppErrorData(new AppError('TIMEOUT', 'Slow.'))).toEqual({ code: 'TIMEOUT', message: 'Slow.' })
    const hidden = toAppErrorData(new Error('EACCES /home/alice/.ssh/id_ed25519 password=hunter22'))
    expect(hidden.code).toBe('INTERNAL')
    expect(hidden.message).not.toMatch(/hunter22|alice/)
  })

  it('recognises only known codes', () => {
    expect(isAppErrorData({ code: 'HOST_NOT_FOUND', message: 'x' })).toBe(true)
    expect(isAppErrorData({ code: 'MADE_UP', message: 'x' })).toBe(false)
    expect(isAppErrorData(null)).toBe(false)
  })
})
