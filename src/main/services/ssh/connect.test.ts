import { describe, expect, it } from 'vitest'
import { KEEPALIVE_COUNT_MAX, KEEPALIVE_INTERVAL_MS, SSH_ALGORITHMS } from './connect'

describe('SSH algorithm lists', () => {
  it('offer nothing SHA-1, CBC, DSA or compressed, and keep what OpenSSH 9/10 prefer', () => {
    const all = Object.values(SSH_ALGORITHMS).flat()
    for (const name of all) expect(name).not.toMatch(/sha1|^ssh-rsa$|ssh-dss|cbc|arcfour|md5|zlib|group1-/)
    expect(SSH_ALGORITHMS.compress).toEqual(['none'])
    // Raspberry Pi OS 12/13 and MicroOS sshd's first choices.
    expect(SSH_ALGORITHMS.kex).toContain('curve25519-sha256')
    expect(SSH_ALGORITHMS.serverHostKey).toEqual(expect.arrayContaining(['ssh-ed25519', 'ecdsa-sha2-nistp256']))
    expect(SSH_ALGORITHMS.serverHostKey).toEqual(expect.arrayContaining(['rsa-sha2-512', 'rsa-sha2-256']))
    expect(SSH_ALGORITHMS.cipher).toEqual(
      expect.arrayContaining(['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-ctr']),
    )
  })

  it('notice a dead link within about 15 s of silence', () => {
    expect(KEEPALIVE_INTERVAL_MS * (KEEPALIVE_COUNT_MAX + 1)).toBeLessThanOrEqual(15_000)
  })
})
