/**
 * The API server, controller-manager and scheduler stand-ins, on loopback inside the desk: a real
 * etcd 3.4 with certificates made by openssl, two kube-apiserver.mjs processes on it (kubeadm's
 * flags), a kube-controller-manager.mjs. Conformance is checked with the machine's real kubectl
 * and @kubernetes/client-node; every authentication, authorization and strictness rule has a
 * negative test. No lab nodes.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import os from 'node:os'
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitUntil as labWaitUntil } from '../harness'
import { makeCA, makeLeaf, startEtcd, type Pair } from './apiserver-fixtures/pki.mjs'

const waitUntil = <T>(check: () => Promise<T>, o: { timeoutMs: number; what: string }) =>
  labWaitUntil(o.what, check, o.timeoutMs)
const NODE_DIR = fileURLToPath(new URL('./node/', import.meta.url))
const PORT_A = 27443
const PORT_B = 27444
const PORT_C = 27445 // an API server whose etcd is unreachable

let dir: string
let pki: string
let etcd: Awaited<ReturnType<typeof startEtcd>>
let ca: Pair
const procs: ChildProcess[] = []
const users: Record<string, Pair> = {}

function kubeconfig(name: string, port: number, auth: { user?: string; token?: string } = {}): string {
  const file = `${dir}/${name}-${port}.conf`
  const user = auth.token
    ? `    token: ${auth.token}`
    : auth.user
      ? `    client-certificate: ${users[auth.user]!.crt}\n    client-key: ${users[auth.user]!.key}`
      : '    {}'
  fs.writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: ${ca.crt}
    server: https://127.0.0.1:${port}
  name: kubernetes
contexts:
- context: {cluster: kubernetes, user: u}
  name: u@kubernetes
current-context: u@kubernetes
users:
- name: u
  user:
${user}
`,
  )
  return file
}

interface Run {
  code: number
  stdout: string
  stderr: string
}
function kubectl(conf: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      args,
      { env: { ...process.env, KUBECONFIG: conf }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
    if (input !== undefined) child.stdin?.end(input)
  })
}

interface Reply {
  status: number
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string
}
/** One HTTPS request to an API server with a client cert (user), a bearer token, or nothing. */
function call(
  method: string,
  path: string,
  opts: { port?: number; user?: string; cert?: Pair; token?: string; body?: unknown; contentType?: string } = {},
): Promise<Reply> {
  const cert = opts.cert ?? (opts.user ? users[opts.user] : undefined)
  const payload =
    opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: opts.port ?? PORT_A,
        path,
        method,
        ca: fs.readFileSync(ca.crt),
        ...(cert ? { cert: fs.readFileSync(cert.crt), key: fs.readFileSync(cert.key) } : {}),
        headers: {
          accept: 'application/json',
          ...(payload !== undefined
            ? { 'content-type': opts.contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        },
      },
      (res) => {
        let text = ''
        res.on('data', (c) => (text += c))
        res.on('end', () => {
          let body
          try {
            body = JSON.parse(text)
          } catch {
            body = undefined
          }
          resolve({ status: res.statusCode ?? 0, body, text })
        })
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

function startApiserver(port: number, etcdServers = etcd.endpoint, advertise = '127.0.0.1'): ChildProcess {
  const child = spawn(
    'node',
    [
      `${NODE_DIR}kube-apiserver.mjs`,
      `--advertise-address=${advertise}`,
      '--allow-privileged=true',
      '--authorization-mode=Node,RBAC',
      `--client-ca-file=${ca.crt}`,
      '--enable-admission-plugins=NodeRestriction',
      '--enable-bootstrap-token-auth=true',
      `--etcd-cafile=${etcd.ca}`,
      `--etcd-certfile=${etcd.cert}`,
      `--etcd-keyfile=${etcd.key}`,
      `--etcd-servers=${etcdServers}`,
      `--kubelet-client-certificate=${users.kubeletClient!.crt}`,
      `--kubelet-client-key=${users.kubeletClient!.key}`,
      '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
      `--proxy-client-cert-file=${users.kubeletClient!.crt}`,
      `--proxy-client-key-file=${users.kubeletClient!.key}`,
      '--requestheader-allowed-names=front-proxy-client',
      `--requestheader-client-ca-file=${ca.crt}`,
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-username-headers=X-Remote-User',
      `--secure-port=${port}`,
      '--bind-address=127.0.0.1',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki}/sa.pub`,
      `--service-account-signing-key-file=${pki}/sa.key`,
      '--service-cluster-ip-range=10.96.0.0/12',
      `--tls-cert-file=${pki}/apiserver.crt`,
      `--tls-private-key-file=${pki}/apiserver.key`,
    ],
    {
      stdio: [
        'ignore',
        fs.openSync(`${dir}/apiserver-${port}.log`, 'a'),
        fs.openSync(`${dir}/apiserver-${port}.log`, 'a'),
      ],
    },
  )
  procs.push(child)
  return child
}
function startControllerManager(name: string, extra: string[] = []): ChildProcess {
  const log = fs.openSync(`${dir}/${name}.log`, 'a')
  const child = spawn(
    'node',
    [
      `${NODE_DIR}kube-controller-manager.mjs`,
      '--allocate-node-cidrs=true',
      `--authentication-kubeconfig=${confs.kcm}`,
      `--authorization-kubeconfig=${confs.kcm}`,
      '--bind-address=127.0.0.1',
      `--client-ca-file=${ca.crt}`,
      '--cluster-cidr=10.244.0.0/16',
      '--cluster-name=kubernetes',
      `--cluster-signing-cert-file=${ca.crt}`,
      `--cluster-signing-key-file=${ca.key}`,
      '--controllers=*,bootstrapsigner,tokencleaner',
      `--kubeconfig=${confs.kcm}`,
      '--leader-elect=true',
      `--requestheader-client-ca-file=${ca.crt}`,
      `--root-ca-file=${ca.crt}`,
      `--service-account-private-key-file=${pki}/sa.key`,
      '--service-cluster-ip-range=10.96.0.0/12',
      '--use-service-account-credentials=true',
      '--node-monitor-grace-period=6s',
      '--secure-port=27257',
      ...extra,
    ],
    { stdio: ['ignore', log, log] },
  )
  procs.push(child)
  return child
}

const confs: Record<string, string> = {}

beforeAll(async () => {
  dir = fs.mkdtempSync(`${os.tmpdir()}/flotilla-apiserver-test-`)
  pki = `${dir}/pki`
  etcd = await startEtcd(dir, { clientPort: 27379, peerPort: 27380 })
  ca = makeCA(pki, 'ca', 'kubernetes')
  makeLeaf(pki, 'apiserver', ca, {
    cn: 'kube-apiserver',
    usage: 'server',
    dns: ['localhost', 'kubernetes'],
    ips: ['127.0.0.1'],
  })
  spawnSync('openssl', ['genrsa', '-out', `${pki}/sa.key`, '2048'])
  spawnSync('openssl', ['rsa', '-in', `${pki}/sa.key`, '-pubout', '-out', `${pki}/sa.pub`])
  users.super = makeLeaf(pki, 'super', ca, { cn: 'kubernetes-super-admin', orgs: ['system:masters'] })
  users.admin = makeLeaf(pki, 'admin', ca, { cn: 'kubernetes-admin', orgs: ['kubeadm:cluster-admins'] })
  users.n1 = makeLeaf(pki, 'n1', ca, { cn: 'system:node:n1', orgs: ['system:nodes'] })
  users.n2 = makeLeaf(pki, 'n2', ca, { cn: 'system:node:n2', orgs: ['system:nodes'] })
  users.n3 = makeLeaf(pki, 'n3', ca, { cn: 'system:node:n3', orgs: ['system:nodes'] })
  users.kcm = makeLeaf(pki, 'kcm', ca, { cn: 'system:kube-controller-manager' })
  users.sched = makeLeaf(pki, 'sched', ca, { cn: 'system:kube-scheduler' })
  users.kubeletClient = makeLeaf(pki, 'kubelet-client', ca, {
    cn: 'kube-apiserver-kubelet-client',
    orgs: ['kubeadm:cluster-admins'],
  })
  users.serverOnly = makeLeaf(pki, 'server-only', ca, {
    cn: 'kubernetes-super-admin',
    orgs: ['system:masters'],
    usage: 'server',
  })
  const other = makeCA(pki, 'other', 'kubernetes')
  users.foreign = makeLeaf(pki, 'foreign', other, { cn: 'kubernetes-super-admin', orgs: ['system:masters'] })
  for (const u of ['super', 'admin', 'n1', 'n2', 'kcm', 'sched', 'foreign'])
    confs[u] = kubeconfig(u, PORT_A, { user: u })
  confs.superB = kubeconfig('super', PORT_B, { user: 'super' })
  confs.anonymous = kubeconfig('anonymous', PORT_A)
  startApiserver(PORT_A)
  startApiserver(PORT_B, etcd.endpoint, '127.0.0.2')
  for (const port of [PORT_A, PORT_B])
    await waitUntil(
      async () => (await call('GET', '/readyz', { port, user: 'super' }).catch(() => ({ status: 0 }))).status === 200,
      {
        timeoutMs: 30_000,
        what: `API server on ${port} ready`,
      },
    )
  startControllerManager('kcm-1')
  const log = fs.openSync(`${dir}/scheduler.log`, 'a')
  procs.push(
    spawn(
      'node',
      [
        `${NODE_DIR}kube-scheduler.mjs`,
        `--authentication-kubeconfig=${confs.sched}`,
        `--authorization-kubeconfig=${confs.sched}`,
        '--bind-address=127.0.0.1',
        `--kubeconfig=${confs.sched}`,
        '--leader-elect=true',
        '--secure-port=27259',
      ],
      { stdio: ['ignore', log, log] },
    ),
  )
}, 120_000)

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM')
  await etcd?.stop()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

const node = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name,
    labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
  },
  status: {
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'kubelet is posting ready status',
        lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    ],
    addresses: [
      { type: 'InternalIP', address: name === 'n1' ? '10.84.0.11' : '10.84.0.12' },
      { type: 'Hostname', address: name },
    ],
    nodeInfo: {
      kubeletVersion: 'v1.32.4',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      kernelVersion: '6.1.0-sim',
      containerRuntimeVersion: 'containerd://1.7.24',
      architecture: 'amd64',
      operatingSystem: 'linux',
    },
  },
  ...extra,
})

/**
 * What a node's kubelet (the node agent) does towards the API, as far as these tests need: keeps
 * its Ready heartbeat fresh (so the lifecycle controller leaves it alone) and removes its pods
 * once they are marked for deletion (graceful deletion: drain and eviction wait for that).
 */
function kubelet(name: string): () => void {
  const beat = async () => {
    await call('PATCH', `/api/v1/nodes/${name}/status`, {
      user: name,
      contentType: 'application/strategic-merge-patch+json',
      body: {
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            },
          ],
        },
      },
    }).catch(() => undefined)
    const pods = await call('GET', `/api/v1/pods?fieldSelector=spec.nodeName%3D${name}`, { user: name }).catch(
      () => undefined,
    )
    for (const p of pods?.body?.items ?? []) {
      const path = `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`
      if (p.metadata.deletionTimestamp)
        await call('DELETE', path, {
          user: name,
          body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 },
        }).catch(() => undefined)
      else if (p.status?.phase !== 'Running') {
        // "runs" its pods (as hostNetwork pods: the node's address)
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
        await call('PATCH', `${path}/status`, {
          user: name,
          contentType: 'application/merge-patch+json',
          body: {
            status: {
              phase: 'Running',
              podIP: name === 'n1' ? '10.84.0.11' : '10.84.0.12',
              conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
              containerStatuses: p.spec.containers.map((c: { name: string; image: string }) => ({
                name: c.name,
                image: c.image,
                ready: true,
                restartCount: 0,
                state: { running: { startedAt: now } },
              })),
            },
          },
        }).catch(() => undefined)
      }
    }
  }
  const t = setInterval(() => void beat(), 1000)
  return () => clearInterval(t)
}
const stopBeats: Array<() => void> = []
afterAll(() => stopBeats.forEach((s) => s()))

describe('command lines', () => {
  const run = (file: string, args: string[]) =>
    spawnSync('node', [`${NODE_DIR}${file}`, ...args], { encoding: 'utf8', timeout: 20_000 })

  it('refuses an unknown flag like the real binaries', () => {
    for (const file of ['kube-apiserver.mjs', 'kube-controller-manager.mjs', 'kube-scheduler.mjs']) {
      const r = run(file, ['--bogus-flag=1'])
      expect(r.status, file).toBe(1)
      expect(r.stderr, file).toContain('Error: unknown flag: --bogus-flag')
    }
  })

  it('fails like kube-apiserver on a missing client CA file or missing etcd servers', () => {
    let r = run('kube-apiserver.mjs', [
      '--etcd-servers=https://127.0.0.1:1',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-signing-key-file=${pki}/sa.key`,
      '--client-ca-file=/nonexistent/ca.crt',
      `--tls-cert-file=${pki}/apiserver.crt`,
      `--tls-private-key-file=${pki}/apiserver.key`,
    ])
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(
      /"command failed" err="unable to load client CA provider: open \/nonexistent\/ca.crt: no such file or directory"/,
    )
    r = run('kube-apiserver.mjs', ['--secure-port=1'])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('--etcd-servers must be specified')
  })

  it('refuses an unknown controller name and a bad duration', () => {
    let r = run('kube-controller-manager.mjs', [`--kubeconfig=${confs.kcm}`, '--controllers=*,nosuchcontroller'])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('\\"nosuchcontroller\\" is not in the list of known controllers')
    r = run('kube-controller-manager.mjs', [`--kubeconfig=${confs.kcm}`, '--node-monitor-grace-period=forty'])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('time: invalid duration')
  })
})

describe('health, version, discovery', () => {
  it('answers /healthz /livez /readyz /version to anyone, discovery only to authenticated users', async () => {
    for (const p of ['/healthz', '/livez', '/readyz']) {
      const r = await call('GET', p)
      expect(r.status, p).toBe(200)
      expect(r.text).toBe('ok')
    }
    const v = await call('GET', '/version')
    expect(v.body.gitVersion).toBe('v1.32.4')
    const api = await call('GET', '/api')
    expect(api.status).toBe(403)
    expect(api.body.message).toBe('forbidden: User "system:anonymous" cannot get path "/api"')
    expect((await call('GET', '/api', { user: 'n1' })).body.versions).toEqual(['v1'])
  })

  it('is not ready while its etcd is unreachable', async () => {
    startApiserver(PORT_C, 'https://127.0.0.1:27399')
    await waitUntil(
      async () =>
        (await call('GET', '/livez', { port: PORT_C, user: 'super' }).catch(() => ({ status: 0 }))).status === 200,
      {
        timeoutMs: 15_000,
        what: 'apiserver C up',
      },
    )
    const r = await call('GET', '/readyz?verbose', { port: PORT_C, user: 'super' })
    expect(r.status).toBe(500)
    expect(r.text).toContain('[-]etcd failed: reason withheld')
    expect(r.text).toContain('readyz check failed')
    const h = await call('GET', '/healthz', { port: PORT_C, user: 'super' })
    expect(h.status).toBe(500)
  })

  it('kubectl version and cluster-info', async () => {
    const v = await kubectl(confs.super!, ['version', '-o', 'json'])
    expect(v.code, v.stderr).toBe(0)
    expect(JSON.parse(v.stdout).serverVersion.gitVersion).toBe('v1.32.4')
    const c = await kubectl(confs.super!, ['cluster-info'])
    expect(c.code, c.stderr).toBe(0)
    expect(c.stdout).toContain(`Kubernetes control plane`)
    expect(c.stdout).toContain(`https://127.0.0.1:${PORT_A}`)
    // the default/kubernetes Service, printed with the real server's columns
    const svc = await kubectl(confs.super!, ['get', 'svc', 'kubernetes'])
    expect(svc.stdout).toMatch(
      /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nkubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+\S+\n$/,
    )
  })

  it('answers 404 for unknown resources and groups, like the real server', async () => {
    const r = await call('GET', '/api/v1/widgets', { user: 'super' })
    expect(r.status).toBe(404)
    expect(r.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'the server could not find the requested resource',
    })
    expect((await call('GET', '/apis/example.com/v1/widgets', { user: 'super' })).status).toBe(404)
    const k = await kubectl(confs.super!, ['get', 'widgets'])
    expect(k.code).toBe(1)
    expect(k.stderr).toContain(`the server doesn't have a resource type "widgets"`)
  })
})

describe('authentication', () => {
  it('a client certificate from another CA is 401 Unauthorized', async () => {
    const r = await call('GET', '/api/v1/nodes', { user: 'foreign' })
    expect(r.status).toBe(401)
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 })
    const k = await kubectl(confs.foreign!, ['get', 'nodes'])
    expect(k.code).toBe(1)
    expect(k.stderr).toContain('You must be logged in to the server (Unauthorized)')
  })

  it('a certificate of the right CA without the clientAuth usage is 401', async () => {
    expect((await call('GET', '/api/v1/nodes', { user: 'serverOnly' })).status).toBe(401)
  })

  it('no credentials is system:anonymous, which may not list nodes', async () => {
    const r = await call('GET', '/api/v1/nodes')
    expect(r.status).toBe(403)
    expect(r.body.message).toBe(
      'nodes is forbidden: User "system:anonymous" cannot list resource "nodes" in API group "" at the cluster scope',
    )
  })

  it('a bearer token that is not a valid bootstrap token is 401 (not anonymous)', async () => {
    for (const token of ['nonsense', 'abcdef.0123456789abcdef'])
      expect((await call('GET', '/version', { token })).status, token).toBe(401)
  })

  it('bootstrap tokens: valid → system:bootstrap:<id>; expired, wrong secret, or without the authentication usage → 401', async () => {
    const secret = (id: string, data: Record<string, string>) =>
      call('POST', '/api/v1/namespaces/kube-system/secrets', {
        user: 'super',
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
          type: 'bootstrap.kubernetes.io/token',
          stringData: { 'token-id': id, 'token-secret': '0123456789abcdef', ...data },
        },
      })
    expect(
      (
        await secret('aaaaaa', {
          'usage-bootstrap-authentication': 'true',
          'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
        })
      ).status,
    ).toBe(201)
    expect(
      (await secret('bbbbbb', { 'usage-bootstrap-authentication': 'true', expiration: '2020-01-01T00:00:00Z' })).status,
    ).toBe(201)
    expect((await secret('cccccc', { 'usage-bootstrap-signing': 'true' })).status).toBe(201)
    const who = (token: string) =>
      call('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
        token,
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      })
    await waitUntil(async () => (await who('aaaaaa.0123456789abcdef')).status === 201, {
      timeoutMs: 5000,
      what: 'token known',
    })
    const ok = await who('aaaaaa.0123456789abcdef')
    expect(ok.body.status.userInfo).toEqual({
      username: 'system:bootstrap:aaaaaa',
      groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
    })
    expect((await who('aaaaaa.0123456789abcdeX')).status).toBe(401)
    expect((await who('bbbbbb.0123456789abcdef')).status).toBe(401)
    expect((await who('cccccc.0123456789abcdef')).status).toBe(401)
    // and a bootstrap identity may not read nodes
    const r = await call('GET', '/api/v1/nodes', { token: 'aaaaaa.0123456789abcdef' })
    expect(r.status).toBe(403)
    expect(r.body.message).toContain('User "system:bootstrap:aaaaaa" cannot list resource "nodes"')
  })
})

describe('authorization', () => {
  it('admin.conf (kubeadm:cluster-admins) is Forbidden until the kubeadm:cluster-admins binding exists', async () => {
    const before = await kubectl(confs.admin!, ['get', 'nodes'])
    expect(before.code).toBe(1)
    expect(before.stderr).toContain(
      'nodes is forbidden: User "kubernetes-admin" cannot list resource "nodes" in API group "" at the cluster scope',
    )
    expect((await kubectl(confs.admin!, ['auth', 'can-i', 'list', 'nodes'])).stdout.trim()).toBe('no')
    expect((await kubectl(confs.super!, ['auth', 'can-i', 'list', 'nodes'])).stdout.trim()).toBe('yes')
    // what kubeadm init does with super-admin.conf (applied as JSON: kubectl's `create
    // clusterrolebinding` sends protobuf, which the stand-in does not read)
    const crb = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'kubeadm:cluster-admins' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'kubeadm:cluster-admins' }],
    }
    const b = await kubectl(confs.super!, ['apply', '-f', '-'], JSON.stringify(crb))
    expect(b.code, b.stderr).toBe(0)
    await waitUntil(async () => (await kubectl(confs.admin!, ['get', 'nodes'])).code === 0, {
      timeoutMs: 5000,
      what: 'admin allowed',
    })
    expect((await kubectl(confs.admin!, ['auth', 'can-i', '*', '*'])).stdout.trim()).toBe('yes')
  })

  it('a node registers itself, updates its status and lease, and is refused other nodes and restricted labels', async () => {
    let r = await call('POST', '/api/v1/nodes', { user: 'n1', body: node('n1') })
    expect(r.status, r.text).toBe(201)
    stopBeats.push(kubelet('n1'))
    r = await call('POST', '/api/v1/nodes', { user: 'n2', body: node('n2') })
    expect(r.status, r.text).toBe(201)
    stopBeats.push(kubelet('n2'))
    // another node
    r = await call('PATCH', '/api/v1/nodes/n2', {
      user: 'n1',
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { x: 'y' } } },
    })
    expect(r.status).toBe(403)
    expect(r.body.message).toBe('nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"')
    r = await call('POST', '/api/v1/nodes', { user: 'n1', body: node('n3') })
    expect(r.status).toBe(403)
    expect(r.body.message).toBe('nodes "n3" is forbidden: node "n1" is not allowed to modify node "n3"')
    // its own node, but a label kubelets may not set
    r = await call('PATCH', '/api/v1/nodes/n1', {
      user: 'n1',
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } },
    })
    expect(r.status).toBe(403)
    expect(r.body.message).toBe(
      'nodes "n1" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/control-plane',
    )
    // nor its own taints
    r = await call('PATCH', '/api/v1/nodes/n1', {
      user: 'n1',
      contentType: 'application/merge-patch+json',
      body: { spec: { taints: [{ key: 'x', effect: 'NoSchedule' }] } },
    })
    expect(r.status).toBe(403)
    expect(r.body.message).toBe('nodes "n1" is forbidden: node "n1" is not allowed to modify taints')
    // registering with a restricted label
    r = await call('POST', '/api/v1/nodes', {
      user: 'n3',
      body: { ...node('n3'), metadata: { name: 'n3', labels: { 'node-role.kubernetes.io/worker': '' } } },
    })
    expect(r.status).toBe(403)
    expect(r.body.message).toBe(
      'nodes "n3" is forbidden: node "n3" is not allowed to set the following labels: node-role.kubernetes.io/worker',
    )
    // pods: only mirror pods, bound to itself
    r = await call('POST', '/api/v1/namespaces/default/pods', {
      user: 'n1',
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] },
      },
    })
    expect(r.status).toBe(403)
    expect(r.body.message).toBe(
      'pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
    )
    r = await call('PATCH', '/api/v1/nodes/n1', {
      user: 'n1',
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { 'example.com/rack': 'a' } } },
    })
    expect(r.status).toBe(200)
    // leases: own yes, other no
    const lease = (name: string) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: 'kube-node-lease' },
      spec: {
        holderIdentity: name,
        leaseDurationSeconds: 40,
        renewTime: new Date().toISOString().replace('Z', '000Z'),
      },
    })
    expect(
      (
        await call('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
          user: 'n1',
          body: lease('n1'),
        })
      ).status,
    ).toBe(201)
    r = await call('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2', { user: 'n1' })
    expect(r.status).toBe(403)
    expect(r.body.message).toBe(
      'leases.coordination.k8s.io "n2" is forbidden: User "system:node:n1" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node',
    )
    // secrets are only readable when a pod on the node uses them
    r = await call('GET', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-aaaaaa', { user: 'n1' })
    expect(r.status).toBe(403)
    expect(r.body.message).toContain("no relationship found between node 'n1' and this object")
  })
})

describe('kubectl against the stand-in', () => {
  it('get nodes -o wide and -o json', async () => {
    const r = await kubectl(confs.admin!, ['get', 'nodes', '-o', 'wide'])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toMatch(
      /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME$/,
    )
    expect(lines[1]).toMatch(
      /^n1\s+Ready\s+<none>\s+\S+\s+v1\.32\.4\s+10\.84\.0\.11\s+<none>\s+Debian GNU\/Linux 12 \(bookworm\)\s+6\.1\.0-sim\s+containerd:\/\/1\.7\.24$/,
    )
    const j = await kubectl(confs.admin!, ['get', 'nodes', '-o', 'json'])
    const list = JSON.parse(j.stdout)
    expect(list.kind).toBe('List')
    expect(list.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(['n1', 'n2'])
    expect(list.items[0].metadata.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect(Number(list.items[0].metadata.resourceVersion)).toBeGreaterThan(0)
  })

  it('wait --for=condition=Ready (list, then a watch whose headers come at once)', async () => {
    const r = await kubectl(confs.admin!, ['wait', '--for=condition=Ready', 'node/n1', '--timeout=10s'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe('node/n1 condition met')
  })

  it('label, taint (add, remove), cordon and uncordon', async () => {
    const k = (...a: string[]) => kubectl(confs.admin!, a)
    expect((await k('label', 'nodes', 'n1', 'node-role.kubernetes.io/control-plane=')).code).toBe(0)
    expect((await k('taint', 'nodes', 'n1', 'dedicated=infra:NoSchedule')).stdout).toContain('node/n1 tainted')
    expect((await k('taint', 'nodes', 'n1', 'other=x:PreferNoSchedule')).code).toBe(0)
    let taints = JSON.parse((await k('get', 'node', 'n1', '-o', 'jsonpath={.spec.taints}')).stdout)
    // kubectl puts the new taint first and sends the whole list
    expect(taints).toEqual([
      { key: 'other', value: 'x', effect: 'PreferNoSchedule' },
      { key: 'dedicated', value: 'infra', effect: 'NoSchedule' },
    ])
    const dup = await k('taint', 'nodes', 'n1', 'dedicated=infra:NoSchedule')
    expect(dup.code).toBe(1)
    expect(dup.stderr).toContain('already has dedicated taint(s) with same effect(s)')
    expect((await k('taint', 'nodes', 'n1', 'other:PreferNoSchedule-')).stdout).toContain('node/n1 untainted')
    taints = JSON.parse((await k('get', 'node', 'n1', '-o', 'jsonpath={.spec.taints}')).stdout)
    expect(taints).toEqual([{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }])
    expect((await k('cordon', 'n1')).stdout).toContain('node/n1 cordoned')
    let nodes = (await k('get', 'nodes')).stdout
    expect(nodes).toMatch(/\nn1\s+Ready,SchedulingDisabled\s+control-plane\s/)
    expect((await k('uncordon', 'n1')).stdout).toContain('node/n1 uncordoned')
    nodes = (await k('get', 'nodes')).stdout
    expect(nodes).toMatch(/\nn1\s+Ready\s+control-plane\s/)
  })

  it('apply -f of a flannel-style manifest, then one DaemonSet pod per tolerating node (controller-manager)', async () => {
    const manifest = fs.readFileSync(new URL('./apiserver-fixtures/flannel.yaml', import.meta.url), 'utf8')
    const r = await kubectl(confs.admin!, ['apply', '-f', '-'], manifest)
    expect(r.code, r.stderr).toBe(0)
    for (const line of [
      'namespace/kube-flannel created',
      'serviceaccount/flannel created',
      'clusterrole.rbac.authorization.k8s.io/flannel created',
      'clusterrolebinding.rbac.authorization.k8s.io/flannel created',
      'configmap/kube-flannel-cfg created',
      'daemonset.apps/kube-flannel-ds created',
    ])
      expect(r.stdout).toContain(line)
    const again = await kubectl(confs.admin!, ['apply', '-f', '-'], manifest)
    expect(again.stdout).toContain('daemonset.apps/kube-flannel-ds unchanged')
    // flannel tolerates NoSchedule: both nodes (n1 is tainted dedicated=infra:NoSchedule)
    await waitUntil(
      async () => {
        const pods = JSON.parse(
          (await kubectl(confs.admin!, ['get', 'pods', '-n', 'kube-flannel', '-o', 'json'])).stdout,
        ).items
        return pods.length === 2
      },
      { timeoutMs: 15_000, what: 'two flannel pods' },
    )
    const pods = JSON.parse(
      (await kubectl(confs.admin!, ['get', 'pods', '-n', 'kube-flannel', '-o', 'json'])).stdout,
    ).items
    const ds = JSON.parse(
      (await kubectl(confs.admin!, ['get', 'ds', '-n', 'kube-flannel', 'kube-flannel-ds', '-o', 'json'])).stdout,
    )
    expect(pods.map((p: { spec: { nodeName: string } }) => p.spec.nodeName).sort()).toEqual(['n1', 'n2'])
    for (const p of pods)
      expect(p.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          name: 'kube-flannel-ds',
          uid: ds.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ])
    const rollout = await kubectl(confs.admin!, [
      'rollout',
      'status',
      'ds/kube-flannel-ds',
      '-n',
      'kube-flannel',
      '--timeout=20s',
    ])
    expect(rollout.code, rollout.stderr).toBe(0)
    expect(rollout.stdout).toContain('daemon set "kube-flannel-ds" successfully rolled out')
    // a DaemonSet without tolerations skips the tainted node
    const plain = manifest
      .split('---')
      .find((d) => d.includes('kind: DaemonSet'))!
      .replace(/kube-flannel-ds/g, 'plain-ds')
      .replace(/ {6}tolerations:\n(?: {8}.*\n)+/, '')
    expect(plain).not.toContain('tolerations')
    expect((await kubectl(confs.admin!, ['apply', '-f', '-'], plain)).code).toBe(0)
    await waitUntil(
      async () =>
        JSON.parse((await kubectl(confs.admin!, ['get', 'ds', '-n', 'kube-flannel', 'plain-ds', '-o', 'json'])).stdout)
          .status?.desiredNumberScheduled === 1,
      { timeoutMs: 15_000, what: 'plain-ds status' },
    )
    const plainPods = JSON.parse(
      (await kubectl(confs.admin!, ['get', 'pods', '-n', 'kube-flannel', '-l', 'app=flannel', '-o', 'json'])).stdout,
    ).items.filter(
      (p: { metadata: { ownerReferences: Array<{ name: string }> } }) =>
        p.metadata.ownerReferences[0]!.name === 'plain-ds',
    )
    expect(plainPods.map((p: { spec: { nodeName: string } }) => p.spec.nodeName)).toEqual(['n2'])
    // and deleting the DaemonSet removes its pods
    expect((await kubectl(confs.admin!, ['delete', 'ds', '-n', 'kube-flannel', 'plain-ds'])).code).toBe(0)
    await waitUntil(
      async () =>
        JSON.parse((await kubectl(confs.admin!, ['get', 'pods', '-n', 'kube-flannel', '-o', 'json'])).stdout).items
          .length === 2,
      {
        timeoutMs: 15_000,
        what: 'plain-ds pods gone',
      },
    )
  })

  it('a Deployment rolls out through a ReplicaSet (controller-manager) and pods the scheduler binds', async () => {
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } },
      },
    }
    expect((await kubectl(confs.admin!, ['apply', '-f', '-'], JSON.stringify(deploy))).code).toBe(0)
    let r = await kubectl(confs.admin!, ['rollout', 'status', 'deploy/web', '--timeout=30s'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('deployment "web" successfully rolled out')
    const rs = JSON.parse((await kubectl(confs.admin!, ['get', 'rs', '-l', 'app=web', '-o', 'json'])).stdout).items
    expect(rs).toHaveLength(1)
    expect(rs[0].metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: 'web', controller: true })
    const pods = JSON.parse((await kubectl(confs.admin!, ['get', 'pods', '-l', 'app=web', '-o', 'json'])).stdout).items
    expect(pods.map((p: { spec: { nodeName: string } }) => p.spec.nodeName)).toEqual(['n2', 'n2']) // n1 is tainted
    r = await kubectl(confs.admin!, ['get', 'deploy', 'web'])
    expect(r.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+2\/2\s+2\s+2\s+\S+\n$/)
    // a new template: a second ReplicaSet, the first scaled to 0
    expect((await kubectl(confs.admin!, ['set', 'image', 'deploy/web', 'c=nginx:1.28'])).code).toBe(0)
    r = await kubectl(confs.admin!, ['rollout', 'status', 'deploy/web', '--timeout=30s'])
    expect(r.code, r.stderr).toBe(0)
    const after = JSON.parse((await kubectl(confs.admin!, ['get', 'rs', '-l', 'app=web', '-o', 'json'])).stdout).items
    expect(after.map((x: { spec: { replicas: number } }) => x.spec.replicas).sort()).toEqual([0, 2])
    // deleting the Deployment removes its ReplicaSets and pods
    expect((await kubectl(confs.admin!, ['delete', 'deploy', 'web'])).code).toBe(0)
    await waitUntil(
      async () =>
        JSON.parse((await kubectl(confs.admin!, ['get', 'pods,rs', '-l', 'app=web', '-o', 'json'])).stdout).items
          .length === 0,
      { timeoutMs: 20_000, what: 'web pods and replica sets gone' },
    )
  })

  it('get pods -A -o wide', async () => {
    await waitUntil(
      async () =>
        /1\/1\s+Running[^\n]*\sn1\s/.test((await kubectl(confs.admin!, ['get', 'pods', '-A', '-o', 'wide'])).stdout),
      {
        timeoutMs: 10_000,
        what: 'flannel pod on n1 running',
      },
    )
    const r = await kubectl(confs.admin!, ['get', 'pods', '-A', '-o', 'wide'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(
      /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n/,
    )
    expect(r.stdout).toMatch(
      /\nkube-flannel\s+kube-flannel-ds-\S+\s+1\/1\s+Running\s+0\s+\S+\s+10\.84\.0\.11\s+n1\s+<none>\s+<none>/,
    )
  })

  it('drain refuses a bare pod without --force (kubectl’s message), evicts with it, leaves DaemonSet pods', async () => {
    const bare = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'bare', namespace: 'default' },
      spec: { nodeName: 'n2', containers: [{ name: 'c', image: 'nginx' }] },
    }
    expect((await kubectl(confs.admin!, ['create', '-f', '-'], JSON.stringify(bare))).code).toBe(0)
    let r = await kubectl(confs.admin!, [
      'drain',
      'n2',
      '--ignore-daemonsets',
      '--delete-emptydir-data',
      '--timeout=20s',
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('cannot delete Pods that declare no controller (use --force to override): default/bare')
    r = await kubectl(confs.admin!, [
      'drain',
      'n2',
      '--ignore-daemonsets',
      '--delete-emptydir-data',
      '--force',
      '--timeout=20s',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('pod/bare evicted')
    expect(r.stdout).toContain('node/n2 drained')
    expect((await call('GET', '/api/v1/namespaces/default/pods/bare', { user: 'admin' })).status).toBe(404)
    const ds = JSON.parse(
      (
        await kubectl(confs.admin!, [
          'get',
          'pods',
          '-n',
          'kube-flannel',
          '--field-selector=spec.nodeName=n2',
          '-o',
          'json',
        ])
      ).stdout,
    )
    expect(ds.items).toHaveLength(1)
    expect((await kubectl(confs.admin!, ['uncordon', 'n2'])).code).toBe(0)
  })
})

describe('API semantics', () => {
  it('conflicts on a stale resourceVersion, AlreadyExists on a duplicate', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1', namespace: 'default' }, data: { a: '1' } }
    const created = await call('POST', '/api/v1/namespaces/default/configmaps', { user: 'admin', body: cm })
    expect(created.status).toBe(201)
    const dup = await call('POST', '/api/v1/namespaces/default/configmaps', { user: 'admin', body: cm })
    expect(dup.status).toBe(409)
    expect(dup.body).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "c1" already exists' })
    const stale = created.body.metadata.resourceVersion
    const upd = await call('PUT', '/api/v1/namespaces/default/configmaps/c1', {
      user: 'admin',
      body: { ...created.body, data: { a: '2' } },
    })
    expect(upd.status).toBe(200)
    const again = await call('PUT', '/api/v1/namespaces/default/configmaps/c1', {
      user: 'admin',
      body: { ...created.body, metadata: { ...created.body.metadata, resourceVersion: stale }, data: { a: '3' } },
    })
    expect(again.status).toBe(409)
    expect(again.body.message).toBe(
      'Operation cannot be fulfilled on configmaps "c1": the object has been modified; please apply your changes to the latest version and try again',
    )
    expect((await call('GET', '/api/v1/namespaces/nope/configmaps/c1', { user: 'admin' })).status).toBe(404)
    const inMissingNs = await call('POST', '/api/v1/namespaces/nope/configmaps', {
      user: 'admin',
      body: { ...cm, metadata: { name: 'c2' } },
    })
    expect(inMissingNs.status).toBe(404)
    expect(inMissingNs.body.message).toBe('namespaces "nope" not found')
  })

  it('validates names (RFC 1123 subdomain for most kinds)', async () => {
    const r = await call('POST', '/api/v1/namespaces/default/configmaps', {
      user: 'admin',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } },
    })
    expect(r.status).toBe(422)
    expect(r.body.reason).toBe('Invalid')
    expect(r.body.message).toContain(
      'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain',
    )
  })

  it('deletes a pod bound to a node gracefully: Terminating until its kubelet removes it (or --force --grace-period=0)', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'ghosted', namespace: 'default' },
      spec: { nodeName: 'ghost', containers: [{ name: 'c', image: 'nginx' }] },
    }
    expect((await call('POST', '/api/v1/namespaces/default/pods', { user: 'admin', body: pod })).status).toBe(201)
    const d = await call('DELETE', '/api/v1/namespaces/default/pods/ghosted', { user: 'admin' })
    expect(d.status).toBe(200)
    expect(d.body.metadata.deletionGracePeriodSeconds).toBe(30)
    const still = await kubectl(confs.admin!, ['get', 'pod', 'ghosted'])
    expect(still.stdout).toMatch(/\nghosted\s+0\/1\s+Terminating\s/)
    const f = await kubectl(confs.admin!, ['delete', 'pod', 'ghosted', '--force', '--grace-period=0'])
    expect(f.code, f.stderr).toBe(0)
    expect((await call('GET', '/api/v1/namespaces/default/pods/ghosted', { user: 'admin' })).status).toBe(404)
  })

  it('field validation: kubectl (Strict) gets the strict decoding error; Warn drops the field with a warning', async () => {
    const bad =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\n  namespace: default\n  lables: {a: b}\ndta: {x: "1"}\n'
    const strict = await kubectl(confs.admin!, ['apply', '-f', '-'], bad)
    expect(strict.code).toBe(1)
    expect(strict.stderr).toContain(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "dta", unknown field "metadata.lables"',
    )
    const ds = fs.readFileSync(new URL('./apiserver-fixtures/flannel.yaml', import.meta.url), 'utf8')
    const typo = ds
      .split('---')
      .find((d) => d.includes('kind: DaemonSet'))!
      .replace('hostNetwork: true', 'hostNetwrok: true')
    const r = await kubectl(confs.admin!, ['apply', '-f', '-'], typo)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('strict decoding error: unknown field "spec.template.spec.hostNetwrok"')
    const warn = await kubectl(confs.admin!, ['apply', '--validate=warn', '-f', '-'], bad)
    expect(warn.code, warn.stderr).toBe(0)
    expect(warn.stderr).toContain('Warning: unknown field "dta"')
    const cm = JSON.parse((await kubectl(confs.admin!, ['get', 'cm', 'typo', '-o', 'json'])).stdout)
    expect(cm.dta).toBeUndefined()
    expect(cm.metadata.lables).toBeUndefined()
  })

  it('refuses server-side apply without force (not simulated), an unknown patch type (415) and unsupported field selectors (400)', async () => {
    // server-side apply itself: apiserver-crd.test.ts
    const r = await call('PATCH', '/api/v1/nodes/n1?fieldManager=x', {
      user: 'admin',
      contentType: 'application/apply-patch+yaml',
      body: 'apiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {a: b}}',
    })
    expect(r.status).toBe(500)
    expect(r.body.message).toContain('flotilla-sim: server-side apply without force=true')
    const t = await call('PATCH', '/api/v1/nodes/n1', { user: 'admin', contentType: 'text/plain', body: 'x' })
    expect(t.status).toBe(415)
    expect(t.body.reason).toBe('UnsupportedMediaType')
    expect(t.body.message).toContain(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
    )
    const f = await call('GET', '/api/v1/nodes?fieldSelector=spec.podCIDR%3Dx', { user: 'admin' })
    expect(f.status).toBe(400)
    expect(f.body.message).toBe('field label not supported: spec.podCIDR')
  })

  it('strategic merge replaces spec.taints (no merge key upstream) and merges status.conditions by type', async () => {
    const path = '/api/v1/nodes/n2'
    const sm = 'application/strategic-merge-patch+json'
    await call('PATCH', path, {
      user: 'admin',
      contentType: sm,
      body: {
        spec: {
          taints: [
            { key: 'a', effect: 'NoSchedule' },
            { key: 'b', effect: 'NoSchedule' },
          ],
        },
      },
    })
    let r = await call('PATCH', path, {
      user: 'admin',
      contentType: sm,
      body: { spec: { taints: [{ key: 'c', effect: 'NoSchedule' }] } },
    })
    expect(r.body.spec.taints).toEqual([{ key: 'c', effect: 'NoSchedule' }])
    r = await call('PATCH', `${path}/status`, {
      user: 'n2',
      contentType: sm,
      body: { status: { conditions: [{ type: 'MemoryPressure', status: 'False' }] } },
    })
    expect(r.body.status.conditions.map((c: { type: string }) => c.type).sort()).toEqual(['MemoryPressure', 'Ready'])
    // taint validation (upstream validateNodeTaints)
    r = await call('PATCH', path, {
      user: 'admin',
      contentType: sm,
      body: {
        spec: {
          taints: [
            { key: 'a', effect: 'Bogus' },
            { key: 'c', effect: 'NoSchedule' },
            { key: 'c', effect: 'NoSchedule' },
          ],
        },
      },
    })
    expect(r.status).toBe(422)
    expect(r.body.message).toBe(
      'Node "n2" is invalid: [spec.taints[0].effect: Unsupported value: "Bogus": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute", spec.taints[2]: Duplicate value: core.Taint{Key:"c", Value:"", Effect:"NoSchedule", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair]',
    )
    // label validation
    r = await call('PATCH', path, {
      user: 'admin',
      contentType: sm,
      body: { metadata: { labels: { 'bad/x/y': 'v' } } },
    })
    expect(r.status).toBe(422)
    expect(r.body.message).toContain(
      'Node "n2" is invalid: metadata.labels: Invalid value: "bad/x/y": a qualified name must consist of',
    )
    r = await call('PATCH', path, {
      user: 'admin',
      contentType: 'application/json-patch+json',
      body: [{ op: 'remove', path: '/spec/taints' }],
    })
    expect(r.status).toBe(200)
    expect(r.body.spec.taints).toBeUndefined()
    r = await call('PATCH', path, {
      user: 'admin',
      contentType: 'application/json-patch+json',
      body: [{ op: 'test', path: '/metadata/name', value: 'zz' }],
    })
    expect(r.status).toBe(422)
  })

  it('two API servers on one etcd: writes through one are read and watched through the other', async () => {
    const events: string[] = []
    const kc = new k8s.KubeConfig()
    kc.loadFromFile(confs.super!)
    const watch = new k8s.Watch(kc)
    const req = await watch.watch(
      '/api/v1/nodes',
      {},
      (type, obj: k8s.V1Node) => events.push(`${type} ${obj.metadata?.name} ${obj.metadata?.labels?.['via'] ?? ''}`),
      () => {},
    )
    const r = await kubectl(confs.superB!, ['label', 'nodes', 'n2', 'via=b'])
    expect(r.code, r.stderr).toBe(0)
    await waitUntil(async () => events.includes('MODIFIED n2 b'), { timeoutMs: 10_000, what: 'watch event through A' })
    req.abort()
    expect((await call('GET', '/api/v1/nodes/n2', { user: 'super' })).body.metadata.labels.via).toBe('b')
  })
})

describe('@kubernetes/client-node', () => {
  it('listNode, readNode, patchNode (strategic merge), Watch', async () => {
    const kc = new k8s.KubeConfig()
    kc.loadFromFile(confs.admin!)
    const core = kc.makeApiClient(k8s.CoreV1Api)
    const list = await core.listNode()
    expect(list.items.map((n) => n.metadata?.name)).toEqual(['n1', 'n2'])
    const n1 = await core.readNode({ name: 'n1' })
    expect(n1.status?.nodeInfo?.kubeletVersion).toBe('v1.32.4')
    const patched = await core.patchNode(
      { name: 'n1', body: { metadata: { labels: { 'client-node': 'yes' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    )
    expect(patched.metadata?.labels?.['client-node']).toBe('yes')
    const seen: string[] = []
    const req = await new k8s.Watch(kc).watch(
      '/api/v1/nodes',
      { resourceVersion: patched.metadata?.resourceVersion },
      (type, obj: k8s.V1Node) => seen.push(`${type} ${obj.metadata?.name} ${obj.metadata?.labels?.['client-node']}`),
      () => {},
    )
    await core.patchNode(
      { name: 'n1', body: { metadata: { labels: { 'client-node': 'again' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )
    await waitUntil(async () => seen.includes('MODIFIED n1 again'), {
      timeoutMs: 10_000,
      what: 'client-node watch event',
    })
    req.abort()
    await expect(core.readNode({ name: 'nope' })).rejects.toMatchObject({ code: 404 })
    // drain as a program would do it: list the node's pods, evict, wait for the kubelet to remove it
    await core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: 'evictme' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] } },
    })
    const onNode = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=n1' })
    expect(onNode.items.map((p) => p.metadata?.name)).toContain('evictme')
    await core.createNamespacedPodEviction({
      name: 'evictme',
      namespace: 'default',
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evictme', namespace: 'default' } },
    })
    await waitUntil(
      async () =>
        core.readNamespacedPod({ name: 'evictme', namespace: 'default' }).then(
          () => false,
          (e: { code?: number }) => e.code === 404,
        ),
      { timeoutMs: 10_000, what: 'evicted pod gone' },
    )
  })
})

describe('scheduler', () => {
  it('serves /healthz over HTTPS (like the controller-manager) and binds pods to a node whose taints they tolerate (started with the suite)', async () => {
    const healthz = (port: number) =>
      new Promise<string>((resolve, reject) =>
        https
          .get({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false }, (res) => {
            let t = ''
            res.on('data', (c) => (t += c))
            res.on('end', () => resolve(`${res.statusCode} ${t}`))
          })
          .on('error', reject),
      )
    await waitUntil(async () => (await healthz(27259).catch(() => '')) === '200 ok', {
      timeoutMs: 15_000,
      what: 'scheduler healthz',
    })
    expect(await healthz(27257)).toBe('200 ok')
    // n1 carries dedicated=infra:NoSchedule, n2 nothing
    const pod = (name: string, spec: Record<string, unknown> = {}) =>
      call('POST', '/api/v1/namespaces/default/pods', {
        user: 'admin',
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name },
          spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
        },
      })
    expect((await pod('sched-plain')).status).toBe(201)
    expect((await pod('sched-nowhere', { nodeSelector: { disk: 'ssd' } })).status).toBe(201)
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] },
          ],
        },
      },
    }
    const tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }]
    expect(
      (await pod('sched-n1', { affinity, tolerations, priorityClassName: 'system-cluster-critical' })).status,
    ).toBe(201)
    const unknownClass = await pod('sched-badclass', { priorityClassName: 'gold' })
    expect(unknownClass.status).toBe(403)
    expect(unknownClass.body.message).toBe(
      'pods "sched-badclass" is forbidden: no PriorityClass with name gold was found',
    )
    const get = async (name: string) =>
      (await call('GET', `/api/v1/namespaces/default/pods/${name}`, { user: 'admin' })).body
    await waitUntil(async () => (await get('sched-plain')).spec.nodeName === 'n2', {
      timeoutMs: 15_000,
      what: 'pod bound to n2',
    })
    await waitUntil(async () => (await get('sched-n1')).spec.nodeName === 'n1', {
      timeoutMs: 15_000,
      what: 'pod bound to n1',
    })
    expect((await get('sched-n1')).spec.priority).toBe(2000000000)
    await waitUntil(async () => Boolean((await get('sched-nowhere')).status.conditions?.length), {
      timeoutMs: 15_000,
      what: 'unschedulable condition',
    })
    const cond = (await get('sched-nowhere')).status.conditions[0]
    expect(cond).toMatchObject({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' })
    expect(cond.message).toBe(
      "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: infra}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    )
    expect((await get('sched-nowhere')).spec.nodeName).toBeUndefined()
    for (const name of ['sched-plain', 'sched-nowhere', 'sched-n1'])
      await call('DELETE', `/api/v1/namespaces/default/pods/${name}`, {
        user: 'admin',
        body: { gracePeriodSeconds: 0 },
      })
  })
})

describe('controller-manager', () => {
  it('signs a kubelet client CSR from a bootstrap token (nodeclient), not one for another signer or with wrong usages', async () => {
    const binding = (name: string, role: string, group: string) =>
      call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
        user: 'admin',
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
        },
      })
    const group = 'system:bootstrappers:kubeadm:default-node-token'
    expect((await binding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', group)).status).toBe(201)
    expect(
      (
        await binding(
          'kubeadm:node-autoapprove-bootstrap',
          'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
          group,
        )
      ).status,
    ).toBe(201)
    expect(
      (
        await binding(
          'kubeadm:node-autoapprove-certificate-rotation',
          'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
          'system:nodes',
        )
      ).status,
    ).toBe(201)
    const csrPem = (name: string, subj: string) => {
      spawnSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${dir}/${name}.key`])
      return spawnSync('openssl', ['req', '-new', '-key', `${dir}/${name}.key`, '-subj', subj], { encoding: 'utf8' })
        .stdout
    }
    const submit = (
      name: string,
      pem: string,
      opts: { signer?: string; usages?: string[]; token?: string; user?: string },
    ) =>
      call('POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', {
        ...(opts.user ? { user: opts.user } : { token: opts.token ?? 'aaaaaa.0123456789abcdef' }),
        body: {
          apiVersion: 'certificates.k8s.io/v1',
          kind: 'CertificateSigningRequest',
          metadata: { name },
          spec: {
            request: Buffer.from(pem).toString('base64'),
            signerName: opts.signer ?? 'kubernetes.io/kube-apiserver-client-kubelet',
            usages: opts.usages ?? ['digital signature', 'client auth'],
          },
        },
      })
    const node3 = csrPem('n3', '/O=system:nodes/CN=system:node:n3')
    expect((await submit('bad-usages', node3, { usages: ['digital signature', 'server auth'] })).status).toBe(201)
    expect((await submit('other-signer', node3, { signer: 'kubernetes.io/kube-apiserver-client' })).status).toBe(201)
    expect((await submit('wrong-org', csrPem('x', '/O=system:masters/CN=system:node:n3'), {})).status).toBe(201)
    // the kubelet's CSR names are base64url (upper case, '_'): path-segment names, as upstream
    const good = await submit('node-csr-rjrsJeGe3Ia2pmU48xVrXqzZcRazZRnYXa_ReZrWcjo', node3, {})
    expect(good.status, good.text).toBe(201)
    expect(good.body.spec.username).toBe('system:bootstrap:aaaaaa')
    const get = async (name: string) =>
      (await call('GET', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`, { user: 'admin' })).body
    await waitUntil(
      async () => Boolean((await get('node-csr-rjrsJeGe3Ia2pmU48xVrXqzZcRazZRnYXa_ReZrWcjo')).status?.certificate),
      {
        timeoutMs: 15_000,
        what: 'CSR signed',
      },
    )
    const csr = await get('node-csr-rjrsJeGe3Ia2pmU48xVrXqzZcRazZRnYXa_ReZrWcjo')
    expect(csr.status.conditions[0]).toMatchObject({
      type: 'Approved',
      reason: 'AutoApproved',
      message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
    })
    const crt = `${dir}/n3.crt`
    fs.writeFileSync(crt, Buffer.from(csr.status.certificate, 'base64'))
    const verify = spawnSync('openssl', ['verify', '-CAfile', ca.crt, crt], { encoding: 'utf8' })
    expect(verify.stdout.trim()).toBe(`${crt}: OK`)
    const text = spawnSync('openssl', ['x509', '-in', crt, '-noout', '-subject', '-ext', 'extendedKeyUsage'], {
      encoding: 'utf8',
    }).stdout
    expect(text).toContain('O = system:nodes, CN = system:node:n3')
    expect(text).toContain('TLS Web Client Authentication')
    for (const name of ['bad-usages', 'other-signer', 'wrong-org'])
      expect((await get(name)).status?.conditions, name).toBeUndefined()
    // a node renewing its own identity (selfnodeclient)
    const self = await submit('node-csr-n1-renew', csrPem('n1r', '/O=system:nodes/CN=system:node:n1'), { user: 'n1' })
    expect(self.status).toBe(201)
    await waitUntil(async () => Boolean((await get('node-csr-n1-renew')).status?.certificate), {
      timeoutMs: 15_000,
      what: 'renewal signed',
    })
    expect((await get('node-csr-n1-renew')).status.conditions[0].message).toBe(
      'Auto approving self kubelet client certificate after SubjectAccessReview.',
    )
    // a node may not get another node's identity through selfnodeclient… nor nodeclient (not bound for system:nodes)
    expect(
      (await submit('node-csr-n2-by-n1', csrPem('n2x', '/O=system:nodes/CN=system:node:n2'), { user: 'n1' })).status,
    ).toBe(201)
    // A later, approvable CSR signed means the approver has passed over the earlier one too.
    expect(
      (await submit('node-csr-n1-renew2', csrPem('n1r2', '/O=system:nodes/CN=system:node:n1'), { user: 'n1' })).status,
    ).toBe(201)
    await waitUntil(async () => Boolean((await get('node-csr-n1-renew2')).status?.certificate), {
      timeoutMs: 15_000,
      what: 'second renewal signed',
    })
    expect((await get('node-csr-n2-by-n1')).status?.conditions).toBeUndefined()
  })

  it('bootstrapsigner signs cluster-info with a detached HS256 JWS per signing token; tokencleaner deletes expired tokens', async () => {
    const kubeconfigText = fs.readFileSync(confs.anonymous!, 'utf8')
    const r = await call('POST', '/api/v1/namespaces/kube-public/configmaps', {
      user: 'admin',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cluster-info', namespace: 'kube-public' },
        data: { kubeconfig: kubeconfigText },
      },
    })
    expect(r.status).toBe(201)
    // token cccccc has usage-bootstrap-signing; aaaaaa has not
    let cm: { data: Record<string, string> } | undefined
    await waitUntil(
      async () => {
        cm = (await call('GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info', { user: 'admin' })).body
        return Boolean(cm?.data['jws-kubeconfig-cccccc'])
      },
      { timeoutMs: 15_000, what: 'JWS written' },
    )
    expect(Object.keys(cm!.data).sort()).toEqual(['jws-kubeconfig-cccccc', 'kubeconfig'])
    const [header, payload, sig] = cm!.data['jws-kubeconfig-cccccc']!.split('.')
    expect(payload).toBe('')
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256', kid: 'cccccc' })
    const expected = crypto
      .createHmac('sha256', '0123456789abcdef')
      .update(`${header}.${Buffer.from(kubeconfigText).toString('base64url')}`)
      .digest('base64url')
    expect(sig).toBe(expected)
    // anonymous can read cluster-info only if bound (kubeadm binds it); the expired token is gone
    await waitUntil(
      async () =>
        (await call('GET', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-bbbbbb', { user: 'admin' }))
          .status === 404,
      {
        timeoutMs: 15_000,
        what: 'expired token deleted',
      },
    )
    expect(
      (await call('GET', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-aaaaaa', { user: 'admin' })).status,
    ).toBe(200)
  })

  it('marks a node that stops heartbeating Unknown with the unreachable taints', async () => {
    stopBeats.forEach((s) => s()) // both nodes go silent; n2 is the one we look at
    await waitUntil(
      async () => {
        const n = (await call('GET', '/api/v1/nodes/n2', { user: 'admin' })).body
        return (
          n.status.conditions.find((c: { type: string }) => c.type === 'Ready')?.status === 'Unknown' &&
          (n.spec.taints ?? []).length === 2
        )
      },
      { timeoutMs: 30_000, what: 'n2 Unknown' },
    )
    const n = (await call('GET', '/api/v1/nodes/n2', { user: 'admin' })).body
    expect(n.status.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
    })
    expect(n.spec.taints.map((t: { key: string; effect: string }) => `${t.key}:${t.effect}`).sort()).toEqual([
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ])
    expect((await kubectl(confs.admin!, ['get', 'nodes'])).stdout).toMatch(/\nn2\s+Unknown\s/)
  })

  it('only one of two controller-managers leads (kube-system/kube-controller-manager Lease)', async () => {
    const lease = async () =>
      (
        await call('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager', {
          user: 'admin',
        })
      ).body
    const holder = (await lease()).spec.holderIdentity
    startControllerManager('kcm-2', ['--secure-port=27258'])
    await waitUntil(async () => fs.readFileSync(`${dir}/kcm-2.log`, 'utf8').includes('Serving securely'), {
      timeoutMs: 15_000,
      what: 'kcm-2 up',
    })
    // kcm-2 has tried the lock and found it held (a positive sign that it ran its election loop).
    await waitUntil(
      async () => fs.readFileSync(`${dir}/kcm-2.log`, 'utf8').includes(`lock is held by ${holder} and has not`),
      { timeoutMs: 15_000, what: 'kcm-2 tried the lease' },
    )
    expect((await lease()).spec.holderIdentity).toBe(holder)
    expect(fs.readFileSync(`${dir}/kcm-2.log`, 'utf8')).not.toContain('Started controllers')
    expect(fs.readFileSync(`${dir}/kcm-1.log`, 'utf8')).toContain('Started controllers')
  })
})

describe('compaction', () => {
  it('a watch from a compacted resourceVersion gets 410 Expired; the server keeps working after it', async () => {
    const etcdctl = (...args: string[]) =>
      spawnSync(
        'etcdctl',
        [`--endpoints=${etcd.endpoint}`, `--cacert=${etcd.ca}`, `--cert=${etcd.cert}`, `--key=${etcd.key}`, ...args],
        {
          encoding: 'utf8',
          env: { ...process.env, ETCDCTL_API: '3' },
        },
      )
    const status = JSON.parse(etcdctl('endpoint', 'status', '-w', 'json').stdout)
    const rev = status[0].Status.header.revision
    expect(etcdctl('compact', String(rev)).status).toBe(0)
    const w = await call('GET', '/api/v1/nodes?watch=true&resourceVersion=5&timeoutSeconds=2', { user: 'admin' })
    expect(w.status).toBe(200)
    const ev = JSON.parse(w.text.trim().split('\n')[0]!)
    expect(ev).toMatchObject({ type: 'ERROR', object: { kind: 'Status', reason: 'Expired', code: 410 } })
    expect(ev.object.message).toBe(`too old resource version: 5 (${rev})`)
    // writes, reads and RBAC (cache) still work
    expect((await kubectl(confs.admin!, ['label', 'nodes', 'n1', 'after=compaction'])).code).toBe(0)
    expect((await kubectl(confs.admin!, ['get', 'node', 'n1', '-o', 'jsonpath={.metadata.labels.after}'])).stdout).toBe(
      'compaction',
    )
  })
})

describe('two API servers', () => {
  it('stopping one loses nothing; its address leaves the kubernetes Endpoints', async () => {
    const eps = async () =>
      (
        await call('GET', '/api/v1/namespaces/default/endpoints/kubernetes', { user: 'super' })
      ).body.subsets[0].addresses.map((a: { ip: string }) => a.ip)
    expect(await eps()).toEqual(['127.0.0.1', '127.0.0.2'])
    const b = procs[1]!
    b.kill('SIGTERM')
    await new Promise((r) => b.once('exit', r))
    expect(await eps()).toEqual(['127.0.0.1'])
    const r = await kubectl(confs.super!, ['get', 'nodes', '-o', 'name'])
    expect(r.stdout.trim().split('\n')).toEqual(['node/n1', 'node/n2'])
    expect((await call('GET', '/api/v1/nodes/n2', { user: 'super' })).body.metadata.labels.via).toBe('b')
  })
})
