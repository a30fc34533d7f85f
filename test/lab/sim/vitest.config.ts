import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * Simulator tests: hand-written scenarios over real SSH against the stand-ins in test/lab/sim.
 * Run by test/lab/sim/run-tests.sh inside a lab desk namespace, like the lab's own tests.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../../..', import.meta.url)),
    include: ['test/lab/sim/**/*.test.ts'],
    environment: 'node',
    // Files share one LAN and the machine's two cores: one at a time.
    fileParallelism: false,
    pool: 'forks',
    setupFiles: ['test/lab/vitest.setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
})
