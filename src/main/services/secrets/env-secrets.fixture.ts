/**
 * Child process for env-secrets.test.ts: starts Flotilla the way an entry point does (createApp,
 * or the CLI's runCli), then reports which secret variables it still sees, which a child it spawns
 * sees, and whether the secrets still reached the code that needs them (as booleans only).
 */
import { execFileSync } from 'node:child_process'
import { createApp } from '../../app'
import { runCli } from '../../cli/main'
import { confStoreFactory } from '../store/conf-store'
import { envSecret, SECRET_ENV_NAMES } from './env-secrets'

const [mode, dataDir] = process.argv.slice(2) as ['app' | 'cli', string]
const expected = JSON.parse(process.env.EXPECTED_SECRETS ?? '{}') as Record<string, string>
let passphraseProvided = false
if (mode === 'app') {
  const app = createApp({ dataDir, transport: 'cli', version: 't', createStore: confStoreFactory(dataDir) })
  passphraseProvided = (await app.vault.status()).passphraseProvided
  app.close()
} else {
  const out = { stdout: () => undefined, stderr: () => undefined }
  await runCli(['--data-dir', dataDir, 'info'], out)
}
const script = `process.stdout.write(JSON.stringify(Object.keys(process.env).filter((k) => k.startsWith('FLOTILLA_'))))`
const report = {
  inProcess: SECRET_ENV_NAMES.filter((name) => name in process.env),
  inChild: JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[],
  stillUsable: Object.entries(expected).every(([name, value]) => envSecret(name as never)?.reveal() === value),
  passphraseProvided,
}
process.stdout.write(JSON.stringify(report))
