import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { testAppIn } from '../app-test-support'
import { fakeIdentification } from '../services/plan/test-fixtures'
import { tempDir } from '../services/vault/test-support'

const PASS = 'handler test passphrase'

/** The whole app in process, over the contract: no keychain, a passphrase vault, cheap scrypt. */
function appIn(dir = tempDir('flotilla-handlers-'), passphrase?: string) {
  const app = testAppIn(dir, passphrase)
  return { app, api: app.api, dir }
}

describe('clusters over the contract', () => {
  it('validates names and endpoints like DNS labels and host:port', async () => {
    const { api } = appIn()
    const cluster = await api.clusters.create({ name: ' HomeLab ', flavour: 'kubeadm', endpoint: '[FD00::10]:7443' })
    expect(cluster).toMatchObject({ name: 'homelab', endpointHost: 'fd00::10', endpointPort: 7443 })
    expect(await api.clusters.create({ name: 'edge', flavour: 'k3s', endpoint: 'k3s.home.arpa' })).toMatchObject({
      endpointHost: 'k3s.home.arpa',
      endpointPort: 6443,
    })
    for (const [input, field] of [
      [{ name: '-bad', flavour: 'kubeadm', endpoint: '10.0.0.1' }, 'name'],
      [{ name: 'a'.repeat(64), flavour: 'kubeadm', endpoint: '10.0.0.1' }, 'name'],
      [{ name: 'with space', flavour: 'kubeadm', endpoint: '10.0.0.1' }, 'name'],
      [{ name: 'ok', flavour: 'rke2', endpoint: '10.0.0.1' }, 'flavour'],
      [{ name: 'ok', flavour: 'kubeadm', endpoint: '10.0.0.1:99999' }, 'endpoint'],
      [{ name: 'ok', flavour: 'kubeadm', endpoint: 'bad host:6443' }, 'endpoint'],
      [{ name: 'ok', flavour: 'kubeadm', endpoint: '[fd00::1]:0' }, 'endpoint'],
      [{ name: 'ok', flavour: 'kubeadm', endpoint: 'host:' }, 'endpoint'],
    ] as const) {
      await expect(api.clusters.create(input as never), JSON.stringify(input)).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        details: { fields: { [field]: expect.any(String) } },
      })
    }
    await expect(api.clusters.create({ name: 'homelab', flavour: 'k3s', endpoint: '10.0.0.2' })).rejects.toMatchObject({
      code: 'CLUSTER_EXISTS',
    })
    expect((await api.clusters.list()).map((c) => c.name)).toEqual(['homelab', 'edge'])
  })

  it('refuses to drop a cluster with CAs unless asked to delete them, then removes their keys too', async () => {
    const { api, app } = appIn(undefined, PASS)
    const cluster = await api.clusters.create({ name: 'homelab', flavour: 'kubeadm', endpoint: '10.0.0.10' })
    await api.pki.init(cluster.id, { algorithm: 'ECDSA-P256' })
    expect((await app.vault.entries(`pki/${cluster.id}/`)).size).toBe(4)
    await expect(api.clusters.remove(cluster.id)).rejects.toMatchObject({ code: 'CLUSTER_HAS_PKI' })
    await api.clusters.remove(cluster.id, { deletePki: true })
    expect(await api.clusters.list()).toEqual([])
    expect((await app.vault.entries()).size).toBe(0)
    await expect(api.pki.show(cluster.id)).rejects.toMatchObject({ code: 'CLUSTER_NOT_FOUND' })
  })
})

describe('cluster spec channels', () => {
  const spec = {
    apiVersion: 'flotilla/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'homelab' },
    spec: { flavour: 'k3s', kubernetesVersion: '1.33', endpoint: { address: 'k8s.home.arpa:7443' } },
  }

  it('import an object, read it back with its revision, export it, and refuse malformed arguments', async () => {
    const { api } = appIn()
    const saved = await api.clusters.import(spec)
    expect(saved).toMatchObject({ created: true, changed: true, revision: 1 })
    expect(await api.clusters.spec(saved.id)).toEqual({ id: saved.id, spec: saved.spec, revision: 1 })
    expect(await api.clusters.export(saved.id)).toContain('  endpoint:\n    address: k8s.home.arpa:7443\n')
    expect((await api.clusters.list())[0]).toMatchObject({ endpointHost: 'k8s.home.arpa', endpointPort: 7443 })
    await expect(api.clusters.import(42 as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    await expect(api.clusters.import(spec, { expectedRevision: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    await expect(api.clusters.setRole(saved.id, 'pi', 'master' as never)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    })
    await expect(api.clusters.spec('nope')).rejects.toMatchObject({ code: 'CLUSTER_NOT_FOUND' })
  })

  it('a backup carries the spec, and a backup made before the spec restores as a migrated record', async () => {
    const { api, app, dir } = appIn(undefined, PASS)
    const { id } = await api.clusters.import(spec)
    await api.clusters.import({ ...spec, spec: { ...spec.spec, devCluster: true } })
    await api.pki.init(id, { algorithm: 'ECDSA-P256' })
    const file = join(dir, 'ca.backup')
    await api.vault.backup(file, PASS)
    await api.clusters.import({ ...spec, spec: { ...spec.spec, devCluster: false } })

    const elsewhere = appIn(undefined, PASS)
    await elsewhere.api.vault.restore(file, PASS)
    const [restored] = await elsewhere.api.clusters.list()
    expect(restored).toMatchObject({ id, revision: 2, spec: { spec: { devCluster: true, kubernetesVersion: '1.33' } } })

    // The same CAs here: the local record stays as it is.
    expect(await api.vault.restore(file, PASS, { replace: true })).toMatchObject({ unchanged: ['homelab'] })
    expect((await api.clusters.spec(id)).revision).toBe(3)
    // A restored record replacing a local one gets a later revision than either: a stale editor gets CONFLICT.
    await app.clusters.restore(restored!)
    expect(await api.clusters.spec(id)).toMatchObject({ revision: 4, spec: { spec: { devCluster: true } } })
    await expect(api.clusters.import(spec, { expectedRevision: 3 })).rejects.toMatchObject({ code: 'CONFLICT' })

    await elsewhere.app.clusters.restore({
      id: 'old-1',
      name: 'old',
      flavour: 'kubeadm',
      endpointHost: '10.0.0.1',
      endpointPort: 6443,
      createdAt: '2026-01-01',
    } as never)
    expect((await elsewhere.api.clusters.spec('old-1')).spec.spec).toMatchObject({
      kubernetesVersion: '1.32',
      endpoint: { address: '10.0.0.1:6443' },
      nodes: [],
    })
  })
})

describe('vault channels', () => {
  it('never log a passphrase, even one the redactor could not know yet', async () => {
    const { api, dir } = appIn()
    await api.vault.setup('passphrase', PASS)
    await api.vault.lock()
    await expect(api.vault.unlock('a wrong guess of a passphrase')).rejects.toMatchObject({ code: 'VAULT_PASSPHRASE' })
    await api.vault.unlock(PASS)
    await expect(api.vault.setup('passphrase', 'short')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { fields: { passphrase: 'Use a passphrase of at least 8 characters.' } },
    })
    const log = readFileSync(join(dir, 'logs', 'flotilla.log'), 'utf8')
    expect(log).toMatch(/call vault:unlock \[arguments withheld/)
    for (const secret of [PASS, 'a wrong guess of a passphrase', 'short']) expect(log.includes(secret)).toBe(false)
  })

  it('reports the keychain backend and refuses keychain mode without a Secret Service', async () => {
    const { api } = appIn()
    const status = await api.vault.status()
    expect(status).toMatchObject({ state: 'uninitialised', keychain: { backend: 'secret-service', available: false } })
    await expect(api.vault.setup('keychain')).rejects.toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' })
    const cluster = await api.clusters.create({ name: 'a', flavour: 'kubeadm', endpoint: '10.0.0.1' })
    await expect(api.pki.init(cluster.id)).rejects.toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' })
    expect(await api.pki.show(cluster.id)).toBeNull()
  })
})

describe('designer channels', () => {
  it('clusters:check and clusters:check-move judge the stored spec against the stored inventory', async () => {
    const { api, app } = appIn()
    const big = await api.hosts.add({ address: '10.0.0.21', user: 'pi', label: 'big' })
    const small = await api.hosts.add({ address: '10.0.0.22', user: 'pi', label: 'small' })
    // Facts as identification stores them (the designer judges them; it probes nothing).
    const facts = (memoryMiB: number) => ({ ...fakeIdentification({ memoryMiB }), at: new Date().toISOString() })
    app.inventory.mutate((hosts) => hosts.map((h) => ({ ...h, identification: facts(h.id === small.id ? 906 : 4096) })))
    const cluster = await api.clusters.create({ name: 'homelab', flavour: 'kubeadm', endpoint: '10.0.0.10' })
    await api.clusters.setRole(cluster.id, 'big', 'control-plane')

    const check = await api.clusters.check(cluster.id)
    expect(check).toMatchObject({ id: cluster.id, revision: 2, unassigned: [small.id] })
    expect(check.nodes).toEqual([{ ref: 'big', hostId: big.id, roles: ['control-plane'] }])
    expect(check.quorum).toMatch(/^1 control plane: no high availability/)
    expect(check.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['quorum-single', 'host-untrusted']))

    const moves = await api.clusters.checkMove(cluster.id, small.id)
    expect(moves.map((m) => [m.target, m.allowed])).toEqual([
      ['control-plane', false],
      ['worker', true],
      ['etcd', false],
      ['endpoint', true],
      ['none', true],
    ])
    expect(moves[0]!.reasons[0]!.message).toBe('small: 906 MB RAM: too little for a control plane (2 GB minimum).')
    await expect(api.clusters.checkMove(cluster.id, '')).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    await expect(api.clusters.check('nope')).rejects.toMatchObject({ code: 'CLUSTER_NOT_FOUND' })
  })
})
