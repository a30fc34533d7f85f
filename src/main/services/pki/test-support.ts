import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ClusterRegistry } from '../clusters/cluster-registry'
import { EventBus } from '../events'
import { Redactor } from '../secrets/secret'
import { confStoreFactory } from '../store/conf-store'
import { tempDir, vaultIn } from '../vault/test-support'
import { PkiService } from './pki-service'

/** Real services in a temp data dir: conf stores, a passphrase vault, no keychain; `now` for certificate dates. */
export function pkiIn(dir = tempDir('flotilla-pki-'), now?: () => Date) {
  const events = new EventBus()
  const redactor = new Redactor()
  const stores = confStoreFactory(dir)
  const clusters = new ClusterRegistry(stores('clusters'), events)
  const vault = vaultIn(dir, { passphrase: 'pki test passphrase', redactor })
  const pki = new PkiService({ clusters, vault, store: stores('pki'), events, redactor, ...(now ? { now } : {}) })
  return { dir, events, redactor, stores, clusters, vault, pki }
}

/** Runs openssl (or a shell pipeline of it) and returns stdout; throws with stderr on failure. */
export function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(input ? { input } : {}),
  })
}

export function sh(script: string): string {
  return execFileSync('sh', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Writes `content` to `dir/name` and returns the path. */
export function put(dir: string, name: string, content: string): string {
  const path = join(dir, name.replaceAll('/', '_'))
  writeFileSync(path, content, { mode: 0o600 })
  return path
}
