import { defineConfig } from '@playwright/test'
import base from '../playwright.config'
import type { Mode } from './pages'

/**
 * The end-to-end scenario in the lab: Debian's Chromium against the web UI, both inside the lab's
 * desk namespace with simulator hosts on its LAN. Run only through test/e2e/lab/run.sh
 * (`npm run test:e2e:lab`), which builds out/ once, brings the lab up and always tears it down.
 * Browser settings are the ordinary e2e ones; only the scale differs: one long scenario over real
 * SSH and mDNS on a busy 2-core machine.
 */
export default defineConfig<{ mode: Mode }>({
  ...base,
  testDir: '.',
  testMatch: '*.spec.ts',
  testIgnore: [],
  workers: 1,
  // The whole path from an empty app: scan, trust and identify six hosts (and later a cluster build).
  timeout: 10 * 60_000,
  // A step that waits on the network (scan, login, probe) polls up to this long for its condition.
  expect: { timeout: 60_000 },
  globalTimeout: 20 * 60_000,
  retries: 0,
  // A click or fill on a control that never appears fails within a minute, not at the test's end.
  use: { ...base.use, actionTimeout: 60_000, navigationTimeout: 60_000, screenshot: 'only-on-failure' },
  // The same path twice: by mouse, and by keyboard only (pages.ts Actor). The lab fixture is per
  // worker and a project never shares a worker, so each project walks its own fresh lab hosts.
  // One project alone: `npm run test:e2e:lab -- --project=keyboard`.
  projects: [
    { name: 'mouse', use: { mode: 'mouse' } },
    { name: 'keyboard', use: { mode: 'keyboard' } },
  ],
})
