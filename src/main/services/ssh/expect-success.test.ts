import { describe, expect, it } from 'vitest'
import type { AppError } from '../../../shared/errors'
import { Redactor } from '../secrets/secret'
import { expectSuccess } from './exec'

describe('expectSuccess', () => {
  it('masks secrets in the stderr it carries to the UI, op:end and --json', () => {
    const redactor = new Redactor()
    for (const password of ['Zq8-Wyx-Pw-7731-xKvLmNq', `it's "q\\uoted"`, 'ünï-密码🔑']) {
      redactor.register(password)
      const stderr = `line one\nsudo: ${password} rejected\n${JSON.stringify({ pw: password })}\n`
      let error: AppError | undefined
      try {
        expectSuccess(
          {
            exitCode: 1,
            stdout: Buffer.alloc(0),
            stderr,
            stdoutBytes: 0,
            stderrBytes: stderr.length,
            truncated: false,
          },
          'Writing /etc/x',
        )
      } catch (e) {
        error = e as AppError
      }
      expect(error).toMatchObject({ code: 'COMMAND_FAILED' })
      const seen = JSON.stringify({ message: error!.message, details: error!.details })
      expect(seen).toContain('[redacted]')
      expect(seen).not.toContain(password.slice(0, 6))
      expect(seen).not.toContain(JSON.stringify(password).slice(1, 7))
      expect(error!.details).toMatchObject({ exitCode: 1, stderr: expect.stringContaining('line one') })
    }
  })
})
