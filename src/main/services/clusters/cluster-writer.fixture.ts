/**
 * Child process for cluster-concurrency.test.ts: waits for "go" on stdin, then makes `count` edits
 * of the shared cluster records, cycling through the three kinds of write: set-role on the shared
 * cluster, an edit of the shared cluster's spec read earlier (import with expectedRevision,
 * re-read and redone on CONFLICT, as the UI does), and the import of a cluster of its own.
 */
import type { Host } from '../../../shared/types'
import { EventBus } from '../events'
import { confStoreFactory } from '../store/conf-store'
import { ClusterRegistry } from './cluster-registry'

const [dir, name, count] = process.argv.slice(2) as [string, string, string]
const hosts: Host[] = Array.from({ length: Number(count) }, (_, i) => ({
  id: `${name}-id${i}`,
  address: `10.${name.length}.${Math.floor(i / 250)}.${i % 250}`,
  port: 22,
  user: 'pi',
  label: `${name}-h${i}`,
  source: 'manual',
  addedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}))
const registry = new ClusterRegistry(confStoreFactory(dir)('clusters'), new EventBus(), { hosts: () => hosts })
const shared = registry.find('shared')!.id
process.stdout.write('ready\n')
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()))

let conflicts = 0
for (let i = 0; i < Number(count); i++) {
  if (i % 3 === 0) {
    await registry.setRole(shared, `${name}-h${i}`, 'worker')
  } else if (i % 3 === 1) {
    for (;;) {
      const { spec, revision } = registry.spec(shared)
      const edited = {
        ...spec,
        spec: { ...spec.spec, nodes: [...spec.spec.nodes, { host: `${name}-f${i}`, roles: ['etcd'] }] },
      }
      try {
        await registry.import(edited, { expectedRevision: revision })
        break
      } catch (error) {
        if ((error as { code?: string }).code !== 'CONFLICT') throw error
        conflicts++
      }
    }
  } else {
    await registry.import({
      apiVersion: 'flotilla/v1alpha1',
      kind: 'Cluster',
      metadata: { name: `${name}-c${i}` },
      spec: { flavour: 'k3s', kubernetesVersion: '1.32', endpoint: { address: `10.9.9.${i % 250}:6443` } },
    })
  }
}
process.stdout.write(`done ${conflicts} conflicts\n`)
process.exit(0)
