import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Secret } from '../secrets/secret'
import { NO_BUS_ENV, tempDir, vaultIn } from './test-support'
import { OsKeychain } from './os-keychain'

const PASS = 'correct horse battery staple'

async function filledVault(dir = tempDir()) {
  const vault = vaultIn(dir, { passphrase: PASS })
  await vault.update((s) => {
    s['pki/c1/ca.key'] = 'KEY-ONE'
  })
  await vault.update((s) => {
    s['pki/c1/etcd/ca.key'] = 'KEY-TWO'
  })
  return { dir, vault }
}

describe('Vault (passphrase mode, no keychain)', () => {
  it('refuses keychain mode without a Secret Service instead of falling back', async () => {
    const dir = tempDir()
    const vault = vaultIn(dir)
    const status = await vault.status()
    expect(status).toMatchObject({ state: 'uninitialised', keychain: { backend: 'secret-service', available: false } })
    expect(status.keychain.reason).toMatch(/D-Bus|Secret Service/)
    // A sentence with the next step, never the bus's own words (issue 14).
    expect(status.keychain.reason).toMatch(/Use a passphrase instead/)
    expect(status.keychain.reason).not.toMatch(/dbus|autolaunch|\$DISPLAY|X11/i)
    await expect(vault.setup('keychain')).rejects.toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' })
    // Writing a secret with neither keychain nor passphrase says how to choose a passphrase.
    await expect(vault.update((s) => (s.x = 'y'))).rejects.toMatchObject({
      code: 'KEYCHAIN_UNAVAILABLE',
      message: expect.stringMatching(/passphrase/),
    })
    expect((await vault.status()).state).toBe('uninitialised')
  })

  it('keeps secrets encrypted on disk and reads them back in a new process-like instance', async () => {
    const { dir, vault } = await filledVault()
    const raw = readFileSync(vault.path, 'utf8')
    expect(raw).toMatch(/^FLOTILLA-VAULT 1\n/)
    expect(raw).not.toContain('KEY-ONE')
    expect(raw).not.toContain(PASS)
    const again = vaultIn(dir, { passphrase: PASS })
    expect((await again.get('pki/c1/ca.key'))?.reveal()).toBe('KEY-ONE')
    expect(await again.status()).toMatchObject({ state: 'unlocked', mode: 'passphrase', generation: 3, secrets: 2 })
    // The previous generation is kept next to it.
    expect(readFileSync(vault.path + '.prev', 'utf8')).toMatch(/^FLOTILLA-VAULT 1\n/)
  })

  it('is locked without the passphrase and says VAULT_PASSPHRASE for a wrong one', async () => {
    const { dir } = await filledVault()
    const vault = vaultIn(dir)
    expect(await vault.status()).toMatchObject({ state: 'locked', mode: 'passphrase' })
    await expect(vault.get('pki/c1/ca.key')).rejects.toMatchObject({ code: 'VAULT_LOCKED' })
    await expect(vault.unlock(new Secret('wrong passphrase'))).rejects.toMatchObject({ code: 'VAULT_PASSPHRASE' })
    await vault.unlock(new Secret(PASS))
    expect((await vault.get('pki/c1/etcd/ca.key'))?.reveal()).toBe('KEY-TWO')
    await vault.lock()
    await expect(vault.get('pki/c1/ca.key')).rejects.toMatchObject({ code: 'VAULT_LOCKED' })
    // A wrong provided passphrase (env / --passphrase-file) is the same error, not garbage.
    await expect(vaultIn(dir, { passphrase: 'nope nope' }).get('x')).rejects.toMatchObject({ code: 'VAULT_PASSPHRASE' })
  })

  it('gives VAULT_CORRUPT for every flipped byte position sampled and for truncation', async () => {
    const { dir, vault } = await filledVault()
    const good = readFileSync(vault.path)
    const positions = [0, 5, 16, 40, Math.floor(good.length / 2), good.length - 70, good.length - 10, good.length - 2]
    for (const at of positions) {
      const bad = Buffer.from(good)
      bad[at] = bad[at]! ^ 0x01
      writeFileSync(vault.path, bad)
      const fresh = vaultIn(dir, { passphrase: PASS })
      await expect(fresh.get('pki/c1/ca.key'), `byte ${at}`).rejects.toMatchObject({ code: 'VAULT_CORRUPT' })
      expect((await fresh.status()).state).toBe('corrupt')
    }
    for (const length of [0, 10, good.length - 1, good.length - 40]) {
      writeFileSync(vault.path, good.subarray(0, length))
      await expect(vaultIn(dir, { passphrase: PASS }).get('x'), `length ${length}`).rejects.toMatchObject({
        code: 'VAULT_CORRUPT',
      })
    }
    // Corrupt, but the previous generation still opens: copy it back.
    writeFileSync(vault.path, readFileSync(vault.path + '.prev'))
    expect((await vaultIn(dir, { passphrase: PASS }).get('pki/c1/ca.key'))?.reveal()).toBe('KEY-ONE')
  })

  it('detects ciphertext altered with a recomputed checksum (GCM), as corruption', async () => {
    const { dir, vault } = await filledVault()
    const [head, json] = readFileSync(vault.path, 'utf8').split('\n') as [string, string]
    const body = JSON.parse(json)
    const data = Buffer.from(body.payload.data, 'base64')
    data[0] = data[0]! ^ 0xff
    body.payload.data = data.toString('base64')
    const { createHash } = await import('node:crypto')
    const newJson = JSON.stringify(body)
    writeFileSync(vault.path, `${head}\n${newJson}\nsha256:${createHash('sha256').update(newJson).digest('hex')}\n`)
    await expect(vaultIn(dir, { passphrase: PASS }).get('x')).rejects.toMatchObject({ code: 'VAULT_CORRUPT' })
  })

  it('rotates the data key: same secrets, new key id, previous generation re-encrypted too', async () => {
    const { dir, vault } = await filledVault()
    const keyIdOf = (path: string) => JSON.parse(readFileSync(path, 'utf8').split('\n')[1]!).header.keyId
    const before = keyIdOf(vault.path)
    await vault.rotate()
    expect(keyIdOf(vault.path)).not.toBe(before)
    expect(keyIdOf(vault.path + '.prev')).toBe(keyIdOf(vault.path))
    const again = vaultIn(dir, { passphrase: PASS })
    expect((await again.get('pki/c1/ca.key'))?.reveal()).toBe('KEY-ONE')
  })

  it('registers every secret and passphrase with the redactor', async () => {
    const { Redactor } = await import('../secrets/secret')
    const redactor = new Redactor()
    const dir = tempDir()
    const vault = vaultIn(dir, { passphrase: PASS, redactor })
    await vault.update((s) => (s.key = '-----BEGIN PRIVATE KEY-----abc'))
    expect(redactor.redact(`a ${PASS} b -----BEGIN PRIVATE KEY-----abc`)).toBe('a [redacted] b [redacted]')
  })
})

describe('OsKeychain probe', () => {
  it('reports the platform backend and why it is unavailable, within its timeout', async () => {
    const started = Date.now()
    const probe = await new OsKeychain({ env: NO_BUS_ENV, probeTimeoutMs: 1000 }).probe()
    expect(probe).toMatchObject({ backend: 'secret-service', available: false })
    expect(Date.now() - started).toBeLessThan(5000)
  })
})

describe('Vault lock', () => {
  it('locks a vault opened with a passphrase from the environment or a file, and the redactor forgets its secrets', async () => {
    const { Redactor } = await import('../secrets/secret')
    const redactor = new Redactor()
    const dir = tempDir()
    const CA_KEY = '-----BEGIN EC PRIVATE KEY-----MHcCAQEEIA'
    // As security-services builds it from FLOTILLA_VAULT_PASSPHRASE / --passphrase-file.
    const vault = vaultIn(dir, { passphrase: PASS, redactor })
    await vault.update((s) => (s['pki/c1/ca.key'] = CA_KEY))
    expect((await vault.get('pki/c1/ca.key'))?.reveal()).toBe(CA_KEY)
    expect(redactor.redact(`${CA_KEY} ${PASS}`)).toBe('[redacted] [redacted]')

    expect(await vault.lock()).toMatchObject({ state: 'locked', passphraseProvided: false })
    await expect(vault.get('pki/c1/ca.key')).rejects.toMatchObject({ code: 'VAULT_LOCKED' })
    await expect(vault.update((s) => (s.x = 'y'))).rejects.toMatchObject({ code: 'VAULT_LOCKED' })
    expect(redactor.size, 'nothing of the vault stays in the redactor').toBe(0)
    expect(redactor.redact(CA_KEY)).toBe(CA_KEY)

    // Unlocking needs the passphrase again.
    await expect(vault.unlock(new Secret('wrong passphrase'))).rejects.toMatchObject({ code: 'VAULT_PASSPHRASE' })
    expect(redactor.size).toBe(0)
    await vault.unlock(new Secret(PASS))
    expect((await vault.get('pki/c1/ca.key'))?.reveal()).toBe(CA_KEY)
    expect(redactor.redact(`${CA_KEY} ${PASS}`)).toBe('[redacted] [redacted]')
  })
})
