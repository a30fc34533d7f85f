import { defineConfig } from 'vitest/config'

/** Keychain tests: only run by test/keychain/run.sh, inside a D-Bus session with gnome-keyring. */
export default defineConfig({
  test: {
    include: ['test/keychain/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
})
