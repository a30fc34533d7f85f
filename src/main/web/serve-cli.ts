/**
 * `npm run web -- --port <p> [--data-dir <dir>]`: the whole UI in a normal browser, against the real
 * services, on 127.0.0.1 only. Prints exactly one line for people and scripts to pick up:
 *   Flotilla UI: http://127.0.0.1:<p>/?token=<t>
 */
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createApp } from '../app'
import { dataDirFlag, resolveDataDir } from '../data-dir'
import { confStoreFactory } from '../services/store/conf-store'
import { packageVersion } from '../version'
import { startWebServer } from './web-server'

const { values } = parseArgs({
  options: { port: { type: 'string', default: '4545' }, 'data-dir': { type: 'string' } },
  strict: true,
})
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a whole number from 0 to 65535, not "${values.port}"`)
  process.exit(2)
}
const dataDir = resolveDataDir({ flag: dataDirFlag(process.argv) })
const app = createApp({
  dataDir,
  transport: 'web',
  version: packageVersion(),
  createStore: confStoreFactory(dataDir),
  logSinks: [(line) => line.includes(' ERROR ') && console.error(line)],
})
const staticDir = fileURLToPath(new URL('../../../out/renderer', import.meta.url))
const server = await startWebServer({
  dispatch: app.dispatch,
  events: app.events,
  log: app.log,
  staticDir,
  port,
  // A restart that keeps its address (scripts, the reconnect test) may pass the previous token;
  // otherwise a fresh one per run. Never from the command line: argv is visible to other users.
  ...(process.env.FLOTILLA_WEB_TOKEN ? { token: process.env.FLOTILLA_WEB_TOKEN } : {}),
  // Each open page asks for a secret an operation waits for (its secret dialog).
  onClient: () => app.ops.answerSecrets(),
}).catch((error: NodeJS.ErrnoException) => {
  console.error(
    error.code === 'EADDRINUSE' ? `Port ${port} is already in use: choose another with --port.` : String(error),
  )
  process.exit(1)
})
console.log(`Flotilla UI: ${server.url}`)
app.log.info(`web UI serving on port ${server.port}, data dir ${dataDir}`)

const stop = () => {
  app.close()
  void server.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
