/**
 * `flotilla status` and `flotilla reset` (issue 13 §3, §4) on a small kubeadm cluster of sim nodes:
 * a REAL HAProxy (configured by Flotilla's endpoint recipe) in front of two control planes on REAL
 * etcd, and one worker, built by hand-written kubeadm commands (kubeadm-cluster.ts) with the
 * cluster's CA from Flotilla's vault, so Flotilla's in-memory admin client is trusted.
 * Driven through the app's contract (clusters:status, reset:plan, reset:run) and the CLI.
 *
 * 1. status: three nodes with roles and Ready, both backends UP in HAProxy's `show stat`, two
 *    healthy etcd members; `flotilla status` exits 0.
 * 2. reset of the worker: its Node is gone, a re-probe finds no leftovers.
 * 3. reset of a control plane: its etcd member is removed (through the other control plane)
 *    before its kubeadm reset, its backend leaves HAProxy (`haproxy -c` accepts the live config),
 *    a re-probe finds no leftovers; status then shows one member, one backend, two nodes.
 */
import { mkdtempSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testAppIn } from '../../../src/main/app-test-support'
import type { App } from '../../../src/main/app'
import { runCli } from '../../../src/main/cli/main'
import { HAPROXY_CONFIG } from '../../../src/main/services/plan/recipes/haproxy-config'
import type { Cluster, Host, PlanView } from '../../../src/shared/types'
import { useLab, waitUntil, type Lab, type LabNode } from '../harness'
import { buildFlotillaCluster, etcdctl, kubectl, root, type FlotillaCluster } from './kubeadm-cluster'

const PASSPHRASE = 'reset-status sim test passphrase'

let lab: Lab
let app: App
let dataDir: string
let home: string
let lb: LabNode
let cp1: LabNode
let cp2: LabNode
let w1: LabNode
let hosts: Host[]
let cluster: Cluster
let built: FlotillaCluster

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const file = join(dataDir, 'passphrase')
  writeFileSync(file, PASSPHRASE, { mode: 0o600 })
  const code = await runCli(
    ['--data-dir', dataDir, '--passphrase-file', file, ...args],
    { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    { sshEnvironment: { home, agent: undefined } },
  )
  return { code, stdout, stderr }
}

/** The reviewed-plan pins of a reset plan view (what the CLI sends with reset:run). */
const reviewed = (view: PlanView) => ({
  specHash: view.specHash,
  factsFingerprint: view.factsFingerprint,
  hosts: Object.fromEntries(view.hosts.map((h) => [h.hostId, h.factsHash])),
})

beforeAll(async () => {
  lab = await useLab({ profiles: Array(4).fill('debian-sudo-nopass+sim') })
  ;[lb, cp1, cp2, w1] = lab.nodes as [LabNode, LabNode, LabNode, LabNode]
  dataDir = mkdtempSync(join(tmpdir(), 'flotilla-reset-data-'))
  home = mkdtempSync(join(tmpdir(), 'flotilla-reset-home-'))
  mkdirSync(join(home, '.ssh'), { mode: 0o700 })
  copyFileSync(lab.keyPath, join(home, '.ssh', 'id_ed25519'))
  copyFileSync(`${lab.keyPath}.pub`, join(home, '.ssh', 'id_ed25519.pub'))
  app = testAppIn(dataDir, PASSPHRASE, { sshEnvironment: { home, agent: undefined } })
  await app.api.vault.setup('passphrase', PASSPHRASE)
  hosts = []
  for (const node of lab.nodes) {
    const host = await app.api.hosts.add({
      address: node.address,
      port: node.port,
      user: node.user,
      label: node.hostname,
    })
    await app.api.ssh.trust(host.id, node.hostKeyFingerprint!)
    hosts.push(host)
  }
  expect((await app.api.ssh.check(hosts.map((h) => h.id))).filter((c) => !c.ok)).toEqual([])
  expect((await app.api.discovery.probe(hosts.map((h) => h.id))).filter((p) => !p.ok)).toEqual([])
  hosts = await app.api.hosts.list()
  await app.api.clusters.import(
    `apiVersion: flotilla/v1alpha1
kind: Cluster
metadata:
  name: homelab
spec:
  flavour: kubeadm
  kubernetesVersion: "1.32"
  endpoint:
    haproxy: { host: ${lb.hostname}, port: 6443 }
  network: { cni: flannel, podSubnet: 10.244.0.0/16 }
  nodes:
    - { host: ${cp1.hostname}, roles: [control-plane] }
    - { host: ${cp2.hostname}, roles: [control-plane] }
    - { host: ${w1.hostname}, roles: [worker] }
`,
  )
  cluster = (await app.api.clusters.list()).find((c) => c.name === 'homelab')!
  await app.api.pki.init(cluster.id)
  built = await buildFlotillaCluster({ app, cluster, lb, controlPlanes: [cp1, cp2], workers: [w1], hosts })
}, 600_000)

afterAll(async () => {
  app?.close()
  await lab?.dispose()
})

describe('flotilla status', () => {
  it('shows the nodes with roles and Ready, both HAProxy backends UP, two healthy etcd members', async () => {
    // HAProxy's health checks need a few rounds to call a new backend UP.
    const status = await waitUntil(
      'status healthy',
      async () => {
        const s = await app.api.clusters.status('homelab')
        return s.healthy && s
      },
      60_000,
      1000,
    )
    expect(status.nodes.reachable && status.nodes.items.map((n) => [n.name, n.roles, n.ready])).toEqual([
      [cp1.hostname, ['control-plane'], true],
      [cp2.hostname, ['control-plane'], true],
      [w1.hostname, [], true],
    ])
    expect(status.nodes.items![0]!.taints).toEqual(['node-role.kubernetes.io/control-plane:NoSchedule'])
    expect(status.backends.reachable && status.backends.items.map((b) => [b.server, b.status])).toEqual([
      [cp1.hostname, 'UP'],
      [cp2.hostname, 'UP'],
    ])
    expect(status.etcd.reachable && status.etcd.items.map((m) => [m.name, m.healthy]).sort()).toEqual([
      [cp1.hostname, true],
      [cp2.hostname, true],
    ])
    const run = await cli('status', 'homelab')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^homelab: healthy /)
    expect(run.stdout).toMatch(
      new RegExp(`\\n  ${cp2.hostname} +[0-9a-f]+ +healthy +https://${cp2.address.replace(/\./g, '\\.')}:2380\\n`),
    )
  }, 120_000)
})

describe('flotilla reset', () => {
  it('of the worker: drains and deletes its Node, kubeadm reset and the cleanup, the re-probe finds no leftovers', async () => {
    const view = await app.api.reset.plan('homelab', { hosts: [w1.hostname] })
    expect(view.blocked).toBe(false)
    expect(view.steps.map((s) => s.id)).toEqual([
      `${w1.hostname}/reset/node`,
      `${w1.hostname}/reset`,
      `${w1.hostname}/reset/reboot`,
    ])
    const result = await app.api.reset.run('homelab', { hosts: [w1.hostname], reviewed: reviewed(view) })
    expect(result.failed).toEqual([])
    expect(result.verified).toEqual([expect.objectContaining({ host: w1.hostname, clean: true, leftovers: [] })])
    const nodes = await kubectl(built.adminConf, 'get nodes --no-headers')
    expect(nodes.stdout).not.toContain(w1.hostname)
    expect((await root(w1, 'ls -A /etc/kubernetes /var/lib/kubelet /etc/cni/net.d 2>&1; true')).stdout).toMatch(
      /No such file/,
    )
  }, 300_000)

  it('of a control plane: backend out of HAProxy, etcd member removed before its kubeadm reset, re-probe clean', async () => {
    const view = await app.api.reset.plan('homelab', { hosts: [cp2.hostname] })
    expect(view.blocked).toBe(false)
    expect(view.steps.map((s) => s.id)).toEqual([
      `${lb.hostname}/reset/endpoint`,
      `${cp2.hostname}/reset/node`,
      `${cp2.hostname}/reset/etcd-member`,
      `${cp2.hostname}/reset`,
      `${cp2.hostname}/reset/reboot`,
    ])
    const opId = 'reset-cp2'
    const result = await app.api.reset.run('homelab', { hosts: [cp2.hostname], reviewed: reviewed(view) }, { opId })
    expect(result.failed).toEqual([])
    expect(result.verified).toEqual([expect.objectContaining({ host: cp2.hostname, clean: true })])
    // Flotilla removed the member (on cp1, through its etcd), and only then did cp2's kubeadm reset
    // run: its own remove-etcd-member phase found nothing left to remove.
    expect(result.applied).toContain(`${cp2.hostname}/reset/etcd-member`)
    expect(result.applied.indexOf(`${cp2.hostname}/reset/etcd-member`)).toBeLessThan(
      result.applied.indexOf(`${cp2.hostname}/reset`),
    )
    expect(result.applied[0]).toBe(`${lb.hostname}/reset/endpoint`)
    const logOf = async (node: LabNode) =>
      (await app.api.ops.log(opId, { hostId: hosts.find((h) => h.address === node.address)!.id }))
        .map((l) => l.line)
        .join('\n')
    expect(await logOf(cp1)).toContain(`removed the etcd member of https://${cp2.address}:2380`)
    const cp2Log = await logOf(cp2)
    expect(cp2Log).toContain('[reset] Deleting contents of directories')
    expect(cp2Log).not.toContain('[etcd] removing etcd member')

    // etcd: one member left, and it is cp1.
    const members = await root(cp1, `${etcdctl('https://127.0.0.1:2379')} member list`)
    expect(members.stdout.trim().split('\n')).toHaveLength(1)
    expect(members.stdout).toContain(cp1.hostname)
    // HAProxy: the live config is valid and names cp2 no more; the running HAProxy lists only cp1.
    const check = await root(lb, `haproxy -c -f ${HAPROXY_CONFIG} && grep -c '^    server ' ${HAPROXY_CONFIG}`)
    expect(check.code, check.stderr).toBe(0)
    expect(check.stdout.trim().split('\n').pop()).toBe('1')
    const status = await app.api.clusters.status('homelab')
    expect(status.backends.reachable && status.backends.items.map((b) => b.server)).toEqual([cp1.hostname])
    expect(status.etcd.reachable && status.etcd.items.map((m) => m.name)).toEqual([cp1.hostname])
    expect(status.nodes.reachable && status.nodes.items.map((n) => n.name)).toEqual([cp1.hostname])
    // The cluster still writes through the endpoint.
    await waitUntil(
      'a write through the endpoint after the reset',
      async () => (await kubectl(built.adminConf, `label node ${cp1.hostname} sim=after-reset --overwrite`)).code === 0,
      20_000,
      1000,
    )
  }, 300_000)
  it('of the whole cluster through the CLI, with --delete-pki: every host reset, re-probes clean, HAProxy stopped, the CAs gone', async () => {
    const run = await cli('reset', 'homelab', '--yes', '--delete-pki')
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0)
    expect(run.stdout).toMatch(/^Reset plan for homelab: /)
    expect(run.stdout).toContain('warning  reset-delete-pki')
    // Every host that was a node: reset and clean (the two already reset are re-checked, not redone).
    for (const node of [cp1, cp2, w1]) expect(run.stdout).toContain(`${node.hostname}: re-probed, no leftovers.`)
    expect(run.stdout).toContain('The certificate authorities of homelab were deleted from the vault.')
    expect(run.stdout).toContain('homelab: reset done.')
    expect(
      (await root(lb, 'systemctl is-active haproxy.service; systemctl is-enabled haproxy.service; true')).stdout,
    ).toBe('inactive\ndisabled\n')
    expect((await root(cp1, 'ls -A /var/lib/etcd /etc/kubernetes 2>&1; true')).stdout).toMatch(/No such file/)
    expect((await cli('pki', 'show', 'homelab')).stderr).toContain('homelab has no certificate authorities yet')
    // Nothing left to ask: status says so part by part, and exits 2.
    const status = await cli('status', 'homelab')
    expect(status.code).toBe(2)
    expect(status.stdout).toContain('Endpoint backends: NOT REACHABLE')
  }, 300_000)
})
