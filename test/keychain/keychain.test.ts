import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { OsKeychain } from '../../src/main/services/vault/os-keychain'
import { tempDir, vaultIn } from '../../src/main/services/vault/test-support'
import { keychainAccount } from '../../src/main/services/vault/vault-file'

/** Run by test/keychain/run.sh: a D-Bus session with an unlocked gnome-keyring around us. */
const service = `flotilla-keychain-test-${process.pid}`
const fixture = join(import.meta.dirname, 'keychain-probe.fixture.ts')

function child(args: string[], env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', fixture, ...args], { encoding: 'utf8', env }))
}

/**
 * Entries as the Secret Service itself lists them (libsecret's CLI, not our library). secret-tool
 * prints attributes on stderr and the rest on stdout. Tests assert on booleans so a failure never
 * prints the (throwaway) key.
 */
function secretToolSearch(): string {
  const r = spawnSync('secret-tool', ['search', '--all', 'service', service], { encoding: 'utf8' })
  return r.stdout + r.stderr
}

function keyIdOf(path: string): string {
  return JSON.parse(readFileSync(path, 'utf8').split('\n')[1]!).header.keyId
}

describe('vault key in the Secret Service (gnome-keyring)', () => {
  it('finds the Secret Service on the session bus', async () => {
    expect(process.env.DBUS_SESSION_BUS_ADDRESS, 'run me through test/keychain/run.sh').toBeTruthy()
    expect(await new OsKeychain({ service }).probe()).toEqual({ backend: 'secret-service', available: true })
  })

  it('keeps the data key there, readable from another process, never in the vault file', async () => {
    const dir = tempDir('flotilla-keychain-')
    const vault = vaultIn(dir, { keychain: new OsKeychain({ service }) })
    const status = await vault.setup('keychain')
    expect(status).toMatchObject({ state: 'unlocked', mode: 'keychain', keychain: { available: true } })
    await vault.update((s) => (s['pki/c/ca.key'] = 'CA-KEY-PEM'))

    const keyId = keyIdOf(vault.path)
    const listed = secretToolSearch()
    expect(listed.includes(`attribute.username = ${keychainAccount(keyId)}`), 'entry in the Secret Service').toBe(true)
    const stored = /secret = (\S+)/.exec(listed)?.[1] ?? ''
    expect(Buffer.from(stored, 'base64').length, 'a 32-byte key').toBe(32)
    expect(readFileSync(vault.path, 'utf8').includes(stored), 'key in the vault file').toBe(false)
    // The failure this guards against: a kernel-keyring "save" that another process reads as null.
    expect(child(['read', dir, service])).toEqual({ value: 'CA-KEY-PEM' })
  })

  it('rotates the key: new entry in the keychain, the old one deleted, secrets intact', async () => {
    const dir = tempDir('flotilla-keychain-')
    const vault = vaultIn(dir, { keychain: new OsKeychain({ service }) })
    await vault.setup('keychain')
    await vault.update((s) => (s['pki/c/ca.key'] = 'ROTATE-ME'))
    const before = keyIdOf(vault.path)
    await vault.rotate()
    const after = keyIdOf(vault.path)
    expect(after).not.toBe(before)
    const listed = secretToolSearch()
    expect(listed.includes(keychainAccount(after)), 'new key stored').toBe(true)
    expect(listed.includes(keychainAccount(before)), 'old key deleted').toBe(false)
    expect(child(['read', dir, service])).toEqual({ value: 'ROTATE-ME' })
  })

  it('says VAULT_KEY_MISSING when the keychain lost the key (e.g. the file was copied elsewhere)', async () => {
    const dir = tempDir('flotilla-keychain-')
    const vault = vaultIn(dir, { keychain: new OsKeychain({ service }) })
    await vault.setup('keychain')
    await vault.update((s) => (s.x = 'y'))
    execFileSync('secret-tool', ['clear', 'service', service, 'username', keychainAccount(keyIdOf(vault.path))])
    await expect(vaultIn(dir, { keychain: new OsKeychain({ service }) }).get('x')).rejects.toMatchObject({
      code: 'VAULT_KEY_MISSING',
    })
  })

  it('refuses keychain mode on a session bus without a Secret Service (no kernel-keyring fallback)', () => {
    const dir = tempDir('flotilla-keychain-')
    // A second, empty D-Bus session: a bus, but nobody owns org.freedesktop.secrets on it.
    const out = execFileSync(
      'dbus-run-session',
      ['--', process.execPath, '--import', 'tsx', fixture, 'probe', dir, service],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
    const result = JSON.parse(out)
    expect(result.probe).toMatchObject({ backend: 'secret-service', available: false })
    expect(result.probe.reason).toMatch(/No Secret Service/)
    expect(result.setup).toBe('KEYCHAIN_UNAVAILABLE')
  })

  it('refuses keychain mode with no session bus at all', () => {
    const env = { ...process.env }
    delete env.DBUS_SESSION_BUS_ADDRESS
    const result = child(['probe', tempDir('flotilla-keychain-'), service], env)
    expect(result).toMatchObject({ probe: { available: false }, setup: 'KEYCHAIN_UNAVAILABLE' })
  })

  it('keeps every update of two writer processes while a third rotates the key', async () => {
    const keysStored = () => secretToolSearch().split(`attribute.username = ${keychainAccount('')}`).length - 1
    const keysBefore = keysStored()
    const dir = tempDir('flotilla-keychain-')
    const vault = vaultIn(dir, { keychain: new OsKeychain({ service }) })
    await vault.setup('keychain')
    await vault.update((s) => (s.counter = '0'))
    const writerFixture = join(import.meta.dirname, '../../src/main/services/vault/concurrent-writer.fixture.ts')
    const UPDATES = 60
    // The writers' stderr (vault errors name files and codes, never secrets), shown if one fails.
    let errors = ''
    const writers = await Promise.all(
      ['k0', 'k1'].map(
        (name) =>
          new Promise<{ go: () => void; done: Promise<number | null> }>((resolve, reject) => {
            const child = spawn(process.execPath, [
              '--import',
              'tsx',
              writerFixture,
              dir,
              '-',
              name,
              String(UPDATES),
              service,
            ])
            child.stderr.on('data', (c: Buffer) => (errors += c.toString()))
            const done = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
            child.stdout.on(
              'data',
              (c: Buffer) => c.toString().includes('ready') && resolve({ go: () => child.stdin.write('go\n'), done }),
            )
            child.on('exit', () => reject(new Error(`writer ${name} exited before it was ready`)))
          }),
      ),
    )
    for (const writer of writers) writer.go()
    let rotations = 0
    let finished = false
    const all = Promise.all(writers.map((w) => w.done)).finally(() => (finished = true))
    // Rotate while the writers run: each rotation replaces the key the writers hold in memory.
    while (!finished || rotations < 3) {
      await vault.rotate()
      rotations++
    }
    expect(await all, errors).toEqual([0, 0])
    const after = await vaultIn(dir, { keychain: new OsKeychain({ service }) }).entries()
    expect(after.get('counter')?.reveal()).toBe(String(2 * UPDATES))
    for (const name of ['k0', 'k1']) {
      expect(Array.from({ length: UPDATES }, (_, i) => `${name}-${i}`).filter((n) => !after.has(n))).toEqual([])
    }
    // Only the current key is left in the keychain: every rotation deleted the one it replaced.
    expect(keysStored() - keysBefore).toBe(1)
  }, 120_000)
})
