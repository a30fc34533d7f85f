import { test as base } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
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

/**
 * Starts `npm run web -- --port 0 --data-dir <fresh>` and waits for its one URL line. `env` is
 * added to the server's environment (an `undefined` value removes a variable). `again` restarts a
 * stopped server on its port and data directory (pass FLOTILLA_WEB_TOKEN in `env` to keep its token).
 */
export async function startWebUi(
  env: Record<string, string | undefined> = {},
  again?: { port: number; dataDir: string },
): Promise<WebUi & { child: ChildProcess }> {
  const dataDir = again?.dataDir ?? mkdtempSync(join(tmpdir(), 'flotilla-e2e-'))
  const serverEnv = { ...process.env, ...env }
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete serverEnv[name]
  const child = spawn('npm', ['run', 'web', '--', '--port', String(again?.port ?? 0), '--data-dir', dataDir], {
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
