import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { connectTimeoutFrom, resolveHost } from './ssh-environment'

describe('resolveHost (~/.ssh/config)', () => {
  it('takes HostName and IdentityFile from a matching Host block, then the default keys', async () => {
    const home = mkdtempSync(join(tmpdir(), 'flotilla-sshcfg-'))
    mkdirSync(join(home, '.ssh'))
    writeFileSync(
      join(home, '.ssh', 'config'),
      'Host kitchen-pi\n  HostName 192.168.1.20\n  IdentityFile ~/.ssh/pi_key\n\nHost *\n  IdentityFile /keys/shared\n',
    )
    const resolved = await resolveHost({ home, agent: undefined }, 'kitchen-pi')
    expect(resolved.connectTo).toBe('192.168.1.20')
    expect(resolved.keyFiles).toEqual([
      join(home, '.ssh', 'pi_key'),
      '/keys/shared',
      join(home, '.ssh', 'id_ed25519'),
      join(home, '.ssh', 'id_ecdsa'),
      join(home, '.ssh', 'id_rsa'),
    ])
    expect((await resolveHost({ home, agent: undefined }, '10.0.0.9')).connectTo).toBe('10.0.0.9')
  })

  it('works without any ~/.ssh/config', async () => {
    const home = mkdtempSync(join(tmpdir(), 'flotilla-sshcfg-'))
    expect(await resolveHost({ home, agent: undefined }, 'pi')).toEqual({
      connectTo: 'pi',
      keyFiles: ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => join(home, '.ssh', k)),
    })
  })
})

describe('Match exec in ~/.ssh/config', () => {
  it('is never run: the block counts as not matching, and the result says it was ignored', async () => {
    const home = mkdtempSync(join(tmpdir(), 'flotilla-sshcfg-'))
    mkdirSync(join(home, '.ssh'))
    const marker = join(home, 'ran')
    writeFileSync(
      join(home, '.ssh', 'config'),
      `Match host kitchen-pi exec "touch ${marker}"\n  IdentityFile ~/.ssh/exec_key\n\nHost kitchen-pi\n  HostName 192.168.1.20\n`,
    )
    const resolved = await resolveHost({ home, agent: undefined }, 'kitchen-pi')
    expect(existsSync(marker)).toBe(false)
    expect(resolved.connectTo).toBe('192.168.1.20')
    expect(resolved.keyFiles).not.toContain(join(home, '.ssh', 'exec_key'))
    expect(resolved.ignoredMatchExec).toBe(true)
    expect((await resolveHost({ home, agent: undefined }, 'other')).ignoredMatchExec).toBe(true)
  })
})

describe('connect timeout setting', () => {
  it('reads FLOTILLA_SSH_CONNECT_TIMEOUT in seconds and refuses nonsense', () => {
    expect(connectTimeoutFrom(undefined)).toBeUndefined()
    expect(connectTimeoutFrom('4')).toBe(4000)
    expect(() => connectTimeoutFrom('abc')).toThrow(/FLOTILLA_SSH_CONNECT_TIMEOUT/)
    expect(() => connectTimeoutFrom('0')).toThrow(/1 to 300/)
  })
})
