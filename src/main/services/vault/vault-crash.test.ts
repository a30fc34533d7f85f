import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir, vaultIn } from './test-support'
import { parseVaultFile } from './vault-file'

const PASS = 'crash test passphrase'
const ROUNDS = 50

/** Starts the writer, kills it with SIGKILL at a random moment, returns the last value it acknowledged. */
async function killWriterAtRandom(dir: string): Promise<{ start: number; acked: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'crash-writer.fixture.ts'), dir, PASS],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  let err = ''
  child.stderr.on('data', (c: Buffer) => (err += c.toString()))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const start = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
      const ready = /^ready (\d+)$/m.exec(out)
      if (ready) resolve(Number(ready[1]))
    })
    child.on('exit', () => reject(new Error(`writer exited before it was ready: ${err}`)))
  })
  // Kill among writes, whatever the machine's speed: after this round's first acknowledged write.
  await new Promise<void>((resolve, reject) => {
    const acked = () => out.split('\n').some((l) => /^\d+$/.test(l))
    if (acked()) return resolve()
    child.stdout.on('data', () => acked() && resolve())
    child.on('exit', () => reject(new Error(`writer exited before its first write: ${err}`)))
  })
  await new Promise((r) => setTimeout(r, Math.random() * 40))
  child.kill('SIGKILL')
  await exited
  const acked = out
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number)
  return { start, acked: acked.at(-1) ?? start }
}

describe('Vault under kill -9', () => {
  it(`always opens with the last or the previous content (${ROUNDS} random kills)`, async () => {
    const dir = tempDir('flotilla-crash-')
    let writesSeen = 0
    for (let round = 0; round < ROUNDS; round++) {
      const { acked } = await killWriterAtRandom(dir)
      const vault = vaultIn(dir, { passphrase: PASS })
      // Killed before the very first write finished: no vault yet, which is the "previous content".
      if (!existsSync(vault.path)) {
        expect(acked, `round ${round}`).toBe(0)
        continue
      }
      const counter = Number((await vault.get('counter'))?.reveal() ?? 0)
      // The write in flight when the kill landed either finished (acked + 1) or left no trace (acked).
      expect([acked, acked + 1], `round ${round}`).toContain(counter)
      expect((await vault.get('padding'))?.reveal().length ?? 0).toBe(counter === 0 ? 0 : (counter * 7919) % 20_000)
      // The kept previous generation is always a whole, valid file too.
      if (counter > 1) expect(() => parseVaultFile(readFileSync(vault.path + '.prev'))).not.toThrow()
      writesSeen = counter
    }
    // Every round acknowledged at least one write before its kill.
    expect(writesSeen).toBeGreaterThanOrEqual(ROUNDS)
  }, 180_000)
})
