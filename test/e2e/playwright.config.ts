import { defineConfig } from '@playwright/test'

/**
 * UI end-to-end tests: Debian's Chromium (never a downloaded browser) against `npm run web`.
 * One worker: every test starts its own web server (`npm run test:e2e` builds `out/` once before;
 * run alone, a spec rebuilds it through `npm run web`), and two cores are busy enough with one.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  // lab/: the scenario in the lab, run by test/e2e/lab/run.sh inside the lab's desk namespace.
  testIgnore: ['electron/**', 'lab/**'],
  workers: 1,
  timeout: 60_000,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      // FLOTILLA_CHROMIUM=bundled uses Playwright's own browser (GitHub runners have no Debian chromium).
      ...(process.env.FLOTILLA_CHROMIUM === 'bundled'
        ? {}
        : { executablePath: process.env.FLOTILLA_CHROMIUM ?? '/usr/bin/chromium' }),
      // Root in CI needs --no-sandbox; the rest keeps Chromium off a network it cannot reach.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
  },
})
