import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Secret } from '../secrets/secret'
import { BACKUP_MAGIC, BACKUP_VERSION, readBackupFile, writeBackupFile } from './backup-file'
import { decodeEnvelope, encodeEnvelope, MAX_SCRYPT } from './envelope'
import { TEST_SCRYPT, tempDir, vaultIn } from './test-support'
import { VAULT_MAGIC, VAULT_VERSION } from './vault-file'

const PASS = new Secret('correct horse battery staple')

/** Rewrites the scrypt parameters of an envelope file, with a valid checksum (what an attacker can do). */
function craft(path: string, magic: string, version: number, kdf: { N: number; r: number; p: number }): void {
  const body = decodeEnvelope(readFileSync(path), magic, version, 'file') as Record<string, Record<string, unknown>>
  const target = 'kdf' in body ? body.kdf! : (body.header!.kdf as Record<string, unknown>)
  Object.assign(target, kdf)
  writeFileSync(path, encodeEnvelope(magic, version, body))
}

// Would allocate 512 MiB (N=2^19, r=8) without the cap: affordable once, to see the test fail.
const GREEDY = { N: 2 ** 19, r: 8, p: 1 }

describe('scrypt parameters read from files are capped', () => {
  it('refuses a crafted backup that asks for more memory than Flotilla ever uses, naming the limit', async () => {
    const path = join(tempDir(), 'crafted.flotilla-backup')
    await writeBackupFile(
      path,
      PASS,
      { createdAt: 'now', secrets: { a: 'b' }, records: {} },
      {
        overwrite: false,
        cost: TEST_SCRYPT,
      },
    )
    for (const kdf of [GREEDY, { N: 2 ** 22, r: 64, p: 1 }, { N: 2 ** 17, r: 8, p: 16 }, { N: 3000, r: 8, p: 1 }]) {
      craft(path, BACKUP_MAGIC, BACKUP_VERSION, kdf)
      await expect(readBackupFile(path, PASS), JSON.stringify(kdf)).rejects.toMatchObject({
        code: 'VAULT_CORRUPT',
        message: expect.stringMatching(/more memory than Flotilla ever uses|more work than|parameters are invalid/),
      })
    }
    craft(path, BACKUP_MAGIC, BACKUP_VERSION, GREEDY)
    await expect(readBackupFile(path, PASS)).rejects.toThrow(
      `at most N=${MAX_SCRYPT.N}, r=${MAX_SCRYPT.r}, p=${MAX_SCRYPT.p}, 256 MiB`,
    )
    // What Flotilla itself writes (the cost recorded in the file) still opens.
    craft(path, BACKUP_MAGIC, BACKUP_VERSION, TEST_SCRYPT)
    expect((await readBackupFile(path, PASS)).secrets).toEqual({ a: 'b' })
  })

  it('refuses a crafted vault file the same way, before deriving anything', async () => {
    const dir = tempDir()
    const vault = vaultIn(dir, { passphrase: PASS.reveal() })
    await vault.update((s) => (s.x = 'y'))
    craft(vault.path, VAULT_MAGIC, VAULT_VERSION, GREEDY)
    const fresh = vaultIn(dir, { passphrase: PASS.reveal() })
    await expect(fresh.get('x')).rejects.toMatchObject({
      code: 'VAULT_CORRUPT',
      message: expect.stringContaining('more memory than Flotilla ever uses'),
    })
    expect(await fresh.status()).toMatchObject({ state: 'corrupt' })
  })

  it('allows twice the default cost, so a file written with raised parameters still opens', () => {
    expect(MAX_SCRYPT).toMatchObject({ N: 2 ** 18, r: 16, p: 2, memoryBytes: 256 * 2 ** 20 })
  })
})
