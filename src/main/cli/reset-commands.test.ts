import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ResetResult } from '../../shared/channels/reset'
import type { ClusterStatus } from '../../shared/channels/status'
import { runCliIn as cli } from './cli-test-support'
import { resetResultText, statusText, STATUS_UNHEALTHY } from './reset-commands'

const SPEC = `apiVersion: flotilla/v1alpha1
kind: Cluster
metadata:
  name: homelab
spec:
  flavour: kubeadm
  kubernetesVersion: "1.32"
  endpoint:
    haproxy: { host: lb-1, port: 6443 }
  nodes:
    - { host: kitchen-pi, roles: [control-plane] }
    - { host: attic-pi, roles: [worker] }
`

/**
 * A data dir with the cluster homelab whose nodes are not in the inventory and whose HAProxy host
 * is loopback port 1, where nothing listens (no traffic leaves this machine).
 */
async function homelab(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-cli-reset-'))
  expect((await cli(dir, 'hosts', 'add', '127.0.0.1', '--port', '1', '--label', 'lb-1', '--user', 'pi')).code).toBe(0)
  const file = join(dir, 'homelab.yaml')
  writeFileSync(file, SPEC)
  expect((await cli(dir, 'clusters', 'import', '-f', file)).code).toBe(0)
  return dir
}

const healthy: ClusterStatus = {
  cluster: 'homelab',
  at: '2026-12-07T12:00:00.000Z',
  healthy: true,
  endpoint: { host: '10.0.0.2', port: 6443, kind: 'haproxy' },
  nodes: {
    reachable: true,
    source: 'https://10.0.0.2:6443',
    items: [
      {
        name: 'cp-1',
        roles: ['control-plane'],
        ready: true,
        taints: ['node-role.kubernetes.io/control-plane:NoSchedule'],
        kubeletVersion: 'v1.32.4',
      },
      { name: 'w-1', roles: [], ready: false, taints: [], kubeletVersion: 'v1.32.4', unschedulable: true },
    ],
  },
  backends: {
    reachable: true,
    source: 'lb',
    items: [
      { backend: 'kubernetes-control-planes', server: 'cp-1', status: 'UP', up: true, address: '10.0.0.11:6443' },
    ],
  },
  etcd: { reachable: false, reason: 'no control plane’s etcd answered (cp-1: connection refused)' },
}

describe('flotilla status', () => {
  it('shows each part, or why it could not be reached', () => {
    const text = statusText(healthy)
    expect(text.split('\n')[0]).toBe('homelab: healthy (endpoint 10.0.0.2:6443, 2026-12-07T12:00:00.000Z)')
    expect(text).toMatch(/Nodes \(https:\/\/10\.0\.0\.2:6443\):\n {2}NAME +ROLES +STATUS +KUBELET +TAINTS\n/)
    expect(text).toMatch(
      / {2}cp-1 +control-plane +Ready +v1\.32\.4 +node-role\.kubernetes\.io\/control-plane:NoSchedule\n/,
    )
    expect(text).toMatch(/ {2}w-1 +<none> +NotReady,SchedulingDisabled +v1\.32\.4 +<none>\n/)
    expect(text).toMatch(/ {2}kubernetes-control-planes +cp-1 +UP +10\.0\.0\.11:6443\n/)
    expect(text).toContain('etcd members: NOT REACHABLE: no control plane’s etcd answered (cp-1: connection refused)')
  })

  it('exits 2 when the cluster answers only in part, and says which parts and why; 1 for an unknown cluster', async () => {
    const dir = await homelab()
    const run = await cli(dir, 'status', 'homelab')
    expect(run.code).toBe(STATUS_UNHEALTHY)
    expect(run.stdout).toMatch(/^homelab: NOT HEALTHY \(endpoint 127\.0\.0\.1:6443, /)
    expect(run.stdout).toContain('Endpoint backends: NOT REACHABLE: lb-1 could not be reached: ')
    expect(run.stdout).toContain(
      "etcd members: NOT REACHABLE: none of the spec's control planes is in Flotilla's host list",
    )
    expect(run.stdout).toContain("Nodes: NOT REACHABLE: the cluster's API did not answer: ")
    const json = await cli(dir, '--json', 'status', 'homelab')
    expect(json.code).toBe(STATUS_UNHEALTHY)
    expect(JSON.parse(json.stdout)).toMatchObject({ cluster: 'homelab', healthy: false, nodes: { reachable: false } })
    const unknown = await cli(dir, 'status', 'nope')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('No cluster "nope"')
  })
})

describe('flotilla reset', () => {
  it('shows a blocked plan and exits 1 without asking or changing anything', async () => {
    const dir = await homelab()
    const run = await cli(dir, 'reset', 'homelab', '--yes')
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^Reset plan for homelab: /)
    expect(run.stdout).toContain('BLOCKING host-unknown (spec.nodes[0].host)')
    expect(run.stdout).not.toContain('prepare phase')
  })

  it('refuses a host it does not know, and --delete-pki with --host', async () => {
    const dir = await homelab()
    const run = await cli(dir, 'reset', 'homelab', '--host', 'ghost', '--yes')
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('"ghost" names no host')
    const pki = await cli(dir, 'reset', 'homelab', '--host', 'lb-1', '--delete-pki', '--yes')
    expect(pki.code).toBe(1)
    expect(pki.stderr).toContain('--delete-pki goes with a reset of the whole cluster only')
  })

  it('the result: failures first, each host’s re-probe, "reset done" only when every host is clean', () => {
    const base: ResetResult = {
      cluster: 'homelab',
      applied: ['w-1/reset/node', 'w-1/reset'],
      skipped: ['w-1/reset/reboot'],
      failed: [],
      blocked: [],
      verified: [{ hostId: 'h', host: 'w-1', clean: true, leftovers: [] }],
      pkiDeleted: false,
    }
    expect(resetResultText(base)).toBe(
      '\n2 steps applied, 1 already done.\nw-1: re-probed, no leftovers.\nhomelab: reset done.\n',
    )
    const dirty = resetResultText({
      ...base,
      verified: [{ hostId: 'h', host: 'w-1', clean: false, leftovers: ['/etc/cni/net.d'] }],
    })
    expect(dirty).toContain('w-1: NOT clean: the re-probe still finds /etc/cni/net.d.')
    expect(dirty).not.toContain('reset done')
  })
})
