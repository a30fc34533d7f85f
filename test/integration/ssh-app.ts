/**
 * An app instance for integration tests: real services, a throwaway data directory and a throwaway
 * "home" whose ~/.ssh holds the lab's client key, so tests never touch the real user's SSH setup.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, type App } from '../../src/main/app'
import { confStoreFactory } from '../../src/main/services/store/conf-store'
import type { Host } from '../../src/shared/types'
import type { LabNode } from '../lab/harness'

export interface TestApp extends App {
  home: string
  dataDir: string
  /** Adds a lab node to the inventory (as the node's own user unless told otherwise). */
  addNode(node: LabNode, overrides?: { user?: string; port?: number }): Promise<Host>
  /** Everything the app wrote to its log files. */
  logText(): string
}

export function testApp(options: { agent?: string; connectTimeoutMs?: number } = {}): TestApp {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-it-data-'))
  const home = mkdtempSync(join(tmpdir(), 'flotilla-it-home-'))
  mkdirSync(join(home, '.ssh'), { mode: 0o700 })
  const app = createApp({
    dataDir,
    transport: 'cli',
    version: 'it',
    createStore: confStoreFactory(dataDir),
    sshEnvironment: { home, agent: options.agent, connectTimeoutMs: options.connectTimeoutMs },
  })
  return {
    ...app,
    home,
    dataDir,
    addNode: (node, overrides = {}) =>
      app.api.hosts.add({
        address: node.address,
        port: overrides.port ?? node.port,
        user: overrides.user ?? node.user,
        label: node.hostname,
      }),
    logText: () => {
      const dir = join(dataDir, 'logs')
      return readdirSync(dir)
        .map((f) => readFileSync(join(dir, f), 'utf8'))
        .join('\n')
    },
  }
}

/** Gives the test home the lab's client key as ~/.ssh/id_ed25519. */
export function installLabKey(app: TestApp, keyPath: string): void {
  copyFileSync(keyPath, join(app.home, '.ssh', 'id_ed25519'))
  copyFileSync(`${keyPath}.pub`, join(app.home, '.ssh', 'id_ed25519.pub'))
}

/** Runs an API call and returns what it rejected with (fails the test if it resolved). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  try {
    await promise
  } catch (error) {
    return error as { code: string; message: string; details?: Record<string, unknown> }
  }
  throw new Error('expected the call to fail')
}
