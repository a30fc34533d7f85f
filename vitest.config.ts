import { defineConfig } from 'vitest/config'

/** Unit and in-process integration tests (Node). The lab suite has its own config in test/lab. */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 15_000,
  },
})
