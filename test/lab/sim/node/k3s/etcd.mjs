// flotilla-sim: SIMULATOR, not k3s. k3s's embedded etcd is the machine's real etcd (/usr/bin/etcd
// 3.4) run as a child of the k3s process, with k3s's layout: data in
// <data-dir>/server/db/etcd, client TLS from tls/etcd/server-ca, peer TLS from tls/etcd/peer-ca,
// client port 2379 on localhost and the node IP, peers on 2380.
import fs from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { etcdClientFromFiles } from '../etcd-client.mjs'

export function etcdPaths(dataDir) {
  const tls = path.join(dataDir, 'server', 'tls', 'etcd')
  return {
    dataDir: path.join(dataDir, 'server', 'db', 'etcd'),
    nameFile: path.join(dataDir, 'server', 'db', 'etcd', 'name'),
    serverCA: path.join(tls, 'server-ca.crt'),
    peerCA: path.join(tls, 'peer-ca.crt'),
    serverCert: path.join(tls, 'server-client.crt'),
    serverKey: path.join(tls, 'server-client.key'),
    peerCert: path.join(tls, 'peer-server-client.crt'),
    peerKey: path.join(tls, 'peer-server-client.key'),
    clientCert: path.join(tls, 'client.crt'),
    clientKey: path.join(tls, 'client.key'),
  }
}

export const isInitialized = (dataDir) => fs.existsSync(path.join(etcdPaths(dataDir).dataDir, 'member'))

export function localClient(dataDir, endpoints = ['https://127.0.0.1:2379']) {
  const p = etcdPaths(dataDir)
  return etcdClientFromFiles({ endpoints, caFile: p.serverCA, certFile: p.clientCert, keyFile: p.clientKey })
}

/** Starts etcd; `initialCluster` (name=peerURL,…) and `state` only matter for a new data dir. */
export function startEtcd({ dataDir, name, ip, initialCluster, state = 'new', extraArgs = [], log }) {
  const p = etcdPaths(dataDir)
  fs.mkdirSync(p.dataDir, { recursive: true, mode: 0o700 })
  const args = [
    `--name=${name}`,
    `--data-dir=${p.dataDir}`,
    `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`,
    `--advertise-client-urls=https://${ip}:2379`,
    `--listen-peer-urls=https://${ip}:2380`,
    `--initial-advertise-peer-urls=https://${ip}:2380`,
    `--initial-cluster=${initialCluster ?? `${name}=https://${ip}:2380`}`,
    `--initial-cluster-state=${state}`,
    '--listen-metrics-urls=http://127.0.0.1:2381',
    '--client-cert-auth=true',
    `--trusted-ca-file=${p.serverCA}`,
    `--cert-file=${p.serverCert}`,
    `--key-file=${p.serverKey}`,
    '--peer-client-cert-auth=true',
    `--peer-trusted-ca-file=${p.peerCA}`,
    `--peer-cert-file=${p.peerCert}`,
    `--peer-key-file=${p.peerKey}`,
    '--heartbeat-interval=200',
    '--election-timeout=2000',
    '--snapshot-count=10000',
    ...extraArgs,
  ]
  fs.mkdirSync('/var/log/flotilla-sim', { recursive: true })
  const out = fs.openSync('/var/log/flotilla-sim/k3s-etcd.log', 'a')
  const child = spawn('/usr/bin/etcd', args, { stdio: ['ignore', out, out] })
  fs.closeSync(out)
  log?.(`Running etcd ${args.join(' ')}`)
  return child
}
