// FLOTILLA SIMULATOR STAND-IN for kubeadm -- not the real tool: shared helpers (output in
// kubeadm's shapes, flags, addresses, preflight, openssl). See test/lab/sim/README.md.
import { spawnSync, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { runtimeAt, socketPath } from './cri.mjs'
export const VERSION = 'v1.32.4'
export const ETC = '/etc/kubernetes'
export const CRI_SOCKET = 'unix:///var/run/containerd/containerd.sock'
// cmd/kubeadm/app/constants: the sockets DetectCRISocket looks for (containerd, CRI-O, cri-dockerd).
export const KNOWN_CRI_SOCKETS = [CRI_SOCKET, 'unix:///var/run/crio/crio.sock', 'unix:///var/run/cri-dockerd.sock']

/**
 * kubeadm's criSocket default when neither the config nor --cri-socket names one
 * (util/runtime DetectCRISocket): the one known socket that exists; none → containerd's (the
 * preflight's CRI check fails later); several → kubeadm's error.
 */
export function detectCriSocket() {
  const found = KNOWN_CRI_SOCKETS.filter((s) => {
    try {
      return fs.statSync(socketPath(s)).isSocket()
    } catch {
      return false
    }
  })
  if (found.length > 1)
    fatal(
      `found multiple CRI endpoints on the host. Please define which one do you wish to use by setting the 'criSocket' field in the kubeadm configuration file: ${found.join(', ')}`,
    )
  return found[0] ?? CRI_SOCKET
}
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10'
export const KUBELET_WAIT_MS = 10_000 // kubeadm waits 4m0s; the simulator gives up sooner (README)
// GET the kubelet's /healthz in a child (kubeadm polls it; the stand-in has no event loop to spare).
export const HEALTHZ_PROBE = `require('http')
  .get('http://127.0.0.1:10248/healthz', { timeout: 1000 }, (res) => {
    let body = ''
    res.on('data', (d) => (body += d))
    res.on('end', () => process.exit(res.statusCode === 200 && body === 'ok' ? 0 : 1))
  })
  .on('timeout', function () { this.destroy() })
  .on('error', () => process.exit(1))`
export const STACK_HINT = 'To see the stack trace of this error execute with --v=5 or higher'
// kubeadm 1.32's ValidateEncryptionAlgorithm (cmd/kubeadm/app/apis/kubeadm/validation/validation.go):
// ECDSA-P384 came only in 1.33. The list is printed sorted, as sets.List does.
export const ALGORITHMS = ['ECDSA-P256', 'RSA-2048', 'RSA-3072', 'RSA-4096']
export const KUBECONFIGS = [
  'admin.conf',
  'super-admin.conf',
  'kubelet.conf',
  'bootstrap-kubelet.conf',
  'controller-manager.conf',
  'scheduler.conf',
]
export const MANIFESTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']

export class Fatal extends Error {}
export const fatal = (message) => {
  throw new Fatal(message)
}
export const out = (line = '') => process.stdout.write(`${line}\n`)
export const warn = (line) => process.stderr.write(`W${stamp()} ${line}\n`)
export const stamp = () => {
  const d = new Date()
  const p = (n, w = 2) => String(n).padStart(w, '0')
  return `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000 ${String(process.pid).padStart(7)} flotilla-sim]`
}
export const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

// ------------------------------------------------------------------------------------------------
// command line: cobra-style flags, --flag=value or --flag value; bool flags take no value.
export function parseFlags(args, spec) {
  const flags = {}
  const positional = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (!a.startsWith('-') || a === '-') {
      positional.push(a)
      continue
    }
    const m = /^--?([a-z0-9-]+)(?:=(.*))?$/.exec(a)
    const name = m && (m[1] === 'f' ? 'force' : m[1] === 'o' ? 'output' : m[1])
    if (!m || !(name in spec)) fatal(`unknown flag: ${a.split('=')[0]}`)
    if (spec[name] === 'bool') flags[name] = m[2] === undefined ? true : m[2] !== 'false'
    else {
      const v = m[2] ?? args[++i]
      if (v === undefined) fatal(`flag needs an argument: ${a}`)
      flags[name] = spec[name] === 'list' ? [...(flags[name] ?? []), ...v.split(',')] : v
    }
  }
  return { flags, positional }
}

export function arch() {
  const m = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim()
  return { aarch64: 'arm64', x86_64: 'amd64', armv7l: 'arm' }[m] ?? m
}

export function isIP(s) {
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s) && s.split('.').every((o) => Number(o) <= 255)
}
export const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS1123_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'
/** apimachinery's validation.IsDNS1123Subdomain: its error texts (empty when valid). */
export function dns1123SubdomainErrors(value) {
  const errs = []
  if (value.length > 253) errs.push('must be no more than 253 characters')
  if (!DNS1123.test(value))
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character " +
        `(e.g. 'example.com', regex used for validation is '${DNS1123_FMT}')`,
    )
  return errs
}
/** apimachinery's validation.IsWildcardDNS1123Subdomain. */
export function wildcardDNS1123SubdomainErrors(value) {
  const errs = []
  if (value.length > 253) errs.push('must be no more than 253 characters')
  if (!value.startsWith('*.') || !DNS1123.test(value.slice(2)))
    errs.push(
      "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character " +
        `(e.g. '*.example.com', regex used for validation is '\\*\\.${DNS1123_FMT}')`,
    )
  return errs
}
/** IPv4 or IPv6, as netutils.ParseIPSloppy accepts it (IPv4 with leading zeros too). */
export const isAnyIP = (s) => isIP(s) || net.isIPv6(s)
/**
 * kubeadm's errors are a field.ErrorList turned into one error by ToAggregate: one message as is,
 * several as `[a, b]` (k8s.io/apimachinery/pkg/util/errors aggregate.Error).
 */
export const aggregate = (errors) => (errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`)

export function parseCIDR(s, field) {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(s ?? '')
  if (!m || !isIP(m[1]) || Number(m[2]) > 32) fatal(`${field}: Invalid value: "${s}": couldn't parse subnet`)
  return { ip: m[1], bits: Number(m[2]) }
}
export function firstIP({ ip }) {
  const n = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0) + 1
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

export function nodeAddresses() {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address)
}

// ------------------------------------------------------------------------------------------------
// preflight
export const listeningPorts = () => {
  const r = spawnSync('ss', ['-Hltn'], { encoding: 'utf8' })
  return new Set(
    r.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[3])
      .filter(Boolean)
      .map((a) => Number(a.slice(a.lastIndexOf(':') + 1))),
  )
}
export const readText = (f) => {
  try {
    return fs.readFileSync(f, 'utf8')
  } catch {
    return null
  }
}
export const systemctl = (...args) => spawnSync('/usr/bin/systemctl', args, { encoding: 'utf8' })

export function runPreflight(checks, ignore) {
  const ignored = new Set(ignore.map((e) => e.toLowerCase()))
  const all = ignored.has('all')
  const errors = []
  for (const { name, level, message } of checks) {
    if (level === 'warning' || all || ignored.has(name.toLowerCase())) {
      process.stderr.write(`\t[WARNING ${name}]: ${message}\n`)
    } else errors.push(`\t[ERROR ${name}]: ${message}`)
  }
  if (errors.length) {
    fatal(
      `error execution phase preflight: [preflight] Some fatal errors occurred:\n${errors.join('\n')}\n` +
        '[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`',
    )
  }
}

export function commonChecks(cfg) {
  const checks = []
  const add = (name, message, level = 'error') => checks.push({ name, level, message })
  if (process.getuid() !== 0) add('IsPrivilegedUser', 'user is not running as root')
  const cpus = os.cpus().length
  if (cpus < 2) add('NumCPU', `the number of available CPUs ${cpus} is less than the required 2`)
  const mem = Number(/MemTotal:\s+(\d+)/.exec(readText('/proc/meminfo') ?? '')?.[1] ?? 0) / 1024
  if (mem < 1700) add('Mem', `the system RAM (${Math.floor(mem)} MB) is less than the minimum 1700 MB`)
  const runtime = runtimeAt(cfg.criSocket)
  const criUp = runtime?.cri === true
  if (!criUp) {
    add(
      'CRI',
      `could not connect to the container runtime: failed to create new CRI runtime service: validate service connection: validate CRI v1 runtime API for endpoint "${cfg.criSocket}": rpc error: code = Unavailable desc = connection error`,
    )
  }
  if (systemctl('is-enabled', '--quiet', 'kubelet.service').status !== 0) {
    add('Service-Kubelet', "kubelet service is not enabled, please run 'systemctl enable kubelet.service'", 'warning')
  }
  const swaps = (readText('/proc/swaps') ?? '').trim().split('\n').slice(1).filter(Boolean)
  if (swaps.length) {
    add(
      'Swap',
      'swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. Please refer to https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or disable swap on the node',
      'warning',
    )
  }
  if ((readText('/proc/sys/net/ipv4/ip_forward') ?? '').trim() !== '1') {
    add('FileContent--proc-sys-net-ipv4-ip_forward', '/proc/sys/net/ipv4/ip_forward contents are not set to 1')
  }
  // No bridge-nf-call-iptables check: kubeadm dropped it in 1.30; 1.32's Linux checks are IPv4
  // forwarding (and IPv6 forwarding on IPv6), swap and the executables
  // (cmd/kubeadm/app/preflight/checks_linux.go addIPv4Checks/addSwapCheck/addExecChecks).
  return checks
}

export function openssl(args, input) {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' })
  if (r.status !== 0) fatal(`flotilla-sim: openssl ${args[0]} failed: ${r.stderr.trim()}`)
  return r.stdout
}

export function yamlOf(obj, indent = '') {
  return Object.entries(obj)
    .map(([k, v]) => {
      if (Array.isArray(v))
        return `${indent}${k}:${v.length ? '' : ' []'}\n${v.map((x) => `${indent}- ${typeof x === 'object' ? JSON.stringify(x) : JSON.stringify(x)}\n`).join('')}`
      if (v && typeof v === 'object') return `${indent}${k}:\n${yamlOf(v, `${indent}  `)}`
      return `${indent}${k}: ${JSON.stringify(v)}\n`
    })
    .join('')
}

export function emptyDir(dir) {
  if (!fs.existsSync(dir)) return
  for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true })
}
