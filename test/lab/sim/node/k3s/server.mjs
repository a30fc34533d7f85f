// flotilla-sim: SIMULATOR, not k3s. `k3s server`: certificates, token files, the embedded etcd
// (the machine's real etcd), the API server stand-in with the supervisor routes on :6443,
// /etc/rancher/k3s/k3s.yaml, and the server's own node (servers are nodes too).
import fs from 'node:fs'
import path from 'node:path'
import { randomBytes, createHash } from 'node:crypto'
import { log, notSimulated, VERSION, COMMIT } from './cli.mjs'
import { TokenError, parseToken, hashCA, formatToken, randomPassword } from './token.mjs'
import { PkiError, ensureCAs, ensureLeaf, tlsPaths, newKey, signLeaf } from './pki.mjs'
import { validateToken, warnings } from './join.mjs'
import { etcdPaths, isInitialized, localClient, startEtcd } from './etcd.mjs'
import { supervisorHandler, readBootstrap, writeBootstrap } from './supervisor.mjs'
import {
  DEFAULT_DATA_DIR,
  nodeIdentity,
  parseLabels,
  parseTaints,
  kubeconfigYaml,
  writeFileMode,
  nodePassword,
} from './common.mjs'
import { startApi } from './api.mjs'
import { startNode } from './node.mjs'
import { kubeClient, loadKubeconfig } from '../kube-client.mjs'
import { notifyReady } from '../sd-notify.mjs'

const FLANNEL_BACKENDS = ['vxlan', 'host-gw', 'wireguard-native', 'none']
const PREFIX = 'Error: preparing server: failed to bootstrap cluster data'

function cidr(s, flag) {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(s ?? '')
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32)
    log.fatal(`Error: invalid ${flag} ${s}: invalid CIDR address: ${s}`)
  return s
}

function firstServiceIP(serviceCIDR) {
  const [ip] = serviceCIDR.split('/')
  const o = ip.split('.').map(Number)
  o[3] += 1
  return o.join('.')
}

// The settings every server must share (k3s's "critical configuration").
function criticalConfig(f) {
  return {
    ClusterCIDR: f.clusterCIDR,
    ServiceCIDR: f.serviceCIDR,
    ClusterDomain: f.clusterDomain,
    ClusterDNS: f.clusterDNS,
    FlannelBackend: f.flannelBackend,
    Disables: [...new Set(f.disable)].sort().join(','),
    EncryptSecrets: f.secretsEncryption,
  }
}

export async function runServer(flags, args) {
  if (args.length) notSimulated(`k3s server with positional arguments ${JSON.stringify(args)}`)
  if (process.getuid() !== 0) notSimulated('k3s server as a non-root user (rootless mode)')
  for (const a of [
    'kube-apiserver-arg',
    'kube-controller-manager-arg',
    'kube-scheduler-arg',
    'etcd-arg',
    'kubelet-arg',
    'kube-proxy-arg',
  ])
    if (flags[a]?.length) notSimulated(`k3s server --${a}`)
  const dataDir = flags['data-dir'] ?? DEFAULT_DATA_DIR
  const serverDir = path.join(dataDir, 'server')
  const { tls, file } = tlsPaths(dataDir)
  const cfg = {
    clusterCIDR: cidr(flags['cluster-cidr'] ?? '10.42.0.0/16', 'cluster-cidr'),
    serviceCIDR: cidr(flags['service-cidr'] ?? '10.43.0.0/16', 'service-cidr'),
    clusterDomain: flags['cluster-domain'] ?? 'cluster.local',
    clusterDNS: flags['cluster-dns'] ?? '10.43.0.10',
    flannelBackend: flags['flannel-backend'] ?? 'vxlan',
    disable: flags.disable ?? [],
    secretsEncryption: Boolean(flags['secrets-encryption']),
  }
  if (!FLANNEL_BACKENDS.includes(cfg.flannelBackend)) log.fatal(`Error: invalid flannel backend: ${cfg.flannelBackend}`)
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(cfg.clusterDomain))
    log.fatal(`Error: invalid cluster-domain ${cfg.clusterDomain}`)
  const port = Number(flags['https-listen-port'] ?? 6443)
  const { nodeName, nodeIP } = nodeIdentity(flags)
  const labels = parseLabels(flags['node-label'])
  const taints = parseTaints(flags['node-taint'])
  const kubeconfigMode = flags['write-kubeconfig-mode'] ? parseInt(flags['write-kubeconfig-mode'], 8) : 0o600
  if (Number.isNaN(kubeconfigMode)) log.fatal(`Error: invalid write-kubeconfig-mode ${flags['write-kubeconfig-mode']}`)

  let token = flags.token
  if (!token && flags['token-file']) {
    try {
      token = fs.readFileSync(flags['token-file'], 'utf8').trim()
    } catch (e) {
      log.fatal(`Error: failed to read token file: ${e.message}`)
    }
  }
  let agentToken = flags['agent-token']
  if (!agentToken && flags['agent-token-file']) agentToken = fs.readFileSync(flags['agent-token-file'], 'utf8').trim()
  const joinURL = flags.server
  log.info(`Starting k3s ${VERSION} (${COMMIT})`)
  fs.mkdirSync(tls, { recursive: true, mode: 0o700 })
  const initialized = isInitialized(dataDir)
  const sqliteMarker = path.join(serverDir, 'db', 'flotilla-sim-sqlite')
  let sqlite = false
  const tokenFile = path.join(serverDir, 'token')

  // ---- token and certificates -------------------------------------------------------------
  let parsed
  try {
    parsed = token ? parseToken(token) : undefined
  } catch (e) {
    if (e instanceof TokenError) log.fatal(`${PREFIX}: ${e.message}`)
    throw e
  }
  let serverPassword
  let joining = false
  let joinAPI
  if (initialized) {
    log.info('Managed etcd cluster bootstrap already complete and initialized')
    const stored = fs.existsSync(tokenFile) ? parseToken(fs.readFileSync(tokenFile, 'utf8').trim()) : undefined
    serverPassword = stored?.password
    sqlite = fs.existsSync(sqliteMarker)
    if (sqlite && flags['cluster-init'])
      notSimulated(
        'converting the SQLite datastore to embedded etcd (--cluster-init on a server first started without it)',
      )
    if (parsed && stored && parsed.password !== stored.password)
      log.fatal(
        `${PREFIX}: failed to reconcile with local datastore: bootstrap data already found and encrypted with different token`,
      )
  } else if (joinURL) {
    if (!token) log.fatal(`${PREFIX}: K3S_TOKEN is required to join a cluster`)
    try {
      joinAPI = await validateToken(joinURL, token, 'server')
    } catch (e) {
      log.fatal(
        `${PREFIX}: failed to check if bootstrap data has been initialized: failed to validate token: ${e.message}`,
      )
    }
    for (const w of warnings.splice(0)) log.warn(w)
    log.info('Managed etcd cluster not yet initialized')
    let bootstrap
    try {
      bootstrap = JSON.parse((await joinAPI.get('/v1-k3s/server-bootstrap')).toString())
    } catch (e) {
      log.fatal(`${PREFIX}: ${e.message}`)
    }
    const theirs = bootstrap.CriticalConfig ?? {}
    const mine = criticalConfig(cfg)
    for (const k of Object.keys(mine)) {
      if (String(theirs[k]) !== String(mine[k])) {
        log.warn(`critical configuration mismatched: ${k}`)
        log.fatal(
          `${PREFIX}: failed to validate server configuration: critical configuration value mismatch between servers`,
        )
      }
    }
    writeBootstrap(tls, bootstrap)
    fs.writeFileSync(path.join(tls, '.flotilla-sim-generated'), '')
    serverPassword = parsed.password
    joining = true
  } else if (!flags['cluster-init']) {
    // The default datastore of a lone server: SQLite through kine. The simulator keeps the data in
    // its etcd all the same, but behaves as that server does: no etcd to join (/db/info 404).
    sqlite = true
    log.info('Configuring sqlite3 database connection pooling: maxIdleConns=2, maxOpenConns=0, connMaxLifetime=0s')
  }
  let custom = false
  try {
    ;({ custom } = ensureCAs(dataDir, log.info))
  } catch (e) {
    if (e instanceof PkiError) log.fatal(`Error: preparing server: ${e.message}`)
    throw e
  }
  const caPem = () => fs.readFileSync(file('server-ca.crt'), 'utf8')
  if (!initialized && !joining) {
    if (parsed?.caHash) {
      // Only a custom CA can be known before the first start (docs: cli/token.md).
      const ours = hashCA(caPem())
      if (parsed.caHash !== ours)
        log.fatal(
          `${PREFIX}: token CA hash does not match the Cluster CA certificate hash: ${parsed.caHash} != ${ours}` +
            (custom
              ? ''
              : ' (flotilla-sim: without custom CA certificates only the short token format can be used on the first server)'),
        )
    }
    if (parsed?.bootstrap) log.fatal(`${PREFIX}: a bootstrap token cannot be used as the server token`)
    serverPassword = parsed?.password ?? randomPassword()
  }
  if (!serverPassword) log.fatal(`${PREFIX}: no server token: ${tokenFile} is missing and no --token was given`)
  writeFileMode(tokenFile, `${formatToken(`server:${serverPassword}`, caPem())}\n`, 0o600)
  fs.rmSync(path.join(serverDir, 'node-token'), { force: true })
  fs.symlinkSync(tokenFile, path.join(serverDir, 'node-token'))
  let agentPassword = serverPassword
  fs.rmSync(path.join(serverDir, 'agent-token'), { force: true })
  if (agentToken) {
    const a = parseToken(agentToken)
    if (a.caHash && a.caHash !== hashCA(caPem()))
      log.fatal(
        `${PREFIX}: token CA hash does not match the Cluster CA certificate hash: ${a.caHash} != ${hashCA(caPem())}`,
      )
    agentPassword = a.password
    writeFileMode(path.join(serverDir, 'agent-token'), `${formatToken(`node:${agentPassword}`, caPem())}\n`, 0o600)
  } else fs.symlinkSync(tokenFile, path.join(serverDir, 'agent-token'))

  // leaves
  const sans = [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${cfg.clusterDomain}`,
    'localhost',
    nodeName,
    '127.0.0.1',
    nodeIP,
    firstServiceIP(cfg.serviceCIDR),
    ...(flags['tls-san'] ?? []),
  ]
  const ca = (n) => ({ caCrt: file(`${n}.crt`), caKey: file(`${n}.key`) })
  const serving = ensureLeaf({
    dir: tls,
    name: 'serving-kube-apiserver',
    ...ca('server-ca'),
    cn: 'kube-apiserver',
    usage: 'serverAuth',
    sans,
  })
  const adminCert = ensureLeaf({
    dir: tls,
    name: 'client-admin',
    ...ca('client-ca'),
    cn: 'system:admin',
    org: ['system:masters'],
    usage: 'clientAuth',
  })
  const etcdSans = ['kine.sock', 'localhost', nodeName, '127.0.0.1', nodeIP, ...(flags['tls-san'] ?? [])]
  const etcdDir = path.join(tls, 'etcd')
  ensureLeaf({ dir: etcdDir, name: 'client', ...ca('etcd/server-ca'), cn: 'etcd-client', usage: 'clientAuth' })
  ensureLeaf({
    dir: etcdDir,
    name: 'server-client',
    ...ca('etcd/server-ca'),
    cn: 'etcd-server',
    usage: 'serverAuth,clientAuth',
    sans: etcdSans,
  })
  ensureLeaf({
    dir: etcdDir,
    name: 'peer-server-client',
    ...ca('etcd/peer-ca'),
    cn: 'etcd-peer',
    usage: 'serverAuth,clientAuth',
    sans: etcdSans,
  })

  // ---- etcd ------------------------------------------------------------------------------------
  const nameFile = etcdPaths(dataDir).nameFile
  let etcdName = fs.existsSync(nameFile) ? fs.readFileSync(nameFile, 'utf8').trim() : ''
  let initialCluster
  let state = 'new'
  if (!initialized) {
    etcdName = `${nodeName}-${randomBytes(4).toString('hex')}`
    if (joining) {
      let members
      try {
        members = JSON.parse((await joinAPI.get('/db/info')).toString()).members
      } catch (e) {
        log.fatal(`ETCD join failed: ${e.message}`)
      }
      const clientURLs = members.flatMap((m) => m.clientURLs ?? [])
      const etcd = localClient(dataDir, clientURLs)
      const peerURL = `https://${nodeIP}:2380`
      try {
        // k3s names members <node name>-<random>: a member left by an earlier life of this node
        // (not removed because its Node was never deleted) blocks the join.
        for (const m of members) {
          if (m.name && m.name.slice(0, m.name.lastIndexOf('-')) === nodeName) {
            fs.rmSync(nameFile, { force: true })
            log.fatal('ETCD join failed: duplicate node name found, please use a unique name for this node')
          }
        }
        const existing = members.find((m) => !m.name && (m.peerURLs ?? []).includes(peerURL))
        log.info(
          `Adding member ${etcdName}=${peerURL} to etcd cluster [${members.map((m) => `${m.name}=${m.peerURLs?.[0]}`).join(' ')}]`,
        )
        // k3s adds a learner and promotes it; etcd accepts a learner even while the last member
        // to join is still settling. The simulator adds a voter, which etcd's strict
        // reconfiguration check refuses for a few seconds after a join: retry through that window.
        for (let started = Date.now(); !existing;) {
          try {
            await etcd.memberAdd([peerURL])
            break
          } catch (e) {
            if (Date.now() - started > 20_000 || !/unhealthy|not enough started/i.test(e.message)) throw e
            await new Promise((r) => setTimeout(r, 1000))
          }
        }
      } catch (e) {
        log.fatal(`ETCD join failed: ${e.message}`)
      } finally {
        etcd.close()
      }
      initialCluster = [
        ...members
          .filter((m) => m.name && !(m.peerURLs ?? []).includes(peerURL))
          .map((m) => `${m.name}=${m.peerURLs[0]}`),
        `${etcdName}=${peerURL}`,
      ].join(',')
      state = 'existing'
    } else log.info('Managed etcd cluster initializing')
  }
  const etcdChild = startEtcd({ dataDir, name: etcdName, ip: nodeIP, initialCluster, state, log: log.info })
  fs.writeFileSync(nameFile, `${etcdName}\n`)
  if (sqlite) {
    fs.writeFileSync(sqliteMarker, 'flotilla-sim: this server stands for k3s with SQLite (kine); its data is in etcd\n')
    log.info(`Kine available at unix://${serverDir}/kine.sock`)
  }
  let stopping = false
  etcdChild.on('exit', (code, sig) => {
    if (!stopping) log.fatal(`Error: etcd exited: ${code ?? sig} (see /var/log/flotilla-sim/k3s-etcd.log)`)
  })
  const etcd = localClient(dataDir)
  for (let i = 0; ; i++) {
    try {
      await etcd.status()
      break
    } catch (e) {
      if (i % 10 === 0) log.info(`Waiting for etcd server to become available: ${e.message}`)
      if (i > 120) log.fatal(`Error: etcd did not become available within 60 s: ${e.message}`)
      await new Promise((r) => setTimeout(r, 500))
    }
  }
  if (joining) log.info(`etcd member ${etcdName} joined the cluster`)

  // ---- API server + supervisor on :6443 --------------------------------------------------------
  const issueKubeletCert = (name) => {
    const dir = path.join(serverDir, 'node-certs')
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    const key = path.join(dir, `${name}.key`)
    newKey(key)
    const cert = signLeaf({
      ...ca('client-ca'),
      keyFile: key,
      cn: `system:node:${name}`,
      org: ['system:nodes'],
      usage: 'clientAuth',
    })
    const keyPem = fs.readFileSync(key, 'utf8')
    fs.rmSync(key)
    return { cert, key: keyPem }
  }
  let ready = false
  let api
  let admin
  const handler = supervisorHandler({
    caPem,
    caFile: (f) => fs.readFileSync(file(f), 'utf8'),
    serverPassword,
    agentPassword,
    ready: () => ready,
    bootstrap: () => ({ ...readBootstrap(tls), CriticalConfig: criticalConfig(cfg) }),
    config: () => ({ ...criticalConfig(cfg), ServerURL: `https://${nodeIP}:${port}` }),
    members: async () =>
      sqlite
        ? undefined
        : (await etcd.members()).map((m) => ({ name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs })),
    issueKubeletCert,
    checkBootstrapToken: (id, secret) => checkBootstrapToken(admin, id, secret),
    checkNodePassword: (name, pw) => checkNodePassword(admin, name, pw),
    log: log.warn,
  })
  try {
    api = await startApi({
      port,
      tlsCert: fs.readFileSync(serving.crt, 'utf8'),
      tlsKey: fs.readFileSync(serving.key, 'utf8'),
      clientCA: fs.readFileSync(file('client-ca.crt'), 'utf8'),
      requestHeaderCA: fs.readFileSync(file('request-header-ca.crt'), 'utf8'),
      serviceKey: fs.readFileSync(file('service.key'), 'utf8'),
      serviceCIDR: cfg.serviceCIDR,
      nodeIP,
      dataDir,
      etcd: {
        endpoints: ['https://127.0.0.1:2379'],
        ca: fs.readFileSync(etcdPaths(dataDir).serverCA, 'utf8'),
        cert: fs.readFileSync(etcdPaths(dataDir).clientCert, 'utf8'),
        key: fs.readFileSync(etcdPaths(dataDir).clientKey, 'utf8'),
      },
      handler,
      log,
    })
  } catch (e) {
    log.fatal(`Error: starting kubernetes: ${e.message}`)
  }
  ready = true
  log.info(`Running kube-apiserver (flotilla-sim) on https://${nodeIP}:${port}`)

  // ---- kubeconfig --------------------------------------------------------------------------
  const kubeconfigFile = flags['write-kubeconfig'] ?? '/etc/rancher/k3s/k3s.yaml'
  writeFileMode(
    kubeconfigFile,
    kubeconfigYaml({
      server: `https://127.0.0.1:${port}`,
      caPem: caPem(),
      certPem: fs.readFileSync(adminCert.crt, 'utf8'),
      keyPem: fs.readFileSync(adminCert.key, 'utf8'),
    }),
    kubeconfigMode,
  )
  log.info(`Wrote kubeconfig ${kubeconfigFile}`)
  admin = kubeClient(loadKubeconfig(kubeconfigFile))
  if (!sqlite) removeMembersOfDeletedNodes(admin, etcd, nodeName)
  // The server's own agent registers its node password like any agent (a later node of the same
  // name with another /etc/rancher/node/password is refused).
  ;(async () => {
    const pw = nodePassword()
    for (let i = 0; i < 60; i++) {
      try {
        if (await checkNodePassword(admin, nodeName, pw)) return
        log.error(`Failed to register the node password of ${nodeName}: Node password rejected, duplicate hostname`)
        return
      } catch {
        await new Promise((r) => setTimeout(r, 1000))
      }
    }
  })()

  // ---- the server's node --------------------------------------------------------------------
  const node = await startNode({
    dataDir,
    nodeName,
    nodeIP,
    labels,
    taints,
    server: `https://127.0.0.1:${port}`,
    caPem: caPem(),
    kubelet: issueKubeletCert(nodeName),
    adminKubeconfig: kubeconfigFile,
    serverLabels: true,
    etcdRole: !sqlite,
    flannel: cfg.flannelBackend !== 'none',
    log,
  })
  log.info('k3s is up and running')
  notifyReady() // systemd's READY=1: the install script's `systemctl restart` returns now

  const stop = async () => {
    stopping = true
    node?.stop()
    await api?.close?.()
    etcd.close()
    etcdChild.kill('SIGTERM')
    setTimeout(() => process.exit(0), 300)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

// k3s's etcd member controller: when the Node of an etcd server is deleted (`kubectl delete node`),
// its etcd member is removed, so that server can join again later. Every server watches (by
// polling); the first to see a deletion removes the member.
function removeMembersOfDeletedNodes(admin, etcd, self) {
  const seen = new Set()
  const tick = async () => {
    const nodes = (await admin.get('/api/v1/nodes')).items ?? []
    const names = new Set(nodes.map((n) => n.metadata.name))
    for (const n of nodes) if (n.metadata.labels?.['node-role.kubernetes.io/etcd'] === 'true') seen.add(n.metadata.name)
    for (const gone of [...seen].filter((n) => !names.has(n) && n !== self)) {
      seen.delete(gone)
      const m = (await etcd.members()).find((x) => x.name && x.name.slice(0, x.name.lastIndexOf('-')) === gone)
      if (!m) continue
      try {
        await etcd.memberRemove(m.ID)
        log.info(`Removed etcd member ${m.name} of deleted node ${gone}`)
      } catch (e) {
        log.info(`etcd member ${m.name}: ${e.message}`)
      }
    }
  }
  setInterval(() => tick().catch(() => {}), 2000).unref()
}

const unb64 = (s) => (s ? Buffer.from(s, 'base64').toString() : '')

// A bootstrap token authenticates when its Secret exists, matches, is unexpired and allows
// authentication (the bootstrap token authenticator's rules).
async function checkBootstrapToken(admin, id, secret) {
  if (!admin) return false
  try {
    const s = await admin.find(`/api/v1/namespaces/kube-system/secrets/bootstrap-token-${id}`)
    const d = s?.data ?? {}
    if (!s || s.type !== 'bootstrap.kubernetes.io/token' || unb64(d['token-secret']) !== secret) return false
    if (unb64(d['usage-bootstrap-authentication']) !== 'true') return false
    const exp = unb64(d.expiration)
    return !(exp && new Date(exp) < new Date())
  } catch {
    return false
  }
}

// k3s's node password check: the first agent of a name records the hash of its
// /etc/rancher/node/password in kube-system/<name>.node-password.k3s; another password for
// the same node name is refused (duplicate host names).
async function checkNodePassword(admin, name, pw) {
  if (!admin) return false
  const hash = createHash('sha256')
    .update(String(pw ?? ''))
    .digest('hex')
  const path = `/api/v1/namespaces/kube-system/secrets/${name}.node-password.k3s`
  const s = await admin.find(path)
  if (!s) {
    await admin.create('/api/v1/namespaces/kube-system/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'k3s.cattle.io/node-password',
      metadata: { name: `${name}.node-password.k3s`, namespace: 'kube-system' },
      data: { hash: Buffer.from(hash).toString('base64') },
    })
    return true
  }
  return unb64(s.data?.hash) === hash
}
