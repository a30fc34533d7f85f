import { describe, expect, it } from 'vitest'
import { hostInputSchema } from './channels/hosts'
import { isHostName, normaliseAddress, userSchema } from './schemas'

describe('normaliseAddress', () => {
  it.each([
    ['10.0.0.5', '10.0.0.5'],
    ['  192.168.1.20 ', '192.168.1.20'],
    ['fe80::1', 'fe80::1'],
    ['[2001:DB8::1]', '2001:db8::1'],
    ['Kubic-Pi1.local', 'kubic-pi1.local'],
    ['microos-1', 'microos-1'],
    ['node.example.org.', 'node.example.org.'],
  ])('accepts %j as %j', (raw, expected) => {
    expect(normaliseAddress(raw)).toBe(expected)
  })

  it.each([
    '',
    'bad host',
    'host;rm -rf /',
    '$(reboot)',
    '-oProxyCommand=x',
    'a_b.local',
    '256.1.1.1',
    '10.0.0.05',
    '1.2.3',
    '12345',
    'fe80::1%eth0',
    'x'.repeat(64) + '.local',
    'host-.local',
    '[::1',
  ])('rejects %j', (raw) => {
    expect(normaliseAddress(raw)).toBeNull()
  })

  it('limits names to 253 characters', () => {
    const label = 'a'.repeat(63)
    const name = [label, label, label, 'a'.repeat(61)].join('.')
    expect(name).toHaveLength(253)
    expect(isHostName(name)).toBe(true)
    expect(isHostName(name + 'a')).toBe(false)
  })
})

describe('hostInputSchema', () => {
  it('applies the default port 22, and has no default user (issue 11 item 21)', () => {
    expect(hostInputSchema.parse({ address: '10.0.0.5', user: 'pi' })).toEqual({
      address: '10.0.0.5',
      port: 22,
      user: 'pi',
    })
    expect(hostInputSchema.safeParse({ address: '10.0.0.5' }).success).toBe(false)
  })

  it.each([0, 70000, 22.5, -1, Number.NaN])('rejects port %j', (port) => {
    const result = hostInputSchema.safeParse({ address: '10.0.0.5', port })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.message).toBe('Port must be a whole number from 1 to 65535.')
  })

  it('rejects unknown fields instead of dropping them', () => {
    expect(hostInputSchema.safeParse({ address: '10.0.0.5', password: 'x' }).success).toBe(false)
  })

  it('rejects labels with control characters or over 64 characters', () => {
    expect(hostInputSchema.safeParse({ address: 'a', user: 'pi', label: 'pi\u0007' }).success).toBe(false)
    expect(hostInputSchema.safeParse({ address: 'a', user: 'pi', label: 'x'.repeat(65) }).success).toBe(false)
    expect(hostInputSchema.safeParse({ address: 'a', user: 'pi', label: 'Küchen-Pi 1' }).success).toBe(true)
  })
})

describe('userSchema', () => {
  it.each(['pi', 'root', 'k8s-admin', '_svc', 'john.doe'])('accepts %j', (user) => {
    expect(userSchema.safeParse(user).success).toBe(true)
  })

  it.each(['', 'a b', 'pi;id', '$USER', 'pi`id`', "o'neil", '-pi', 'x'.repeat(33), 'pi\tx'])('rejects %j', (user) => {
    expect(userSchema.safeParse(user).success).toBe(false)
  })

  it('trims pasted whitespace instead of keeping it', () => {
    expect(userSchema.parse(' pi\n')).toBe('pi')
  })
})
