/**
 * Flotilla's in-memory kubeconfig against the API server stand-in: a cluster's CA set made by
 * Flotilla's PKI (vault-held keys) is the stand-in's --client-ca-file and signs its serving
 * certificate, as `kubeadm init` would with custom CA files; KubeClients.kubeClient() then talks
 * to it with a credential minted in memory. The stand-in runs on loopback inside the desk, on a
 * real etcd, as in apiserver.test.ts. No lab nodes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import https from 'node:https'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { AuthenticationV1Api, RbacAuthorizationV1Api, type CoreV1Api } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cluster } from '../../../src/shared/types'
import { KubeconfigService } from '../../../src/main/services/kubeconfig/kubeconfig-service'
import { KubeClients, kubeConfigFrom } from '../../../src/main/services/kube/kube-client'
import { createLogger } from '../../../src/main/services/log/logger'
import { PkiService } from '../../../src/main/services/pki/pki-service'
import { pkiIn } from '../../../src/main/services/pki/test-support'
import { waitUntil } from '../harness'
import { startEtcd } from './apiserver-fixtures/pki.mjs'

const NODE_DIR = fileURLToPath(new URL('./node/', import.meta.url))
const PORT = 27643

let dir: string
let etcd: Awaited<ReturnType<typeof startEtcd>>
let apiserver: ChildProcess
let flotilla: ReturnType<typeof pkiIn>
let kubeconfigs: KubeconfigService
let kube: KubeClients
let homelab: Cluster
let other: Cluster
const logLines: string[] = []

/** The cluster CA's certificate (public) as the stand-in's files want it. */
function caPemOf(cluster: Cluster): string {
  return flotilla.pki.show(cluster.id)!.cas.find((c) => c.role === flotilla.pki.roles(cluster.id).serverCa)!.pem
}

function readyz(): Promise<number> {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port: PORT, path: '/readyz', ca: caPemOf(homelab) }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', () => resolve(0))
  })
}

beforeAll(async () => {
  dir = fs.mkdtempSync(`${os.tmpdir()}/flotilla-kube-client-test-`)
  flotilla = pkiIn(`${dir}/flotilla-data`)
  kubeconfigs = new KubeconfigService({
    ...flotilla,
    store: flotilla.stores('kubeconfigs'),
    env: {},
    home: `${dir}/home`,
  })
  kube = new KubeClients({
    kubeconfigs,
    events: flotilla.events,
    redactor: flotilla.redactor,
    log: createLogger([(line) => logLines.push(line)], flotilla.redactor),
  })
  // Two clusters, each with its own CA set in the vault, both naming the stand-in as their endpoint.
  homelab = await flotilla.clusters.create({ name: 'homelab', flavour: 'kubeadm', endpoint: `127.0.0.1:${PORT}` })
  other = await flotilla.clusters.create({ name: 'other', flavour: 'kubeadm', endpoint: `127.0.0.1:${PORT}` })
  await flotilla.pki.init(homelab.id, {}) // kubeadm's default: RSA-2048
  await flotilla.pki.init(other.id, { algorithm: 'ECDSA-P256' })

  // The stand-in's own files (what kubeadm would put in /etc/kubernetes/pki), from homelab's CA.
  const pki = `${dir}/pki`
  fs.mkdirSync(pki)
  const serving = await flotilla.pki.issue(homelab.id, {
    caRole: flotilla.pki.roles(homelab.id).serverCa,
    subject: { commonName: 'kube-apiserver' },
    days: 1,
    extKeyUsage: ['serverAuth'],
    dnsNames: ['localhost', 'kubernetes'],
    ipAddresses: ['127.0.0.1'],
  })
  fs.writeFileSync(`${pki}/ca.crt`, caPemOf(homelab))
  fs.writeFileSync(`${pki}/apiserver.crt`, serving.certPem)
  fs.writeFileSync(`${pki}/apiserver.key`, serving.keyPem.reveal(), { mode: 0o600 })
  spawnSync('openssl', ['genrsa', '-out', `${pki}/sa.key`, '2048'])
  spawnSync('openssl', ['rsa', '-in', `${pki}/sa.key`, '-pubout', '-out', `${pki}/sa.pub`])

  etcd = await startEtcd(dir, { clientPort: 27679, peerPort: 27680 })
  const log = fs.openSync(`${dir}/apiserver.log`, 'a')
  apiserver = spawn(
    'node',
    [
      `${NODE_DIR}kube-apiserver.mjs`,
      '--advertise-address=127.0.0.1',
      '--authorization-mode=Node,RBAC',
      `--client-ca-file=${pki}/ca.crt`,
      '--enable-admission-plugins=NodeRestriction',
      '--enable-bootstrap-token-auth=true',
      `--etcd-cafile=${etcd.ca}`,
      `--etcd-certfile=${etcd.cert}`,
      `--etcd-keyfile=${etcd.key}`,
      `--etcd-servers=${etcd.endpoint}`,
      `--secure-port=${PORT}`,
      '--bind-address=127.0.0.1',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki}/sa.pub`,
      `--service-account-signing-key-file=${pki}/sa.key`,
      '--service-cluster-ip-range=10.96.0.0/12',
      `--tls-cert-file=${pki}/apiserver.crt`,
      `--tls-private-key-file=${pki}/apiserver.key`,
    ],
    { stdio: ['ignore', log, log] },
  )
  await waitUntil('API server stand-in ready', async () => (await readyz()) === 200, 30_000)
}, 120_000)

afterAll(async () => {
  kube?.close()
  if (apiserver?.exitCode === null) apiserver.kill('SIGTERM')
  await etcd?.stop()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

const names = async (core: CoreV1Api) => (await core.listNode()).items.map((n) => n.metadata?.name)

describe('kubeClient with a kubeconfig minted in memory', () => {
  it('reads /version, binds the admin group as kubeadm does, and lists nodes as flotilla-app', async () => {
    // kubeadm init binds kubeadm:cluster-admins with its super-admin (system:masters) credential.
    const superAdmin = await kube.kubeClient(homelab.id, { user: 'kubeadm-super-admin', breakGlass: true })
    expect((await superAdmin.version.getCode()).gitVersion).toBe('v1.32.4')
    await superAdmin.api(RbacAuthorizationV1Api).createClusterRoleBinding({
      body: {
        metadata: { name: 'kubeadm:cluster-admins' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'kubeadm:cluster-admins' }],
      },
    })
    await superAdmin.core.createNode({ body: { metadata: { name: 'kitchen-pi' } } })

    const admin = await kube.kubeClient(homelab.id)
    const review = await admin.api(AuthenticationV1Api).createSelfSubjectReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    })
    expect(review.status?.userInfo?.username).toBe('flotilla-app')
    expect(review.status?.userInfo?.groups).toContain('kubeadm:cluster-admins')
    expect(await names(admin.core)).toEqual(['kitchen-pi'])
    expect(logLines.join('\n')).toMatch(
      /Minted an in-memory kubeconfig for https:\/\/127\.0\.0\.1:27643 \(user flotilla-app/,
    )
  })

  it('is refused (401) with a client certificate from another cluster’s CA', async () => {
    // other's credential, trusting homelab's server CA so that the TLS handshake itself succeeds:
    // the API server must then refuse the client certificate its --client-ca-file did not sign.
    const foreign = await kubeconfigs.mint(other.id)
    const { config } = await kubeConfigFrom({ ...foreign, caPem: caPemOf(homelab) }, flotilla.redactor)
    const { CoreV1Api } = await import('@kubernetes/client-node')
    await expect(config.makeApiClient(CoreV1Api).listNode()).rejects.toMatchObject({ code: 401 })
    // The same credential as kubeClient(other) builds it does not even trust this server.
    const otherClient = await kube.kubeClient(other.id)
    const error = await otherClient.core.listNode().then(
      () => null,
      (e: unknown) => e as Error & { code?: unknown },
    )
    expect(error).not.toBeNull()
    expect(error!.code).not.toBe(401)
    expect(String(error!.message) + String((error as { cause?: unknown }).cause)).toMatch(/certificate|signature/i)
  })

  it('is refused (401) once the minted certificate has expired', async () => {
    // A one-minute credential from the same vault CA, minted with a clock 2 minutes back.
    const pkiInThePast = new PkiService({
      ...flotilla,
      store: flotilla.stores('pki'),
      now: () => new Date(Date.now() - 2 * 60_000),
    })
    const past = new KubeconfigService({
      ...flotilla,
      pki: pkiInThePast,
      store: flotilla.stores('kubeconfigs'),
      env: {},
      home: `${dir}/home`,
    })
    const minted = await past.mint(homelab.id, { minutes: 1 })
    expect(Date.parse(minted.notAfter)).toBeLessThan(Date.now())
    const { config } = await kubeConfigFrom(minted, flotilla.redactor)
    const { CoreV1Api } = await import('@kubernetes/client-node')
    await expect(config.makeApiClient(CoreV1Api).listNode()).rejects.toMatchObject({ code: 401 })
  })
})
