import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * Lab tests: the lab's own tests and integration tests against fake hosts. Run by
 * test/lab/run-tests.sh inside a lab desk namespace (never directly: useLab() says why).
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/lab/**/*.test.ts', 'test/integration/**/*.test.ts'],
    // The simulator's scenarios have their own run (npm run test:sim, test/lab/sim/run-tests.sh).
    exclude: ['test/lab/sim/**', '**/node_modules/**'],
    environment: 'node',
    // Files share one LAN: one at a time, so a suite's mDNS view holds only its own nodes.
    fileParallelism: false,
    pool: 'forks',
    setupFiles: ['test/lab/vitest.setup.ts'],
    // Real networks, reboots and timeouts: generous, but every wait in the lab is bounded.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
})
