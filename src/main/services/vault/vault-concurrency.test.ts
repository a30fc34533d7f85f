import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Secret } from '../secrets/secret'
import { withFileLock } from './file-lock'
import { tempDir, vaultIn } from './test-support'

const PASS = 'concurrency test passphrase'
const WRITERS = 3
const UPDATES = 200

/** Starts a writer process and resolves once it is ready (its key derived). */
function startWriter(dir: string, name: string): Promise<{ child: ChildProcess; done: Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'concurrent-writer.fixture.ts'), dir, PASS, name, String(UPDATES)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let err = ''
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve({ child, done })
    })
    child.on('exit', () => reject(new Error(`writer ${name} exited before it was ready: ${err}`)))
  })
}

describe('Vault written by several processes at once', () => {
  it(`keeps every update of ${WRITERS} processes × ${UPDATES} updates`, async () => {
    const dir = tempDir('flotilla-concurrent-')
    const vault = vaultIn(dir, { passphrase: PASS })
    await vault.update((s) => (s.counter = '0'))
    const writers = await Promise.all(Array.from({ length: WRITERS }, (_, i) => startWriter(dir, `w${i}`)))
    for (const { child } of writers) child.stdin!.write('go\n')
    const codes = await Promise.all(writers.map((w) => w.done))
    expect(codes).toEqual(Array(WRITERS).fill(0))

    const after = await vaultIn(dir, { passphrase: PASS }).entries()
    expect(after.get('counter')?.reveal()).toBe(String(WRITERS * UPDATES))
    for (let w = 0; w < WRITERS; w++) {
      const missing = Array.from({ length: UPDATES }, (_, i) => `w${w}-${i}`).filter((n) => !after.has(n))
      expect(missing, `writer w${w}`).toEqual([])
    }
    expect(existsSync(vault.path + '.lock'), 'lock released').toBe(false)
  }, 300_000)

  it('takes over a lock left by a process that died, and gives up on a live one with a clear error', async () => {
    const dir = tempDir('flotilla-concurrent-')
    const vault = vaultIn(dir, { passphrase: PASS })
    await vault.update((s) => (s.a = 'b'))
    const lock = vault.path + '.lock'
    // A dead owner (a pid that cannot exist), as kill -9 leaves it.
    writeFileSync(lock, `2147483646\n${hostname()}\ndeadbeef\n`)
    await vault.update((s) => (s.c = 'd'))
    expect((await vault.get('c'))?.reveal()).toBe('d')
    expect(existsSync(lock)).toBe(false)
    // A live owner (this very process, another token) is waited for, up to the bound.
    writeFileSync(lock, `${process.pid}\n${hostname()}\nsomeoneelse\n`)
    let ran = false
    await expect(
      withFileLock(lock, async () => void (ran = true), { timeoutMs: 300, what: 'the vault' }),
    ).rejects.toThrow(`Another Flotilla process (process ${process.pid} on ${hostname()}) has been changing the vault`)
    expect(ran).toBe(false)
    expect(readFileSync(lock, 'utf8')).toContain('someoneelse')
  })

  it('refuses to write over a generation it did not read (a writer that ignored the lock)', async () => {
    const dir = tempDir('flotilla-concurrent-')
    const vault = vaultIn(dir, { passphrase: PASS })
    await vault.update((s) => (s.a = '1'))
    const read = readFileSync(vault.path)
    await vault.update((s) => (s.a = '2'))
    const later = readFileSync(vault.path)
    writeFileSync(vault.path, read)
    await expect(
      // The later generation lands between this update's read and its rename.
      vault.update((s) => {
        s.a = '3'
        writeFileSync(vault.path, later)
      }),
    ).rejects.toMatchObject({ code: 'STORAGE', message: expect.stringContaining('changed while Flotilla was writing') })
    expect(readFileSync(vault.path).equals(later), 'the other write is kept').toBe(true)
    expect((await vault.get('a'))?.reveal()).toBe('2')
  })

  it('stays unlocked when another process rotates the data key (same passphrase)', async () => {
    const dir = tempDir('flotilla-concurrent-')
    await vaultIn(dir, { passphrase: PASS }).update((s) => (s.a = 'b'))
    // The app: unlocked by hand, no passphrase given at start-up.
    const app = vaultIn(dir)
    await app.unlock(new Secret(PASS))
    // The CLI, with FLOTILLA_VAULT_PASSPHRASE, rotates.
    await vaultIn(dir, { passphrase: PASS }).rotate()
    expect((await app.get('a'))?.reveal()).toBe('b')
    await app.update((s) => (s.c = 'd'))
    expect((await vaultIn(dir, { passphrase: PASS }).get('c'))?.reveal()).toBe('d')
  })
})
