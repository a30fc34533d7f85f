#!/usr/bin/env node
// FLOTILLA SIMULATOR STAND-IN for kube-apiserver -- not the real one. Parses kube-apiserver's
// flags as kubeadm writes them into /etc/kubernetes/manifests/kube-apiserver.yaml (unknown flags
// refused like the real binary), then runs the API server stand-in (./apiserver/index.mjs) with its
// state in the etcd given by --etcd-servers.
import fs from 'node:fs'
import { startApiServer } from './apiserver/index.mjs'
import { isTrue, klogFatal, parseFlags } from './apiserver/component.mjs'

const BOOL = new Set([
  'allow-privileged',
  'enable-bootstrap-token-auth',
  'anonymous-auth',
  'profiling',
  'enable-aggregator-routing',
])
// Flags the stand-in uses or accepts (meaning is irrelevant to it, e.g. the kubelet client
// certificate: it never calls kubelets).
const KNOWN = new Set([
  'advertise-address',
  'allow-privileged',
  'anonymous-auth',
  'authorization-mode',
  'bind-address',
  'client-ca-file',
  'enable-admission-plugins',
  'disable-admission-plugins',
  'enable-bootstrap-token-auth',
  'etcd-cafile',
  'etcd-certfile',
  'etcd-keyfile',
  'etcd-servers',
  'etcd-prefix',
  'kubelet-client-certificate',
  'kubelet-client-key',
  'kubelet-preferred-address-types',
  'proxy-client-cert-file',
  'proxy-client-key-file',
  'requestheader-allowed-names',
  'requestheader-client-ca-file',
  'requestheader-extra-headers-prefix',
  'requestheader-group-headers',
  'requestheader-username-headers',
  'secure-port',
  'service-account-issuer',
  'service-account-key-file',
  'service-account-signing-key-file',
  'service-cluster-ip-range',
  'service-node-port-range',
  'tls-cert-file',
  'tls-private-key-file',
  'tls-min-version',
  'tls-cipher-suites',
  'endpoint-reconciler-type',
  'profiling',
  'v',
  'enable-aggregator-routing',
])
// Real kube-apiserver flags whose effect the stand-in does not have: refused loudly.
const NOT_SIMULATED = new Set([
  'audit-log-path',
  'audit-policy-file',
  'encryption-provider-config',
  'oidc-issuer-url',
  'oidc-client-id',
  'authentication-token-webhook-config-file',
  'authorization-webhook-config-file',
  'token-auth-file',
  'runtime-config',
  'feature-gates',
  'egress-selector-config-file',
  'authorization-config',
  'authentication-config',
  'storage-backend',
  'watch-cache',
  'kubelet-certificate-authority',
  'apiserver-count',
])

const fatal = klogFatal
const flags = parseFlags(process.argv.slice(2), {
  known: [...KNOWN],
  bools: [...BOOL],
  notSimulated: [...NOT_SIMULATED],
  command: 'kube-apiserver',
})
const bool = (name, dflt) => isTrue(flags[name], dflt)

const read = (file) => {
  try {
    return fs.readFileSync(file)
  } catch {
    fatal(`open ${file}: no such file or directory`)
  }
}

// Validation the real binary does before serving (options.Validate / Complete).
if (!flags['etcd-servers']) fatal('[--etcd-servers must be specified]')
if (!flags['service-account-issuer'])
  fatal(
    '[service-account-issuer is a required flag, --service-account-signing-key-file and --service-account-issuer are required flags]',
  )
if (!flags['service-account-signing-key-file'])
  fatal(
    '[service-account-signing-key-file is a required flag, --service-account-signing-key-file and --service-account-issuer are required flags]',
  )
const modes = (flags['authorization-mode'] ?? 'AlwaysAllow').split(',')
for (const mode of modes)
  if (!['AlwaysAllow', 'AlwaysDeny', 'Node', 'RBAC'].includes(mode))
    fatal(
      mode === 'Webhook' || mode === 'ABAC'
        ? `flotilla-sim: --authorization-mode=${mode} is not simulated`
        : `[authorization-mode "${mode}" is not a valid mode]`,
    )
const plugins = (flags['enable-admission-plugins'] ?? '').split(',').filter(Boolean)
const KNOWN_PLUGINS = [
  'NodeRestriction',
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'DefaultStorageClass',
  'DefaultTolerationSeconds',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
  'Priority',
  'PodSecurity',
]
for (const p of plugins) if (!KNOWN_PLUGINS.includes(p)) fatal(`enable-admission-plugins plugin "${p}" is unknown`)
for (const [flag, label] of [
  ['service-account-key-file', 'service account key'],
  ['service-account-signing-key-file', 'service account signing key'],
  ['kubelet-client-certificate', 'kubelet client certificate'],
  ['kubelet-client-key', 'kubelet client key'],
  ['proxy-client-cert-file', 'proxy client cert'],
  ['proxy-client-key-file', 'proxy client key'],
])
  if (flags[flag] && !fs.existsSync(flags[flag]))
    fatal(`failed to read ${label} file ${flags[flag]}: open ${flags[flag]}: no such file or directory`)
let clientCAs = []
if (flags['client-ca-file']) {
  if (!fs.existsSync(flags['client-ca-file']))
    fatal(`unable to load client CA provider: open ${flags['client-ca-file']}: no such file or directory`)
  clientCAs = [fs.readFileSync(flags['client-ca-file'])]
}
if (flags['requestheader-client-ca-file'] && !fs.existsSync(flags['requestheader-client-ca-file']))
  fatal(
    `unable to load requestheader client CA provider: open ${flags['requestheader-client-ca-file']}: no such file or directory`,
  )
if (!flags['tls-cert-file'] || !flags['tls-private-key-file'])
  fatal('flotilla-sim: a self-signed serving certificate (no --tls-cert-file) is not simulated')
const tlsCert = read(flags['tls-cert-file'])
const tlsKey = read(flags['tls-private-key-file'])
const etcdTLS = {}
for (const [flag, key] of [
  ['etcd-cafile', 'ca'],
  ['etcd-certfile', 'cert'],
  ['etcd-keyfile', 'key'],
]) {
  if (flags[flag]) etcdTLS[key] = read(flags[flag])
}
const endpoints = flags['etcd-servers'].split(',')
for (const e of endpoints)
  if (!/^https:\/\//.test(e)) fatal(`flotilla-sim: etcd server ${e} without TLS is not simulated`)

let api
// A graceful stop, as the real server's: its master lease and Endpoints address go first.
process.on('SIGTERM', () => {
  setTimeout(() => process.exit(0), 3000).unref()
  Promise.resolve(api?.close())
    .catch(() => {})
    .finally(() => process.exit(0))
})
try {
  api = await startApiServer({
    bindAddress: flags['bind-address'] ?? '0.0.0.0',
    port: Number(flags['secure-port'] ?? 6443),
    advertiseAddress: flags['advertise-address'],
    tlsCert,
    tlsKey,
    clientCAs,
    etcd: { endpoints, ...etcdTLS },
    etcdPrefix: flags['etcd-prefix'] ?? '/registry',
    enableBootstrapTokenAuth: bool('enable-bootstrap-token-auth', false),
    anonymousAuth: bool('anonymous-auth', true),
    authorizationModes: modes,
    admissionPlugins: plugins,
    serviceClusterIPRange: flags['service-cluster-ip-range'] ?? '10.0.0.0/24',
  })
} catch (e) {
  if (e.code === 'EADDRINUSE')
    fatal(
      `failed to listen on ${flags['bind-address'] ?? '0.0.0.0'}:${flags['secure-port'] ?? 6443}: listen tcp ${flags['bind-address'] ?? '0.0.0.0'}:${flags['secure-port'] ?? 6443}: bind: address already in use`,
    )
  fatal(e.message)
}
