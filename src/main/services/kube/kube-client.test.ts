import { createHash, X509Certificate } from 'node:crypto'
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { KubeconfigService, MINTED_USER } from '../kubeconfig/kubeconfig-service'
import { createLogger } from '../log/logger'
import { pkiIn } from '../pki/test-support'
import { tempDir } from '../vault/test-support'
import { KubeClients, REFRESH_MARGIN_MS } from './kube-client'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Every file under `dir` with its mode and a hash of its content. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name)
      const st = statSync(path)
      if (entry.isDirectory()) {
        out[path] = `dir ${st.mode.toString(8)}`
        walk(path)
      } else {
        out[path] = `${st.mode.toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`
      }
    }
  }
  walk(dir)
  return out
}

/**
 * A TLS API server stand-in on 127.0.0.1 that requires a client certificate from the cluster CA
 * (as kube-apiserver's --client-ca-file) and answers /version with the subject it authenticated.
 * The TCP port is taken first, so the cluster's endpoint can name it before its CA exists.
 */
async function tcpPort(): Promise<{ port: number; tcp: TcpServer }> {
  const tcp = createTcpServer()
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise<void>((resolve) => tcp.close(() => resolve())))
  return { port: (tcp.address() as AddressInfo).port, tcp }
}

function serveTls(tcp: TcpServer, tls: { caPem: string; certPem: string; keyPem: string }): HttpsServer {
  const https = createHttpsServer(
    { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate()
      res.setHeader('content-type', 'application/json')
      if (req.url === '/version') {
        res.end(
          JSON.stringify({ major: '1', minor: '32', gitVersion: `v1.32.4 for ${peer.subject.CN}/${peer.subject.O}` }),
        )
      } else {
        res.statusCode = 403
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403 }))
      }
    },
  )
  tcp.on('connection', (socket) => https.emit('connection', socket))
  cleanups.push(() => void https.closeAllConnections())
  return https
}

async function setup(flavour: 'kubeadm' | 'k3s' = 'kubeadm') {
  // One clock for certificate dates and the client cache, so tests can move it.
  let now = new Date()
  const base = pkiIn(undefined, () => now)
  cleanups.push(() => rmSync(base.dir, { recursive: true, force: true }))
  const { port, tcp } = await tcpPort()
  const kubeconfigs = new KubeconfigService({ ...base, store: base.stores('kubeconfigs'), env: {}, home: base.dir })
  const cluster = await base.clusters.create({ name: 'homelab', flavour, endpoint: `127.0.0.1:${port}` })
  await base.pki.init(cluster.id, { algorithm: 'ECDSA-P256' })
  const roles = base.pki.roles(cluster.id)
  const serving = await base.pki.issue(cluster.id, {
    caRole: roles.serverCa,
    subject: { commonName: 'kube-apiserver' },
    days: 1,
    extKeyUsage: ['serverAuth'],
    ipAddresses: ['127.0.0.1'],
  })
  const clientCa = base.pki.show(cluster.id)!.cas.find((c) => c.role === roles.clientCa)!.pem
  serveTls(tcp, { caPem: clientCa, certPem: serving.certPem, keyPem: serving.keyPem.reveal() })
  const lines: string[] = []
  const log = createLogger([(line) => lines.push(line)], base.redactor)
  const kube = new KubeClients({ kubeconfigs, events: base.events, redactor: base.redactor, log, now: () => now })
  cleanups.push(() => kube.close())
  return { ...base, kubeconfigs, cluster, kube, log, lines, setNow: (d: Date) => (now = d) }
}

describe('in-memory kubeconfig', () => {
  it('mints a one-hour client certificate from the cluster CA, as flotilla-app in kubeadm:cluster-admins', async () => {
    const { kubeconfigs, cluster, pki } = await setup()
    const minted = await kubeconfigs.mint(cluster.id)
    const cert = new X509Certificate(minted.certPem)
    expect(cert.subject).toBe(`O=kubeadm:cluster-admins\nCN=${MINTED_USER}`)
    expect(cert.verify(new X509Certificate(pki.show(cluster.id)!.cas[0]!.pem).publicKey)).toBe(true)
    expect((Date.parse(cert.validTo) - Date.now()) / 60_000).toBeCloseTo(60, -1)
    expect(minted.server).toBe(`https://${cluster.endpointHost}:${cluster.endpointPort}`)
    // The key is a Secret: serialising or inspecting the object shows no key.
    expect(JSON.stringify(minted)).not.toContain('PRIVATE KEY')
    expect(inspect(minted, { depth: 5 })).not.toContain('PRIVATE KEY')
    expect(minted.key.reveal()).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    // Not recorded among the issued kubeconfigs (those track credentials that left Flotilla).
    expect(kubeconfigs.issued(cluster.id)).toEqual([])
  })

  it('takes a named user, break-glass, and refuses k3s without break-glass as export does', async () => {
    const { kubeconfigs, cluster } = await setup('k3s')
    await expect(kubeconfigs.mint(cluster.id)).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    const minted = await kubeconfigs.mint(cluster.id, { user: 'engine', breakGlass: true, minutes: 5 })
    const cert = new X509Certificate(minted.certPem)
    expect(cert.subject).toBe('O=system:masters\nCN=engine')
    expect((Date.parse(cert.validTo) - Date.now()) / 60_000).toBeCloseTo(5, 0)
    await expect(kubeconfigs.mint(cluster.id, { breakGlass: true, minutes: 0 })).rejects.toThrow(/1 to 1440 minutes/)
  })
})

describe('kubeClient', () => {
  it('talks mutual TLS with the cluster CA, writing nothing under the data dir or tmp, the key in no log', async () => {
    const env = await setup()
    const before = snapshot(env.dir)
    const tmp = tempDir('flotilla-kube-tmp-')
    const savedTmp = process.env.TMPDIR
    process.env.TMPDIR = tmp
    cleanups.push(() => {
      if (savedTmp === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = savedTmp
      rmSync(tmp, { recursive: true, force: true })
    })

    const client = await env.kube.kubeClient(env.cluster.id)
    const version = await client.version.getCode()
    expect(version.gitVersion).toBe(`v1.32.4 for ${MINTED_USER}/kubeadm:cluster-admins`)
    // A refused request (403) logs client-node's error, with the response it got.
    const failure = await client.core.listNode().then(
      () => 'no error',
      (e: unknown) => String(e),
    )
    expect(failure).toMatch(/403/)
    env.log.error(`listing nodes failed: ${failure}`)
    // Even the whole client-node configuration, logged by mistake, shows no key.
    env.log.debug(inspect(client.config, { depth: 10 }))

    expect(readdirSync(tmp)).toEqual([])
    expect(snapshot(env.dir)).toEqual(before)
    // The key lives in the client-node configuration only (base64, as client-node holds it).
    const keyData = client.config.getCurrentUser()!.keyData!
    const keyPem = Buffer.from(keyData, 'base64').toString('utf8')
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    const logged = env.lines.join('\n')
    expect(logged).toMatch(/Minted an in-memory kubeconfig for https:\/\/127\.0\.0\.1:\d+ \(user flotilla-app/)
    expect(logged).toContain('[redacted]')
    for (const form of [keyPem, keyData, keyPem.split('\n')[1]!]) expect(logged).not.toContain(form)
  })

  it('reuses a credential until it nears expiry, mints afresh after a PKI change, and forgets expired keys', async () => {
    const env = await setup()
    const t0 = Date.now()
    env.setNow(new Date(t0))
    const minutes = (m: number) => env.setNow(new Date(t0 + m * 60_000))
    const first = await env.kube.kubeClient(env.cluster.id)
    await expect(first.version.getCode()).resolves.toMatchObject({ major: '1' })
    minutes(49)
    expect(await env.kube.kubeClient(env.cluster.id)).toBe(first)
    const oneKey = env.redactor.size

    minutes(51) // less than REFRESH_MARGIN_MS left
    const second = await env.kube.kubeClient(env.cluster.id)
    expect(second).not.toBe(first)
    // The first key stays masked while a caller may still hold its client (PEM + base64 forms).
    expect(env.redactor.size).toBe(oneKey + 2)

    env.events.emit('pki:changed', { clusterId: env.cluster.id })
    const third = await env.kube.kubeClient(env.cluster.id)
    expect(third).not.toBe(second)
    expect(env.redactor.size).toBe(oneKey + 4)

    minutes(61) // the first certificate has expired: its key is forgotten
    expect(await env.kube.kubeClient(env.cluster.id)).toBe(third)
    expect(env.redactor.size).toBe(oneKey + 2)
    expect(REFRESH_MARGIN_MS).toBe(10 * 60_000)
  })
})
