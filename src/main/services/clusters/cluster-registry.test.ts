import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Cluster, Host } from '../../../shared/types'
import { EventBus } from '../events'
import { confStoreFactory } from '../store/conf-store'
import { tempDir } from '../vault/test-support'
import { CLUSTERS_SCHEMA_VERSION, migrateClusters } from './cluster-records'
import { ClusterRegistry } from './cluster-registry'

function host(id: string, address: string, label?: string): Host {
  return {
    id,
    address,
    port: 22,
    user: 'pi',
    source: 'manual',
    ...(label ? { label } : {}),
    addedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  }
}

const HOSTS = [host('h-lb', '192.168.1.20', 'lb-1'), host('h-kitchen', '192.168.1.11', 'kitchen-pi')]

function registryIn(dir = tempDir('flotilla-clusters-'), hosts: Host[] = HOSTS) {
  const events = new EventBus()
  const changes: Cluster[][] = []
  events.on('clusters:changed', ({ clusters }) => changes.push(clusters))
  const registry = new ClusterRegistry(confStoreFactory(dir)('clusters'), events, { hosts: () => hosts })
  return { dir, registry, changes, file: join(dir, 'clusters.json') }
}

const spec = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'flotilla/v1alpha1',
  kind: 'Cluster',
  metadata: { name },
  spec: { flavour: 'kubeadm', kubernetesVersion: '1.33', endpoint: { address: '10.0.0.9:6443' }, ...extra },
})

// What Flotilla wrote before the spec existed (schema 1: no version marker).
const V1_FILE = {
  clusters: [
    {
      id: 'c-1',
      name: 'homelab',
      flavour: 'kubeadm',
      endpointHost: '192.168.1.10',
      endpointPort: 6443,
      createdAt: '2026-03-01T10:00:00.000Z',
    },
    { id: 'c-2', name: 'edge', flavour: 'k3s', endpointHost: 'fd00::10', endpointPort: 7443, createdAt: '2026-03-02' },
  ],
}

describe('cluster records: migration of schema 1', () => {
  it('turns each record into a spec without nodes whose address endpoint is the recorded one', () => {
    const { registry } = registryIn()
    const migrated = migrateClusters(undefined, V1_FILE.clusters)
    expect(migrated[0]).toEqual({
      ...V1_FILE.clusters[0],
      revision: 1,
      updatedAt: '2026-03-01T10:00:00.000Z',
      spec: {
        apiVersion: 'flotilla/v1alpha1',
        kind: 'Cluster',
        metadata: { name: 'homelab' },
        spec: {
          flavour: 'kubeadm',
          kubernetesVersion: '1.32',
          endpoint: { address: '192.168.1.10:6443' },
          etcd: 'stacked',
          network: { cni: 'calico', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' },
          devCluster: false,
          nodes: [],
        },
      },
    })
    expect(migrated[1]!.spec.spec).toMatchObject({ flavour: 'k3s', endpoint: { address: '[fd00::10]:7443' } })
    expect(registry.list()).toEqual([])
  })

  it('is idempotent, and the first write persists it with the version marker; ids and endpoints stay', async () => {
    const { registry, file } = registryIn()
    writeFileSync(file, JSON.stringify(V1_FILE))
    const read = registry.list()
    expect(migrateClusters(CLUSTERS_SCHEMA_VERSION, read)).toEqual(read)
    expect(migrateClusters(undefined, read), 'a lagging marker migrates nothing twice').toEqual(read)
    expect(registry.list(), 'reading does not change what it reads').toEqual(read)

    await registry.create({ name: 'third', flavour: 'kubeadm', endpoint: '10.0.0.3' })
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { schemaVersion: number; clusters: Cluster[] }
    expect(stored.schemaVersion).toBe(CLUSTERS_SCHEMA_VERSION)
    expect(stored.clusters.slice(0, 2)).toEqual(read)
    expect(registry.get('c-2')).toMatchObject({ endpointHost: 'fd00::10', endpointPort: 7443 })
    expect(registry.list()).toEqual(stored.clusters)
  })

  it('refuses a file from a newer Flotilla with a sentence, and writes nothing', async () => {
    const { registry, file } = registryIn()
    writeFileSync(file, JSON.stringify({ schemaVersion: 99, clusters: [] }))
    expect(() => registry.list()).toThrow(/written by a newer Flotilla \(schema 99/)
    await expect(registry.create({ name: 'x', flavour: 'kubeadm', endpoint: '10.0.0.1' })).rejects.toMatchObject({
      code: 'STORAGE',
    })
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ schemaVersion: 99, clusters: [] })
    // A hand-damaged schema-1 record: a sentence naming it, not a stack trace.
    writeFileSync(file, JSON.stringify({ clusters: [{ ...V1_FILE.clusters[0], endpointHost: 'not a host' }] }))
    expect(() => registry.list()).toThrow(/The cluster record "homelab" in the cluster records file is damaged/)
  })
})

describe('cluster records: the spec', () => {
  it('create makes an address-endpoint spec; import updates by name, bumping the revision only on change', async () => {
    const { registry, changes } = registryIn()
    const made = await registry.create({ name: 'homelab', flavour: 'k3s', endpoint: '[fd00::10]:7443' })
    expect(made).toMatchObject({ revision: 1, endpointHost: 'fd00::10', endpointPort: 7443 })
    expect(made.spec.spec).toMatchObject({ flavour: 'k3s', endpoint: { address: '[fd00::10]:7443' }, nodes: [] })

    const updated = await registry.import(spec('homelab', { flavour: 'kubeadm' }))
    expect(updated).toMatchObject({ id: made.id, created: false, changed: true, revision: 2 })
    expect(registry.get(made.id)).toMatchObject({
      flavour: 'kubeadm',
      endpointHost: '10.0.0.9',
      createdAt: made.createdAt,
      revision: 2,
    })
    const again = await registry.import(spec('homelab', { flavour: 'kubeadm' }))
    expect(again).toMatchObject({ changed: false, revision: 2 })
    expect(changes).toHaveLength(2)

    const created = await registry.import(spec('edge'))
    expect(created).toMatchObject({ created: true, changed: true, revision: 1 })
    expect(registry.list().map((c) => c.name)).toEqual(['homelab', 'edge'])
  })

  it('refuses an edit of a revision that is no longer current (CONFLICT), and of a removed cluster', async () => {
    const { registry } = registryIn()
    const { id, revision } = await registry.import(spec('homelab'))
    await registry.import(spec('homelab', { devCluster: true }), { expectedRevision: revision })
    await expect(
      registry.import(spec('homelab', { etcd: 'external' }), { expectedRevision: revision }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(
        /homelab was changed elsewhere since you read it \(you read revision 1, it is now at 2\)/,
      ),
      details: { revision: 2 },
    })
    expect(registry.get(id).spec.spec).toMatchObject({ devCluster: true, etcd: 'stacked' })
    await registry.remove(id)
    await expect(registry.import(spec('homelab'), { expectedRevision: 2 })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('was removed'),
    })
    expect(registry.list()).toEqual([])
  })

  it('takes an haproxy endpoint from the inventory host, and refuses one the inventory lacks', async () => {
    const { registry } = registryIn()
    const saved = await registry.import(spec('homelab', { endpoint: { haproxy: { host: 'LB-1', port: 8443 } } }))
    expect(registry.get(saved.id)).toMatchObject({ endpointHost: '192.168.1.20', endpointPort: 8443 })
    await expect(registry.import(spec('other', { endpoint: { haproxy: { host: 'lb-9' } } }))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/HAProxy host "lb-9" is not in the inventory\. Add it first/),
      details: { problems: [{ path: 'spec.endpoint.haproxy.host' }] },
    })
    expect(registry.list().map((c) => c.name)).toEqual(['homelab'])
  })

  it('reports problems of a spec object by path (no line), of YAML text by line', async () => {
    const { registry } = registryIn()
    await expect(registry.import({ ...spec('homelab'), extra: 1 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { problems: [{ path: 'extra', line: undefined }] },
    })
    await expect(
      registry.import('apiVersion: flotilla/v1alpha1\nkind: Cluster\nmetadata:\n  name: x\n  colour: red\n', {
        fileName: 'x.yaml',
      }),
    ).rejects.toMatchObject({ message: expect.stringContaining('x.yaml line 5: "metadata.colour"') })
  })
})

describe('cluster records: set-role', () => {
  it('adds a node, replaces its roles, finds it by any name of the host, and removes it with none', async () => {
    const { registry } = registryIn()
    const { id } = await registry.import(spec('homelab'))
    const added = await registry.setRole(id, '192.168.1.11', 'control-plane')
    expect(added).toMatchObject({ changed: true, revision: 2 })
    // Stored under the host's label, the name people read.
    expect(added.spec.spec.nodes).toEqual([{ host: 'kitchen-pi', roles: ['control-plane'] }])
    expect((await registry.setRole(id, 'h-kitchen', 'worker')).spec.spec.nodes).toEqual([
      { host: 'kitchen-pi', roles: ['worker'] },
    ])
    expect(await registry.setRole(id, 'kitchen-pi', 'worker')).toMatchObject({ changed: false, revision: 3 })
    expect((await registry.setRole(id, 'KITCHEN-PI', 'none')).spec.spec.nodes).toEqual([])
    expect(await registry.setRole(id, 'kitchen-pi', 'none')).toMatchObject({ changed: false, revision: 4 })
  })

  it('refuses a host the inventory lacks, but removes a node that names one', async () => {
    const { registry } = registryIn()
    const { id } = await registry.import(spec('homelab', { nodes: [{ host: 'gone-pi', roles: ['worker', 'etcd'] }] }))
    await expect(registry.setRole(id, 'attic-pi', 'worker')).rejects.toMatchObject({
      code: 'HOST_NOT_FOUND',
      message: expect.stringContaining('"attic-pi" is not in the inventory'),
    })
    expect((await registry.setRole(id, 'gone-pi', 'etcd')).spec.spec.nodes).toEqual([
      { host: 'gone-pi', roles: ['etcd'] },
    ])
    expect((await registry.setRole(id, 'gone-pi', 'none')).spec.spec.nodes).toEqual([])
  })

  it('refuses an ambiguous host reference', async () => {
    const { registry } = registryIn(undefined, [host('a', '10.0.0.1', 'pi'), host('b', '10.0.0.2', 'pi')])
    const { id } = await registry.import(spec('homelab'))
    await expect(registry.setRole(id, 'pi', 'worker')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('"pi" names several hosts'),
    })
  })
})

describe('cluster records: changes made by another process', () => {
  it('emits clusters:changed once per outside change, not for its own writes', async () => {
    const dir = tempDir('flotilla-clusters-')
    const app = registryIn(dir)
    const other = registryIn(dir)
    let checks = 0
    const stop = app.registry.watch({ debounceMs: 10, pollMs: 100, onChecked: () => void checks++ })
    /** Waits until the watcher has looked at the file as it is now. */
    const looked = async () => {
      const before = checks
      await until(() => checks > before)
    }
    try {
      await app.registry.create({ name: 'mine', flavour: 'kubeadm', endpoint: '10.0.0.1' })
      await looked()
      expect(app.changes.map(names), 'its own write: the event of the save only').toEqual(['mine'])
      await other.registry.import(spec('theirs'))
      await until(() => app.changes.length === 2)
      await app.registry.remove(app.registry.find('theirs')!.id)
      await looked()
      await other.registry.import(spec('last'))
      await until(() => app.changes.at(-1)!.some((c) => c.name === 'last'))
      expect(app.changes.map(names)).toEqual(['mine', 'mine,theirs', 'mine', 'mine,last'])
    } finally {
      stop()
    }
  })
})

const names = (list: Cluster[]) => list.map((c) => c.name).join(',')

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
