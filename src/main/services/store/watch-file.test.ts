import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../vault/test-support'
import { watchFile } from './watch-file'

/** Saves like conf and atomic writers do: a temp file renamed over the target (a new inode). */
function save(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text)
  renameSync(`${path}.tmp`, path)
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('watchFile', () => {
  it('hears every save through fs.watch (the poll set too slow to matter)', async () => {
    const path = join(tempDir('flotilla-watch-'), 'clusters.json')
    save(path, '1')
    let calls = 0
    const stop = watchFile(path, () => void calls++, { debounceMs: 5, pollMs: 600_000 })
    try {
      for (let n = 1; n <= 3; n++) {
        const before = calls
        save(path, `v${n}`)
        await until(() => calls > before, `save ${n}`)
      }
      expect(calls).toBeGreaterThanOrEqual(3)
    } finally {
      stop()
    }
  })

  it('falls back to polling the file when fs.watch is not there', async () => {
    const path = join(tempDir('flotilla-watch-'), 'clusters.json')
    let calls = 0
    const stop = watchFile(path, () => void calls++, { debounceMs: 5, pollMs: 20, fsWatch: false })
    try {
      save(path, 'created')
      await until(() => calls === 1, 'the file to appear')
      save(path, 'changed')
      await until(() => calls === 2, 'the change')
      expect(calls).toBe(2)
    } finally {
      stop()
    }
  })
})
