import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventBus } from '../events'
import { Redactor, Secret } from '../secrets/secret'
import { OsKeychain, type Keychain } from './os-keychain'
import { Vault } from './vault'

/** Cheap scrypt for tests: the format stores the cost, so production files use the default. */
export const TEST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 }

/** An environment with no session bus: the real keychain probe must refuse there. */
export const NO_BUS_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() }

export function tempDir(prefix = 'flotilla-vault-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** A vault in `dir` with the real OS keychain adapter (no bus unless `keychain` says otherwise). */
export function vaultIn(
  dir: string,
  options: { passphrase?: string; keychain?: Keychain; redactor?: Redactor } = {},
): Vault {
  return new Vault({
    dataDir: dir,
    keychain: options.keychain ?? new OsKeychain({ env: NO_BUS_ENV, service: 'flotilla-test' }),
    events: new EventBus(),
    redactor: options.redactor ?? new Redactor(),
    passphrase: options.passphrase === undefined ? undefined : new Secret(options.passphrase),
    scryptCost: TEST_SCRYPT,
  })
}
