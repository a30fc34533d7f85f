import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveHost } from './ssh-environment'

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
