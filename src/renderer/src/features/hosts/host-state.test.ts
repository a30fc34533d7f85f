import { describe, expect, it } from 'vitest'
import type { Host, SshCheckResult } from '../../../../shared/types'
import { loginState, nextStep } from './host-state'

const host = (extra: Partial<Host> = {}): Host => ({
  id: 'h1',
  address: '127.0.0.2',
  port: 22,
  user: 'pi',
  source: 'manual',
  addedAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  ...extra,
})
const hostKey = {
  type: 'ssh-ed25519',
  fingerprint: 'SHA256:x',
  blob: 'AAAA',
  trustedAt: '2026-01-01T00:00:00Z',
  source: 'confirmed' as const,
}
const failed = (code: string): SshCheckResult => ({
  hostId: 'h1',
  ok: false,
  error: { code: code as never, message: 'whatever the text says' },
})

describe('host state', () => {
  it('calls a login that got in but lacked the sudo password connected, by its code', () => {
    expect(loginState(failed('SUDO_PASSWORD_NEEDED')).word).toBe('Connected · sudo needs a password')
    expect(loginState(failed('SUDO_AUTH_FAILED')).word).toBe('Connected · sudo refused the password')
    expect(loginState(failed('UNREACHABLE')).word).toBe('Not connected')
    expect(loginState({ hostId: 'h1', ok: true, user: 'pi', sudo: 'nopasswd' }).word).toBe('Connected')
  })

  it('offers one next step per state: trust, then identify, then re-check', () => {
    expect(nextStep(host(), undefined).label).toBe('Trust…')
    expect(nextStep(host({ hostKey }), undefined).label).toBe('Identify')
    expect(nextStep(host({ hostKey }), failed('SUDO_PASSWORD_NEEDED')).label).toBe('Give sudo password…')
    const identification = { at: '2026-01-01T00:00:00Z' } as NonNullable<Host['identification']>
    expect(nextStep(host({ hostKey, identification }), undefined).label).toBe('Re-check')
  })
})
