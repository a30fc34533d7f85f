/**
 * Real TLS with the app's PKI: a 3-member etcd on the lab LAN, every member started with server
 * and peer certificates signed by the app's etcd CA (as kubeadm's etcd/server.crt and
 * etcd/peer.crt would be). A client certificate from the app's etcd CA is accepted; one from
 * another cluster's etcd CA is refused; and the members' certificates fail against that other CA.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ClusterPki } from '../../src/shared/types'
import type { IssuedLeaf, PkiService } from '../../src/main/services/pki/pki-service'
import { pkiIn } from '../../src/main/services/pki/test-support'
import { useLab, waitUntil, type Lab, type LabNode } from '../lab/harness'
import { sshExec } from '../lab/ssh'

let lab: Lab
const local = mkdtempSync(join(tmpdir(), 'flotilla-etcd-'))

beforeAll(async () => {
  // MicroOS nodes log in as root with the lab key: etcd needs no sudo there.
  lab = await useLab({ profiles: ['microos', 'microos', 'microos'] })
})
afterAll(async () => {
  for (const node of lab?.nodes ?? []) await sshExec(node, 'pkill -x etcd; true')
  await lab?.dispose()
})

function etcdCa(pki: ClusterPki): string {
  return pki.cas.find((c) => c.role === 'etcd-ca')!.pem
}

/** kubeadm's etcd/server and etcd/peer profile: serverAuth + clientAuth, node name, localhost, IPs. */
function memberCert(pki: PkiService, clusterId: string, node: LabNode): Promise<IssuedLeaf> {
  return pki.issue(clusterId, {
    caRole: 'etcd-ca',
    subject: { commonName: node.hostname },
    days: 365,
    extKeyUsage: ['serverAuth', 'clientAuth'],
    dnsNames: [node.hostname, 'localhost'],
    ipAddresses: [node.address, '127.0.0.1'],
  })
}

async function upload(node: LabNode, path: string, content: string): Promise<void> {
  // Contents go over stdin, never in a command line.
  const r = await sshExec(node, `umask 077 && mkdir -p /etc/flotilla-etcd && cat > /etc/flotilla-etcd/${path}`, {
    input: content,
  })
  expect(r.code, r.stderr).toBe(0)
}

function etcdctl(args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) =>
    execFile(
      'etcdctl',
      ['--dial-timeout=3s', '--command-timeout=5s', ...args],
      { timeout: 20_000 },
      (error, stdout, stderr) => resolve({ ok: !error, out: stdout + stderr }),
    ),
  )
}

it('accepts a client certificate from the app’s etcd CA and refuses one from another CA', async () => {
  const { clusters, pki } = pkiIn()
  const mine = await clusters.create({ name: 'lab', flavour: 'kubeadm', endpoint: `${lab.nodes[0]!.address}:6443` })
  const theirs = await clusters.create({ name: 'other', flavour: 'kubeadm', endpoint: '10.0.0.1:6443' })
  const myPki = await pki.init(mine.id, { algorithm: 'ECDSA-P256' })
  const theirPki = await pki.init(theirs.id, { algorithm: 'RSA-2048' })

  const initialCluster = lab.nodes.map((n) => `${n.hostname}=https://${n.address}:2380`).join(',')
  for (const node of lab.nodes) {
    const [server, peer] = [await memberCert(pki, mine.id, node), await memberCert(pki, mine.id, node)]
    await upload(node, 'ca.crt', etcdCa(myPki))
    await upload(node, 'server.crt', server.certPem)
    await upload(node, 'server.key', server.keyPem.reveal())
    await upload(node, 'peer.crt', peer.certPem)
    await upload(node, 'peer.key', peer.keyPem.reveal())
    const d = '/etc/flotilla-etcd'
    const started = await sshExec(
      node,
      [
        `setsid etcd --name ${node.hostname} --data-dir /var/lib/flotilla-etcd`,
        `--listen-peer-urls https://${node.address}:2380 --initial-advertise-peer-urls https://${node.address}:2380`,
        `--listen-client-urls https://${node.address}:2379,https://127.0.0.1:2379 --advertise-client-urls https://${node.address}:2379`,
        `--initial-cluster ${initialCluster} --initial-cluster-state new --initial-cluster-token flotilla-pki-test`,
        `--cert-file ${d}/server.crt --key-file ${d}/server.key --trusted-ca-file ${d}/ca.crt --client-cert-auth`,
        `--peer-cert-file ${d}/peer.crt --peer-key-file ${d}/peer.key --peer-trusted-ca-file ${d}/ca.crt --peer-client-cert-auth`,
        '> /var/log/flotilla-etcd.log 2>&1 < /dev/null &',
      ].join(' '),
    )
    expect(started.code, started.stderr).toBe(0)
  }

  const write = (name: string, content: string) => {
    writeFileSync(join(local, name), content, { mode: 0o600 })
    return join(local, name)
  }
  const endpoints = `--endpoints=${lab.nodes.map((n) => `https://${n.address}:2379`).join(',')}`
  const myCa = write('my-ca.crt', etcdCa(myPki))
  const theirCa = write('their-ca.crt', etcdCa(theirPki))
  const client = async (clusterId: string, name: string) => {
    const leaf = await pki.issue(clusterId, {
      caRole: 'etcd-ca',
      subject: { commonName: 'kube-apiserver-etcd-client' },
      days: 1,
      extKeyUsage: ['clientAuth'],
    })
    return [`--cert=${write(`${name}.crt`, leaf.certPem)}`, `--key=${write(`${name}.key`, leaf.keyPem.reveal())}`]
  }
  const mineClient = await client(mine.id, 'mine')
  const theirClient = await client(theirs.id, 'theirs')

  // All three members healthy: they formed the cluster over peer TLS with the app's certificates.
  await waitUntil(
    'all three etcd members to be healthy',
    async () => (await etcdctl([endpoints, `--cacert=${myCa}`, ...mineClient, 'endpoint', 'health'])).ok,
    45_000,
    500,
  )
  const members = await etcdctl([endpoints, `--cacert=${myCa}`, ...mineClient, 'member', 'list'])
  expect(members.out.trim().split('\n')).toHaveLength(3)
  expect((await etcdctl([endpoints, `--cacert=${myCa}`, ...mineClient, 'put', '/flotilla/pki', 'ok'])).ok).toBe(true)
  const got = await etcdctl([
    endpoints,
    `--cacert=${myCa}`,
    ...mineClient,
    'get',
    '/flotilla/pki',
    '--print-value-only',
  ])
  expect(got.out.trim()).toBe('ok')

  // A client certificate from another CA is refused by every member, and the member says why
  // (etcdctl itself only sees a gRPC deadline).
  for (const node of lab.nodes) {
    const refused = await etcdctl([
      `--endpoints=https://${node.address}:2379`,
      `--cacert=${myCa}`,
      ...theirClient,
      'get',
      'x',
    ])
    expect(refused.ok, refused.out).toBe(false)
    const log = await sshExec(node, 'grep "rejected connection" /var/log/flotilla-etcd.log || true')
    expect(log.stdout).toMatch(/rejected connection from "[\d.]+:\d+".*certificate signed by unknown authority/)
    const accepted = await etcdctl([
      `--endpoints=https://${node.address}:2379`,
      `--cacert=${myCa}`,
      ...mineClient,
      'get',
      'x',
    ])
    expect(accepted.ok, accepted.out).toBe(true)
  }
  // And the members' certificates do not verify against another CA: they really are the app's.
  const wrongServer = await etcdctl([endpoints, `--cacert=${theirCa}`, ...mineClient, 'endpoint', 'health'])
  expect(wrongServer.ok).toBe(false)
}, 120_000)
