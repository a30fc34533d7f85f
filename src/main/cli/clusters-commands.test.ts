import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Cluster } from '../../shared/types'
import { testAppIn } from '../app-test-support'
import { runCliIn as cli } from './cli-test-support'

const tmp = () => mkdtempSync(join(tmpdir(), 'flotilla-cli-spec-'))

// The example, comments and flow style included.
const HOMELAB = `apiVersion: flotilla/v1alpha1
kind: Cluster
metadata:
  name: homelab
spec:
  flavour: kubeadm              # kubeadm | k3s
  kubernetesVersion: "1.32"     # minor
  endpoint:                     # exactly one of:
    haproxy: { host: lb-1, port: 6443 }
  etcd: stacked
  network:
    cni: calico
    podSubnet: 10.244.0.0/16
    serviceSubnet: 10.96.0.0/12
  devCluster: false
  nodes:
    - { host: kitchen-pi, roles: [control-plane] }
    - { host: attic-pi,   roles: [worker] }
`

/** A data dir with lb-1 and kitchen-pi in the inventory, and a file holding HOMELAB. */
async function setup() {
  const dir = tmp()
  expect((await cli(dir, 'hosts', 'add', '192.168.1.20', '--label', 'lb-1', '--user', 'pi')).code).toBe(0)
  expect((await cli(dir, 'hosts', 'add', '192.168.1.11', '--label', 'kitchen-pi', '--user', 'pi')).code).toBe(0)
  const file = join(dir, 'homelab.yaml')
  writeFileSync(file, HOMELAB)
  return { dir, file }
}

describe('flotilla clusters import / export', () => {
  it('creates from a file, and export → import is the identity (byte-equal YAML, nothing changed)', async () => {
    const { dir, file } = await setup()
    expect(await cli(dir, 'clusters', 'import', '-f', file)).toEqual({
      code: 0,
      stdout: 'Created cluster homelab (revision 1).\n',
      stderr: '',
    })
    const exported = await cli(dir, 'clusters', 'export', 'homelab')
    expect(exported.code).toBe(0)
    expect(exported.stderr).toBe('')
    expect(exported.stdout).toMatch(/^apiVersion: flotilla\/v1alpha1\nkind: Cluster\n/)
    expect(exported.stdout).toContain('    - host: attic-pi\n      roles:\n        - worker\n')

    const again = join(dir, 'again.yaml')
    writeFileSync(again, exported.stdout)
    expect((await cli(dir, 'clusters', 'import', '-f', again)).stdout).toBe(
      'Nothing to change in cluster homelab (revision 1).\n',
    )
    expect((await cli(dir, 'clusters', 'export', 'homelab')).stdout).toBe(exported.stdout)
    // The record follows the spec: the HAProxy host's address is the API endpoint.
    const [cluster] = JSON.parse((await cli(dir, '--json', 'clusters', 'list')).stdout) as Cluster[]
    expect(cluster).toMatchObject({ name: 'homelab', endpointHost: '192.168.1.20', endpointPort: 6443, revision: 1 })

    writeFileSync(again, exported.stdout.replace('devCluster: false', 'devCluster: true'))
    expect((await cli(dir, 'clusters', 'import', '-f', again, '--revision', '1')).stdout).toBe(
      'Updated cluster homelab (revision 2).\n',
    )
    const stale = await cli(dir, 'clusters', 'import', '-f', file, '--revision', '1')
    expect(stale.code).toBe(1)
    expect(stale.stderr).toMatch(/homelab was changed elsewhere since you read it .*\[CONFLICT\]/)
  })

  it('says why a spec file cannot be read, for import and plan alike', async () => {
    const { dir } = await setup()
    const missing = join(dir, 'nope.yaml')
    for (const args of [
      ['clusters', 'import', '-f', missing],
      ['plan', 'homelab', '-f', missing],
      ['clusters', 'import', '-f', dir],
    ]) {
      const result = await cli(dir, ...args)
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(
        new RegExp(`could not read the spec file ${args[3]}: (there is no such file|it is a folder)\\.`),
      )
    }
  })

  it('lists every schema problem as FILE:LINE: path: message and exits 1, creating nothing', async () => {
    const { dir, file } = await setup()
    writeFileSync(
      file,
      HOMELAB.replace('    cni: calico\n', '    cni: cilium\n    colour: blue\n').replace(
        'etcd: stacked',
        'etcd: both',
      ),
    )
    const result = await cli(dir, 'clusters', 'import', '-f', file)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr.split('\n')).toEqual([
      `${file}:10: spec.etcd: Use stacked or external.`,
      `${file}:12: spec.network.cni: Use calico or flannel.`,
      `${file}:13: spec.network.colour: "spec.network.colour" is not a field Flotilla knows (cni, podSubnet, serviceSubnet).`,
      '',
    ])
    expect(JSON.parse((await cli(dir, '--json', 'clusters', 'list')).stdout)).toEqual([])

    const json = await cli(dir, '--json', 'clusters', 'import', '-f', file)
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: {
        code: 'INVALID_INPUT',
        details: { problems: expect.arrayContaining([{ path: 'spec.etcd', line: 10, message: expect.any(String) }]) },
      },
    })
  })

  it('reads the spec from standard input with -f -, and a running app hears of it', async () => {
    const { dir } = await setup()
    // App A: open over the same data dir, as the desktop app or web server is.
    const app = testAppIn(dir, undefined, { transport: 'web' })
    const heard: Cluster[][] = []
    app.api.clusters.onChanged(({ clusters }) => heard.push(clusters))
    try {
      const bin = join(import.meta.dirname, '../../../bin/flotilla.mjs')
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(process.execPath, [bin, '--data-dir', dir, 'clusters', 'import', '-f', '-'], (e, o, r) =>
          resolve({ code: e ? (e.code as number) : 0, stdout: o, stderr: r }),
        )
        child.stdin!.end(HOMELAB)
      })
      expect(result).toEqual({ code: 0, stdout: 'Created cluster homelab (revision 1).\n', stderr: '' })
      const deadline = Date.now() + 15_000
      while (!heard.some((list) => list.some((c) => c.name === 'homelab'))) {
        if (Date.now() > deadline) throw new Error('the running app did not hear of the change')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(heard.at(-1)!.map((c) => c.name)).toEqual(['homelab'])
    } finally {
      app.close()
    }
  }, 30_000)
})

describe('flotilla clusters set-role / show', () => {
  it('gives a host one role, replaces it, takes it out, and refuses a host not in the inventory', async () => {
    const dir = tmp()
    await cli(dir, 'hosts', 'add', '192.168.1.11', '--label', 'kitchen-pi', '--user', 'pi')
    await cli(dir, 'clusters', 'create', 'homelab', '--endpoint', '10.0.0.10:6443')
    expect((await cli(dir, 'clusters', 'set-role', 'homelab', 'kitchen-pi', 'control-plane')).stdout).toBe(
      'kitchen-pi is now control-plane in homelab (revision 2).\n',
    )
    expect((await cli(dir, 'clusters', 'set-role', 'homelab', '192.168.1.11', 'worker')).stdout).toBe(
      '192.168.1.11 is now worker in homelab (revision 3).\n',
    )
    expect((await cli(dir, 'clusters', 'export', 'homelab')).stdout).toContain(
      'nodes:\n    - host: kitchen-pi\n      roles:\n        - worker\n',
    )
    expect((await cli(dir, 'clusters', 'set-role', 'homelab', 'kitchen-pi', 'worker')).stdout).toMatch(
      /^Nothing to change: kitchen-pi already has the role worker \(and no other\) in homelab\.\n$/,
    )
    const missing = await cli(dir, 'clusters', 'set-role', 'homelab', 'attic-pi', 'worker')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/"attic-pi" is not in the inventory\. Add it first.*\[HOST_NOT_FOUND\]/)
    const badRole = await cli(dir, 'clusters', 'set-role', 'homelab', 'kitchen-pi', 'master')
    expect(badRole.stderr).toMatch(/A role is control-plane, worker, etcd, or none.*\[INVALID_INPUT\]/)
    expect((await cli(dir, 'clusters', 'set-role', 'homelab', 'kitchen-pi', 'none')).stdout).toBe(
      'Took kitchen-pi out of homelab (revision 4).\n',
    )
    expect((await cli(dir, 'clusters', 'export', 'homelab')).stdout).toContain('nodes: []\n')
  })

  it('shows the spec in words with each node resolved in the inventory, also as JSON', async () => {
    const { dir, file } = await setup()
    await cli(dir, 'clusters', 'import', '-f', file)
    const shown = await cli(dir, 'clusters', 'show', 'homelab')
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain('  flavour:      kubeadm\n  version:      Kubernetes 1.32')
    expect(shown.stdout).toContain('  endpoint:     HAProxy on lb-1 (lb-1, 192.168.1.20), port 6443\n')
    expect(shown.stdout).toContain('  dev cluster:  no (control planes run no workloads)\n')
    expect(shown.stdout).toMatch(/\n {4}kitchen-pi +control-plane +kitchen-pi, 192\.168\.1\.11\n/)
    expect(shown.stdout).toMatch(/\n {4}attic-pi +worker +not in the inventory\n/)

    const json = JSON.parse((await cli(dir, '--json', 'clusters', 'show', 'homelab')).stdout) as Record<string, unknown>
    expect(json).toMatchObject({
      name: 'homelab',
      revision: 1,
      endpoint: { host: '192.168.1.20', port: 6443, inventory: { name: 'lb-1', address: '192.168.1.20' } },
      spec: { spec: { etcd: 'stacked', network: { cni: 'calico' } } },
      nodes: [
        { host: 'kitchen-pi', roles: ['control-plane'], inventory: { name: 'kitchen-pi', address: '192.168.1.11' } },
        { host: 'attic-pi', roles: ['worker'], inventory: null },
      ],
    })
  })

  it('migrates a record made before the spec: show and export work on it', async () => {
    const dir = tmp()
    writeFileSync(
      join(dir, 'clusters.json'),
      JSON.stringify({
        clusters: [
          {
            id: 'c1',
            name: 'old',
            flavour: 'k3s',
            endpointHost: 'k3s.home.arpa',
            endpointPort: 6443,
            createdAt: '2026-01-01',
          },
        ],
      }),
    )
    const exported = await cli(dir, 'clusters', 'export', 'old')
    expect(exported.stdout).toContain(
      '  flavour: k3s\n  kubernetesVersion: "1.32"\n  endpoint:\n    address: k3s.home.arpa:6443\n',
    )
    expect((await cli(dir, 'clusters', 'show', 'old')).stdout).toContain('nodes:        none yet')
    // Reading migrated in memory only; the file changes with the first write.
    expect(JSON.parse(readFileSync(join(dir, 'clusters.json'), 'utf8'))).not.toHaveProperty('schemaVersion')
  })
})
