import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../../../src/main/app'
import { confStoreFactory } from '../../../src/main/services/store/conf-store'
import { round, timeMedian, type BenchGroup } from '../harness'

/** Inventory writes are synchronous atomic file writes: what does adding a host cost as it grows? */
export const inventory: BenchGroup = {
  name: 'inventory',
  description: 'adding a host to an inventory of 0 and of 200 hosts (validated, persisted)',
  async run(report) {
    for (const size of [0, 200]) {
      const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-'))
      const app = createApp({ dataDir: dir, transport: 'cli', version: 'b', createStore: confStoreFactory(dir) })
      for (let i = 0; i < size; i++) await app.api.hosts.add({ address: `10.2.${i >> 8}.${i & 255}`, user: 'pi' })
      let n = 0
      const add = async () => {
        const host = await app.api.hosts.add({ address: `10.3.0.${(n++ % 250) + 1}`, user: 'pi' })
        await app.api.hosts.remove(host.id)
      }
      report(`inventory_add_remove_host_with_${size}_hosts_ms`, round(await timeMedian(add, 30, 3)), 'ms')
    }
  },
}
