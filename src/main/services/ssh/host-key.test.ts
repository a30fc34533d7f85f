import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fingerprintOf, keyTypeOf, sameKey, pinnedFrom } from './host-key'
import { findKnownKeys } from './known-hosts'

/** A real key made by ssh-keygen, so fingerprints are compared with what OpenSSH itself prints. */
function keygen(type: 'ed25519' | 'rsa' | 'ecdsa') {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-key-'))
  const file = join(dir, 'key')
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file])
  const pub = readFileSync(`${file}.pub`, 'utf8').trim()
  const [keyType, base64] = pub.split(' ')
  const printed = execFileSync('ssh-keygen', ['-lf', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1]
  return { keyType: keyType!, blob: Buffer.from(base64!, 'base64'), line: pub, printed: printed! }
}

describe('host key fingerprints', () => {
  it.each(['ed25519', 'rsa', 'ecdsa'] as const)('match ssh-keygen -lf for %s keys', (type) => {
    const key = keygen(type)
    expect(fingerprintOf(key.blob)).toBe(key.printed)
    expect(keyTypeOf(key.blob)).toBe(key.keyType)
    const pinned = pinnedFrom(key.blob, 'confirmed')
    expect(sameKey(pinned, key.blob)).toBe(true)
    expect(sameKey(pinned, keygen(type).blob)).toBe(false)
  })

  it('says unknown for garbage', () => {
    expect(keyTypeOf(Buffer.from([0, 0]))).toBe('unknown')
    expect(keyTypeOf(Buffer.from([0, 0, 1, 0, 65]))).toBe('unknown')
  })
})

describe('known_hosts', () => {
  const key = keygen('ed25519')
  const other = keygen('ed25519')

  it('finds plain entries, with ports, comma lists and wildcards', () => {
    const text = [
      '# comment',
      `kubic-pi1,10.0.0.11 ${key.line}`,
      `[10.0.0.12]:2222 ${other.line}`,
      `*.lab.example,!bad.lab.example ${key.line}`,
    ].join('\n')
    expect(findKnownKeys(text, '10.0.0.11', 22).map((k) => k.blob)).toEqual([key.blob])
    expect(findKnownKeys(text, '10.0.0.11', 2222)).toEqual([])
    expect(findKnownKeys(text, '10.0.0.12', 2222).map((k) => k.blob)).toEqual([other.blob])
    expect(findKnownKeys(text, 'pi.lab.example', 22)).toHaveLength(1)
    expect(findKnownKeys(text, 'bad.lab.example', 22)).toEqual([])
  })

  it('matches hashed entries as ssh-keygen -H writes them', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'flotilla-kh-')), 'known_hosts')
    writeFileSync(file, `[10.0.0.13]:2200 ${key.line}\nkubic-pi3 ${other.line}\n`)
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' })
    const text = readFileSync(file, 'utf8')
    expect(text).not.toContain('10.0.0.13')
    expect(findKnownKeys(text, '10.0.0.13', 2200).map((k) => k.blob)).toEqual([key.blob])
    expect(findKnownKeys(text, '10.0.0.13', 22)).toHaveLength(0)
    expect(findKnownKeys(text, 'kubic-pi3', 22).map((k) => k.blob)).toEqual([other.blob])
  })

  it('marks @revoked keys and skips @cert-authority', () => {
    const text = `@revoked 10.0.0.14 ${key.line}\n@cert-authority 10.0.0.14 ${other.line}`
    expect(findKnownKeys(text, '10.0.0.14', 22)).toEqual([{ type: key.keyType, blob: key.blob, revoked: true }])
  })
})
