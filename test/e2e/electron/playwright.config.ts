import { defineConfig } from '@playwright/test'

/** The real Electron shell. Run through run.mjs, which skips (loudly) when no Electron binary exists. */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  workers: 1,
  timeout: 60_000,
  reporter: [['list']],
})
