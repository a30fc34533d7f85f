import { test as base } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../..')
const URL_LINE = /^Flotilla UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m

export interface WebUi {
  /** The address `npm run web` printed, token included. */
  url: string
  /** This run's data directory (fresh per test). */
  dataDir: string
}

export interface WebUiOptions {
  /** Writes into the fresh data directory before the server starts (e.g. an inventory with facts). */
  seed?: (dataDir: string) => void
  /** A data directory the test prepared (seeded hosts) instead of a fresh one. */
  dataDir?: string
  /** Serve the `out/` already built instead of `npm run web`'s build first (the lab e2e builds once). */
  prebuilt?: boolean
  /** Restart a stopped server on its port and data directory (pass FLOTILLA_WEB_TOKEN in `env` to keep its token). */
  again?: { port: number; dataDir: string }
}

/**
 * Starts `npm run web -- --port 0 --data-dir <fresh>` and waits for its one URL line. `env` is
 * added to the server's environment (an `undefined` value removes a variable).
 */
export async function startWebUi(
  env: Record<string, string | undefined> = {},
  options: WebUiOptions = {},
): Promise<WebUi & { child: ChildProcess }> {
  const dataDir = options.again?.dataDir ?? options.dataDir ?? mkdtempSync(join(tmpdir(), 'flotilla-e2e-'))
  options.seed?.(dataDir)
  const serverEnv = { ...process.env, ...env }
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete serverEnv[name]
  // `npm run test:e2e` builds once and says so: a rebuild per test cost ~10 s each on two cores.
  const prebuilt = options.prebuilt ?? process.env.FLOTILLA_E2E_PREBUILT === '1'
  if (prebuilt && !existsSync(join(ROOT, 'out/renderer/index.html')))
    throw new Error('startWebUi: prebuilt, but out/ is not built; run `npm run build` first')
  const [command, ...args] = prebuilt
    ? [join(ROOT, 'node_modules/.bin/tsx'), 'src/main/web/serve-cli.ts']
    : ['npm', 'run', 'web', '--']
  const child = spawn(command!, [...args, '--port', String(options.again?.port ?? 0), '--data-dir', dataDir], {
    cwd: ROOT,
    env: serverEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run web printed no URL in 60 s:\n${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = URL_LINE.exec(output)
      if (match) {
        clearTimeout(timer)
        resolveUrl(match[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()))
    child.on('exit', (code) => reject(new Error(`npm run web exited with ${code}:\n${output}`)))
  })
  return { url, dataDir, child }
}

/** Stops a server startWebUi started (npm starts tsx in its own group: the whole group goes). */
export function stopWebUi(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGTERM')
  } catch {
    // already gone
  }
}

export const test = base.extend<{ web: WebUi }>({
  // Playwright reads a fixture's dependencies from its destructuring pattern; this one has none.
  // eslint-disable-next-line no-empty-pattern
  web: async ({}, use) => {
    const { child, ...web } = await startWebUi()
    await use(web)
    stopWebUi(child)
  },
})

export { expect } from '@playwright/test'

/**
 * Like `test`, with files written into the fresh data directory before the server starts
 * (`seededTest.use({ seed: { write: (dataDir) => … } })`): journals, cluster records. (An object:
 * Playwright would take a bare function for a fixture of its own.)
 */
export const seededTest = base.extend<{ seed: { write(dataDir: string): void }; web: WebUi }>({
  seed: [{ write: () => undefined }, { option: true }],
  web: async ({ seed }, use) => {
    const { child, ...web } = await startWebUi({}, { seed: (dataDir) => seed.write(dataDir) })
    await use(web)
    stopWebUi(child)
  },
})
