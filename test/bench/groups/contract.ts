import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { createApp } from '../../../src/main/app'
import { confStoreFactory } from '../../../src/main/services/store/conf-store'
import { startWebServer } from '../../../src/main/web/web-server'
import { round, timeMedian, type BenchGroup } from '../harness'

/** The cost of the contract itself: app start, in-process calls, WebSocket round trips. */
export const contract: BenchGroup = {
  name: 'contract',
  description: 'composition root start-up, in-process and WebSocket round trips of hosts:list',
  async run(report) {
    const fresh = () => mkdtempSync(join(tmpdir(), 'flotilla-bench-'))
    report(
      'contract_app_create_ms',
      round(
        await timeMedian(() => {
          const dir = fresh()
          createApp({ dataDir: dir, transport: 'cli', version: 'b', createStore: confStoreFactory(dir) })
        }),
      ),
      'ms',
    )

    const dir = fresh()
    const app = createApp({ dataDir: dir, transport: 'web', version: 'b', createStore: confStoreFactory(dir) })
    for (let i = 0; i < 50; i++) await app.api.hosts.add({ address: `10.1.0.${i + 1}`, user: 'pi' })
    report('contract_inprocess_list_50_hosts_ms', round(await timeMedian(() => app.api.hosts.list(), 200, 20)), 'ms')

    const server = await startWebServer({
      dispatch: app.dispatch,
      events: app.events,
      log: app.log,
      staticDir: dir,
      port: 0,
    })
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, {
      origin: `http://127.0.0.1:${server.port}`,
    })
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    let id = 0
    const roundTrip = () =>
      new Promise<void>((resolve) => {
        const mine = ++id
        const onMessage = (data: WebSocket.RawData) => {
          if ((JSON.parse(data.toString()) as { id?: number }).id === mine) {
            ws.off('message', onMessage)
            resolve()
          }
        }
        ws.on('message', onMessage)
        ws.send(JSON.stringify({ id: mine, channel: 'hosts:list', args: [] }))
      })
    report('contract_websocket_list_50_hosts_ms', round(await timeMedian(roundTrip, 200, 20)), 'ms')
    ws.close()
    await server.close()
  },
}
