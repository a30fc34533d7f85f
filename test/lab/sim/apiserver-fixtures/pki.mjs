// flotilla-sim: SIMULATOR test fixture, not a Kubernetes component. Makes a throwaway PKI with
// openssl for the API server tests (etcd CA + server/client certs, cluster CA + apiserver serving
// cert, client certs with CN/O) and starts a real etcd 3.4 on loopback with mutual TLS.
import fs from 'node:fs'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'

function openssl(args, input) {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

/** A self-signed CA: writes <dir>/<name>.crt and .key (EC P-256). */
export function makeCA(dir, name, cn) {
  fs.mkdirSync(path.dirname(`${dir}/${name}`), { recursive: true })
  const key = `${dir}/${name}.key`
  const crt = `${dir}/${name}.crt`
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key])
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-subj',
    `/CN=${cn}`,
    '-days',
    '3650',
    '-out',
    crt,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
  ])
  return { crt, key }
}

/** A leaf signed by `ca`: usage 'server' | 'client' | 'both'; dns/ips as SANs; org → O=. */
export function makeLeaf(dir, name, ca, { cn, orgs = [], usage = 'client', dns = [], ips = [] }) {
  fs.mkdirSync(path.dirname(`${dir}/${name}`), { recursive: true })
  const key = `${dir}/${name}.key`
  const crt = `${dir}/${name}.crt`
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key])
  const subj = `${orgs.map((o) => `/O=${o}`).join('')}/CN=${cn}`
  const csr = openssl(['req', '-new', '-key', key, '-subj', subj])
  const eku = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' }[usage]
  const sans = [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)]
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${eku}`,
    ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
  ].join('\n')
  const extFile = `${dir}/${name}.ext`
  fs.writeFileSync(extFile, ext)
  openssl(
    [
      'x509',
      '-req',
      '-CA',
      ca.crt,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-days',
      '365',
      '-extfile',
      extFile,
      '-out',
      crt,
    ],
    csr,
  )
  fs.rmSync(extFile)
  return { crt, key }
}

/** Starts a real etcd on 127.0.0.1:<clientPort>/<peerPort> with mutual TLS. Returns {endpoint, stop}. */
export async function startEtcd(dir, { clientPort, peerPort, name = 'default' }) {
  const ca = makeCA(dir, 'etcd/ca', 'etcd-ca')
  const server = makeLeaf(dir, 'etcd/server', ca, { cn: name, usage: 'both', dns: ['localhost'], ips: ['127.0.0.1'] })
  const peer = makeLeaf(dir, 'etcd/peer', ca, { cn: name, usage: 'both', dns: ['localhost'], ips: ['127.0.0.1'] })
  const client = makeLeaf(dir, 'etcd/client', ca, { cn: 'kube-apiserver-etcd-client', usage: 'client' })
  const dataDir = `${dir}/etcd-data-${name}`
  const log = fs.openSync(`${dir}/etcd-${name}.log`, 'a')
  const proc = spawn(
    'etcd',
    [
      `--name=${name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=https://127.0.0.1:${clientPort}`,
      `--advertise-client-urls=https://127.0.0.1:${clientPort}`,
      `--listen-peer-urls=https://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=https://127.0.0.1:${peerPort}`,
      `--initial-cluster=${name}=https://127.0.0.1:${peerPort}`,
      '--client-cert-auth=true',
      `--trusted-ca-file=${ca.crt}`,
      `--cert-file=${server.crt}`,
      `--key-file=${server.key}`,
      '--peer-client-cert-auth=true',
      `--peer-trusted-ca-file=${ca.crt}`,
      `--peer-cert-file=${peer.crt}`,
      `--peer-key-file=${peer.key}`,
    ],
    { stdio: ['ignore', log, log] },
  )
  const endpoint = `https://127.0.0.1:${clientPort}`
  for (let i = 0; i < 100; i++) {
    const r = spawnSync(
      'etcdctl',
      [
        `--endpoints=${endpoint}`,
        `--cacert=${ca.crt}`,
        `--cert=${client.crt}`,
        `--key=${client.key}`,
        'endpoint',
        'health',
      ],
      { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' },
    )
    if (r.status === 0) break
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    endpoint,
    ca: ca.crt,
    cert: client.crt,
    key: client.key,
    caKey: ca.key,
    proc,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve()
        proc.once('exit', resolve)
        proc.kill('SIGTERM')
      }),
  }
}
