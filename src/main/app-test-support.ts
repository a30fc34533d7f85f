import { createApp, type App, type AppOptions } from './app'
import { Secret } from './services/secrets/secret'
import { confStoreFactory } from './services/store/conf-store'
import { OsKeychain } from './services/vault/os-keychain'
import { NO_BUS_ENV, TEST_SCRYPT } from './services/vault/test-support'

/**
 * Tests only: the whole app in process over `dir`, as the CLI and the web server build it, with no
 * keychain (no D-Bus), cheap scrypt, and a passphrase vault when `passphrase` is given.
 * `overrides` changes other options (e.g. transport 'web': an app that watches for outside changes).
 */
export function testAppIn(dir: string, passphrase?: string, overrides: Partial<AppOptions> = {}): App {
  return createApp({
    dataDir: dir,
    transport: 'cli',
    version: '0.0.0-test',
    createStore: confStoreFactory(dir),
    security: {
      keychain: new OsKeychain({ env: NO_BUS_ENV, service: 'flotilla-test' }),
      scryptCost: TEST_SCRYPT,
      env: NO_BUS_ENV,
      home: dir,
      ...(passphrase ? { vaultPassphrase: new Secret(passphrase) } : {}),
    },
    ...overrides,
  })
}
