// FLOTILLA SIMULATOR STAND-IN for kubeadm -- not the real tool: certificates and kubeconfigs
// (kubeadm's certs and kubeconfig phases), with openssl, from the CAs in the certificates dir.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  randomBytes,
  X509Certificate,
} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ETC, fatal, isAnyIP, isIP, openssl, out, warn } from './kubeadm-util.mjs'
import { signLeaf as x509Leaf } from './x509.mjs'
export function newKey(file, algorithm) {
  const args = algorithm.startsWith('RSA')
    ? ['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${algorithm.slice(4)}`]
    : ['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${algorithm === 'ECDSA-P384' ? 'P-384' : 'P-256'}`]
  fs.mkdirSync(path.dirname(file), { recursive: true })
  openssl([...args, '-out', file])
  fs.chmodSync(file, 0o600)
}

export function keyMatchesCert(keyFile, certFile) {
  const pubOfKey = openssl(['pkey', '-in', keyFile, '-pubout'])
  const pubOfCert = openssl(['x509', '-in', certFile, '-noout', '-pubkey'])
  return pubOfKey.trim() === pubOfCert.trim()
}

export function loadCA(cfg, base, name, cn) {
  const crt = path.join(cfg.certificatesDir, `${base}.crt`)
  const key = path.join(cfg.certificatesDir, `${base}.key`)
  if (!fs.existsSync(crt)) {
    if (fs.existsSync(key))
      fatal(
        `error execution phase certs/${name}: failure loading ${name} certificate authority: couldn't load the certificate file ${crt}: open ${crt}: no such file or directory`,
      )
    newKey(key, cfg.encryptionAlgorithm)
    const days = 3650
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-subj',
      `/CN=${cn}`,
      '-days',
      String(days),
      '-out',
      crt,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
      '-addext',
      `subjectAltName=DNS:${cn}`,
    ])
    out(`[certs] Generating "${name}" certificate and key`)
    return { crt, key }
  }
  if (!fs.existsSync(key)) {
    fatal(
      `error execution phase certs/${name}: flotilla-sim: external CA mode (${crt} without its key) is not simulated; place the CA key too`,
    )
  }
  const x = new X509Certificate(fs.readFileSync(crt))
  if (!x.ca)
    fatal(
      `error execution phase certs/${name}: failure loading ${name} certificate authority: certificate ${crt} is not a CA`,
    )
  // TryLoadKeyFromDisk: RSA or ECDSA, nothing else (no Ed25519).
  let keyType = ''
  try {
    const k = createPrivateKey(fs.readFileSync(key))
    keyType = k.asymmetricKeyType === 'ec' ? `ec-${k.asymmetricKeyDetails?.namedCurve}` : (k.asymmetricKeyType ?? '')
  } catch {
    keyType = 'unreadable'
  }
  if (!['rsa', 'ec-prime256v1', 'ec-secp384r1'].includes(keyType)) {
    fatal(
      `error execution phase certs/${name}: failure loading ${name} certificate authority: the private key file ${key} is neither in RSA nor ECDSA format`,
    )
  }
  if (!keyMatchesCert(key, crt))
    fatal(
      `error execution phase certs/${name}: failure loading ${name} certificate authority: the private key does not match the certificate ${crt}`,
    )
  if (new Date(x.validTo) < new Date())
    fatal(
      `error execution phase certs/${name}: failure loading ${name} certificate authority: the certificate has expired`,
    )
  out(`[certs] Using existing ${name} certificate authority`)
  return { crt, key }
}

// A leaf signed by CA with kubeadm's profile (pki_helpers.go NewSignedCert).
export function leaf(cfg, ca, base, { cn, org, usage, dns = [], ips = [] }) {
  const crt = path.join(cfg.certificatesDir, `${base}.crt`)
  const key = path.join(cfg.certificatesDir, `${base}.key`)
  const name = base
  if (fs.existsSync(crt) && fs.existsSync(key)) {
    // kubeadm reuses an existing leaf only if the CA signed it and it has every SAN it needs.
    const x = new X509Certificate(fs.readFileSync(crt))
    const caX = new X509Certificate(fs.readFileSync(ca.crt))
    if (!x.checkIssued(caX) || !x.verify(caX.publicKey)) {
      fatal(
        `error execution phase certs/${name}: [certs] certificate ${name} not signed by CA certificate ${path.basename(ca.crt, '.crt')}: crypto/rsa: verification error`,
      )
    }
    const have = x.subjectAltName ?? ''
    for (const want of [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP Address:${i}`)]) {
      if (!have.split(', ').includes(want)) {
        fatal(
          `error execution phase certs/${name}: [certs] certificate ${name} is invalid: x509: certificate is not valid for ${want.replace(/^\w+( Address)?:/, '')}`,
        )
      }
    }
    out(`[certs] Using existing ${name} certificate and key on disk`)
    return
  }
  newKey(key, cfg.encryptionAlgorithm)
  fs.writeFileSync(crt, signLeaf(cfg, ca, key, { cn, org, usage, dns, ips }))
  out(`[certs] Generating "${name}" certificate and key`)
  if (dns.length || ips.length)
    out(
      `[certs] ${name} serving cert is signed for DNS names [${[...new Set(dns)].join(' ')}] and IPs [${[...new Set(ips)].join(' ')}]`,
    )
}

/** A leaf for `keyPath` signed by the cluster CA as kubeadm signs them (x509.mjs), PEM. */
export function signLeaf(cfg, ca, keyPath, { cn, org, usage, dns = [], ips = [] }) {
  return x509Leaf({
    caCrt: ca.crt,
    caKey: ca.key,
    keyFile: keyPath,
    cn,
    orgs: org ? [org] : [],
    usage,
    sans: [...dns, ...ips],
    days: Math.ceil(cfg.certificateValidityHours / 24),
  })
}

export function certsPhase(cfg) {
  out(`[certs] Using certificateDir folder "${cfg.certificatesDir}"`)
  const ca = loadCA(cfg, 'ca', 'ca', 'kubernetes')
  const sansDNS = [
    cfg.nodeName,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${cfg.dnsDomain}`,
  ]
  const sansIP = [cfg.serviceIP, cfg.advertiseAddress]
  if (cfg.endpointHost) (isIP(cfg.endpointHost) ? sansIP : sansDNS).push(cfg.endpointHost)
  // Every entry passed validateCertSANs (kubeadm-cfg.mjs): an IP or a (wildcard) DNS name.
  for (const san of cfg.certSANs) (isAnyIP(san) ? sansIP : sansDNS).push(san)
  leaf(cfg, ca, 'apiserver', { cn: 'kube-apiserver', usage: 'serverAuth', dns: sansDNS, ips: sansIP })
  leaf(cfg, ca, 'apiserver-kubelet-client', {
    cn: 'kube-apiserver-kubelet-client',
    org: 'kubeadm:cluster-admins',
    usage: 'clientAuth',
  })
  const fp = loadCA(cfg, 'front-proxy-ca', 'front-proxy-ca', 'front-proxy-ca')
  leaf(cfg, fp, 'front-proxy-client', { cn: 'front-proxy-client', usage: 'clientAuth' })
  if (cfg.etcdExternal) {
    // External etcd: kubeadm makes no etcd CA or etcd certificates (certs/etcd-* are skipped).
    for (const name of ['etcd-ca', 'etcd-server', 'etcd-peer', 'etcd-healthcheck-client', 'apiserver-etcd-client'])
      out(`[certs] External etcd mode: Skipping ${name} certificate generation`)
  } else {
    const etcd = loadCA(cfg, 'etcd/ca', 'etcd/ca', 'etcd-ca')
    const etcdDNS = [cfg.nodeName, 'localhost']
    const etcdIP = [cfg.advertiseAddress, '127.0.0.1', '0:0:0:0:0:0:0:1']
    leaf(cfg, etcd, 'etcd/server', {
      cn: cfg.nodeName,
      usage: 'serverAuth, clientAuth',
      // pki_helpers.go appendSANsToAltNames: IP entries become IP SANs, names DNS SANs.
      dns: [...etcdDNS, ...(cfg.etcdLocal.serverCertSANs ?? []).filter((s) => !isAnyIP(s))],
      ips: [...etcdIP, ...(cfg.etcdLocal.serverCertSANs ?? []).filter(isAnyIP)],
    })
    leaf(cfg, etcd, 'etcd/peer', {
      cn: cfg.nodeName,
      usage: 'serverAuth, clientAuth',
      dns: [...etcdDNS, ...(cfg.etcdLocal.peerCertSANs ?? []).filter((s) => !isAnyIP(s))],
      ips: [...etcdIP, ...(cfg.etcdLocal.peerCertSANs ?? []).filter(isAnyIP)],
    })
    leaf(cfg, etcd, 'etcd/healthcheck-client', { cn: 'kube-etcd-healthcheck-client', usage: 'clientAuth' })
    leaf(cfg, etcd, 'apiserver-etcd-client', { cn: 'kube-apiserver-etcd-client', usage: 'clientAuth' })
  }
  const saKey = path.join(cfg.certificatesDir, 'sa.key')
  const saPub = path.join(cfg.certificatesDir, 'sa.pub')
  if (fs.existsSync(saKey)) {
    if (!fs.existsSync(saPub))
      fatal(
        `error execution phase certs/sa: couldn't load the public key file ${saPub}: open ${saPub}: no such file or directory`,
      )
    out('[certs] Using the existing "sa" key')
  } else {
    out('[certs] Generating "sa" key and public key')
    newKey(saKey, 'RSA-2048')
    fs.writeFileSync(saPub, openssl(['pkey', '-in', saKey, '-pubout']))
  }
  return ca
}

// SHA-256 of the CA's DER SubjectPublicKeyInfo (--discovery-token-ca-cert-hash).
export function caCertHash(caCrt) {
  const x = new X509Certificate(fs.readFileSync(caCrt))
  return `sha256:${createHash('sha256')
    .update(x.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`
}

// ------------------------------------------------------------------------------------------------
// kubeconfigs (kubeconfig.go): who each one is, and which server it talks to.
export function kubeconfigsPhase(cfg, ca, only) {
  out(`[kubeconfig] Using kubeconfig folder "${ETC}"`)
  const local = `https://${cfg.advertiseAddress}:${cfg.bindPort}`
  const shared = cfg.endpointHost ? `https://${cfg.endpointHost}:${cfg.endpointPort}` : local
  const files = [
    ['admin.conf', 'kubernetes-admin', 'kubeadm:cluster-admins', shared],
    ['super-admin.conf', 'kubernetes-super-admin', 'system:masters', shared],
    ['kubelet.conf', `system:node:${cfg.nodeName}`, 'system:nodes', shared],
    ['controller-manager.conf', 'system:kube-controller-manager', '', local],
    ['scheduler.conf', 'system:kube-scheduler', '', local],
  ].filter(([file]) => !only || only.includes(file))
  const caData = fs.readFileSync(ca.crt).toString('base64')
  if (cfg.endpointHost) {
    // Printed by kubeadm when the endpoint carries its own port.
    if (/:\d+$/.test(cfg.controlPlaneEndpoint))
      warn('[endpoint] WARNING: port specified in controlPlaneEndpoint overrides bindPort in the controlplane address')
  }
  for (const [file, user, org, server] of files) {
    const target = path.join(ETC, file)
    if (fs.existsSync(target)) {
      const text = fs.readFileSync(target, 'utf8')
      const haveCA = /certificate-authority-data:\s*(\S+)/.exec(text)?.[1]
      const haveServer = /server:\s*(\S+)/.exec(text)?.[1]
      if (haveCA !== caData)
        fatal(
          `error execution phase kubeconfig/${file.replace('.conf', '')}: a kubeconfig file "${target}" exists already but has got the wrong CA cert`,
        )
      if (haveServer !== server)
        fatal(
          `error execution phase kubeconfig/${file.replace('.conf', '')}: a kubeconfig file "${target}" exists already but has an unexpected API Server URL: expected: ${server}, got: ${haveServer}`,
        )
      out(`[kubeconfig] Using existing kubeconfig file: "${target}"`)
      continue
    }
    const key = path.join(os.tmpdir(), `flotilla-sim-key-${process.pid}`)
    newKey(key, cfg.encryptionAlgorithm)
    const cert = signLeaf(cfg, ca, key, { cn: user, org, usage: 'clientAuth' })
    const keyData = fs.readFileSync(key).toString('base64')
    fs.rmSync(key)
    const context = `${user}@${cfg.clusterName}`
    const text = [
      'apiVersion: v1',
      'clusters:',
      '- cluster:',
      `    certificate-authority-data: ${caData}`,
      `    server: ${server}`,
      `  name: ${cfg.clusterName}`,
      'contexts:',
      '- context:',
      `    cluster: ${cfg.clusterName}`,
      `    user: ${user}`,
      `  name: ${context}`,
      `current-context: ${context}`,
      'kind: Config',
      'preferences: {}',
      'users:',
      `- name: ${user}`,
      '  user:',
      `    client-certificate-data: ${Buffer.from(cert).toString('base64')}`,
      `    client-key-data: ${keyData}`,
      '',
    ].join('\n')
    fs.writeFileSync(target, text, { mode: 0o600 })
    out(`[kubeconfig] Writing "${file}" kubeconfig file`)
  }
}

// Static pod manifests: files only in phase 1 (the kubelet stand-in does not run them yet).

// ------------------------------------------------------------------------------------------------
// The CA files every control plane must share (domain.md §1, "manual certificate distribution"):
// kubeadm's SharedCertificateExists, with its texts.
export function sharedCertificateProblems(certDir, { externalEtcd = false } = {}) {
  const problems = []
  const load = (file, what, kind) => {
    const f = path.join(certDir, file)
    if (!fs.existsSync(f))
      problems.push(
        `failure loading ${kind} for ${what}: couldn't load the ${kind === 'key' ? 'private key' : 'certificate'} file ${f}: open ${f}: no such file or directory`,
      )
  }
  for (const [base, what] of [
    ['ca', 'CA'],
    ['front-proxy-ca', 'front-proxy CA'],
    ...(externalEtcd ? [] : [['etcd/ca', 'etcd CA']]),
  ]) {
    load(`${base}.crt`, what, 'certificate')
    load(`${base}.key`, what, 'key')
  }
  load('sa.key', 'service account', 'key')
  const pub = path.join(certDir, 'sa.pub')
  if (!fs.existsSync(pub))
    problems.push(
      `failure loading key for service account: couldn't load the public key file ${pub}: open ${pub}: no such file or directory`,
    )
  return problems
}

// ------------------------------------------------------------------------------------------------
// upload-certs / download-certs (phases/copycerts): the shared CA files, each AES-256-GCM
// encrypted with the certificate key (nonce prepended), in Secret kube-system/kubeadm-certs.
export const SHARED_FILES = [
  'ca.crt',
  'ca.key',
  'front-proxy-ca.crt',
  'front-proxy-ca.key',
  'sa.key',
  'sa.pub',
  'etcd/ca.crt',
  'etcd/ca.key',
]
const secretKeyOf = (file) => file.replace(/\//g, '-')

export function newCertificateKey() {
  return randomBytes(32).toString('hex')
}
function aesKey(hexKey) {
  if (!/^[0-9a-f]{64}$/i.test(hexKey ?? ''))
    fatal(`error decoding certificate key: invalid key size (flotilla-sim: expected 64 hex characters)`)
  return Buffer.from(hexKey, 'hex')
}
export function encryptBytes(data, hexKey) {
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', aesKey(hexKey), nonce)
  return Buffer.concat([nonce, cipher.update(data), cipher.final(), cipher.getAuthTag()])
}
export function decryptBytes(data, hexKey) {
  const nonce = data.subarray(0, 12)
  const tag = data.subarray(data.length - 16)
  const decipher = createDecipheriv('aes-256-gcm', aesKey(hexKey), nonce)
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()])
}
export function kubeadmCertsSecret(certDir, hexKey, { externalEtcd = false } = {}) {
  const data = {}
  for (const f of SHARED_FILES) {
    if (externalEtcd && f.startsWith('etcd/')) continue
    const file = path.join(certDir, f)
    if (!fs.existsSync(file)) continue
    data[secretKeyOf(f)] = encryptBytes(fs.readFileSync(file), hexKey).toString('base64')
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'kubeadm-certs', namespace: 'kube-system' },
    type: 'Opaque',
    data,
  }
}
/** Writes the decrypted files; a wrong key fails GCM authentication, as in kubeadm. */
export function writeDownloadedCerts(secret, certDir, hexKey) {
  const files = []
  for (const f of SHARED_FILES) {
    const value = secret.data?.[secretKeyOf(f)]
    if (value === undefined) continue
    let plain
    try {
      plain = decryptBytes(Buffer.from(value, 'base64'), hexKey)
    } catch {
      fatal(
        'error execution phase control-plane-prepare/download-certs: error downloading certs: error decoding secret data with provided key: cipher: message authentication failed',
      )
    }
    files.push([path.join(certDir, f), plain])
  }
  for (const [file, plain] of files) {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, plain, { mode: file.endsWith('.key') ? 0o600 : 0o644 })
  }
}

// ------------------------------------------------------------------------------------------------
// certs check-expiration / renew: the leaves and kubeconfigs kubeadm manages.
export const RENEWABLE = [
  [
    'admin.conf',
    'kubeconfig',
    'ca',
    'certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself',
  ],
  ['apiserver', 'apiserver', 'ca', 'certificate for serving the Kubernetes API'],
  ['apiserver-etcd-client', 'apiserver-etcd-client', 'etcd/ca', 'certificate the apiserver uses to access etcd'],
  [
    'apiserver-kubelet-client',
    'apiserver-kubelet-client',
    'ca',
    'certificate for the API server to connect to kubelet',
  ],
  [
    'controller-manager.conf',
    'kubeconfig',
    'ca',
    'certificate embedded in the kubeconfig file for the controller manager to use',
  ],
  [
    'etcd-healthcheck-client',
    'etcd/healthcheck-client',
    'etcd/ca',
    'certificate for liveness probes to healthcheck etcd',
  ],
  ['etcd-peer', 'etcd/peer', 'etcd/ca', 'certificate for etcd nodes to communicate with each other'],
  ['etcd-server', 'etcd/server', 'etcd/ca', 'certificate for serving etcd'],
  ['front-proxy-client', 'front-proxy-client', 'front-proxy-ca', 'certificate for the front proxy client'],
  [
    'scheduler.conf',
    'kubeconfig',
    'ca',
    'certificate embedded in the kubeconfig file for the scheduler manager to use',
  ],
  ['super-admin.conf', 'kubeconfig', 'ca', 'certificate embedded in the kubeconfig file for the super-admin'],
]
const CA_NAMES = { ca: 'ca', 'etcd/ca': 'etcd-ca', 'front-proxy-ca': 'front-proxy-ca' }

function certOf(name, base, certDir) {
  if (base === 'kubeconfig') {
    const text = readFileOr(path.join(ETC, name))
    const data = text && /client-certificate-data:\s*(\S+)/.exec(text)?.[1]
    return data ? Buffer.from(data, 'base64').toString() : undefined
  }
  return readFileOr(path.join(certDir, `${base}.crt`))
}
function readFileOr(f) {
  try {
    return fs.readFileSync(f, 'utf8')
  } catch {
    return undefined
  }
}
// ShortHumanDuration
function residual(ms) {
  if (ms <= 0) return '<invalid>'
  const s = Math.floor(ms / 1000)
  if (s < 120) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 120) return `${m}m`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h`
  const d = Math.floor(h / 24)
  if (h < 24 * 365 * 2) return `${d}d`
  return `${Math.floor(d / 365)}y`
}
function expiresText(date) {
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][date.getUTCMonth()]
  const p = (n) => String(n).padStart(2, '0')
  return `${mon} ${p(date.getUTCDate())}, ${date.getUTCFullYear()} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())} UTC`
}
function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] + 3))
      .join('')
      .trimEnd(),
  )
}

export function checkExpiration(certDir, { externalEtcd = false } = {}) {
  const rows = [['CERTIFICATE', 'EXPIRES', 'RESIDUAL TIME', 'CERTIFICATE AUTHORITY', 'EXTERNALLY MANAGED']]
  for (const [name, base, ca] of RENEWABLE) {
    if (externalEtcd && ca === 'etcd/ca') continue
    const pem = certOf(name, base, certDir)
    if (!pem) {
      out(`!MISSING! ${name}`)
      continue
    }
    const x = new X509Certificate(pem)
    const to = new Date(x.validTo)
    rows.push([name, expiresText(to), residual(to - Date.now()), CA_NAMES[ca], 'no'])
  }
  table(rows).forEach((l) => out(l))
  out()
  const cas = [['CERTIFICATE AUTHORITY', 'EXPIRES', 'RESIDUAL TIME', 'EXTERNALLY MANAGED']]
  for (const [base, name] of Object.entries(CA_NAMES)) {
    const pem = readFileOr(path.join(certDir, `${base}.crt`))
    if (!pem) continue
    const to = new Date(new X509Certificate(pem).validTo)
    cas.push([name, expiresText(to), residual(to - Date.now()), 'no'])
  }
  table(cas).forEach((l) => out(l))
}

// Re-signs a leaf with its CA: same subject, SANs and extended usage, a new key (renewal/manager.go).
function describeLeaf(pem) {
  const x = new X509Certificate(pem)
  const subject = Object.fromEntries(
    x.subject.split('\n').map((l) => {
      const at = l.indexOf('=')
      return [l.slice(0, at), l.slice(at + 1)]
    }),
  )
  const sans = (x.subjectAltName ?? '').split(', ').filter(Boolean)
  const eku = (x.keyUsage ?? [])
    .map((o) => ({ '1.3.6.1.5.5.7.3.1': 'serverAuth', '1.3.6.1.5.5.7.3.2': 'clientAuth' })[o])
    .filter(Boolean)
  return {
    cn: subject.CN,
    org: subject.O,
    usage: eku.join(', '),
    dns: sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)),
    ips: sans.filter((s) => s.startsWith('IP Address:')).map((s) => s.slice(11)),
  }
}
export function renewOne(name, certDir, { algorithm, validityHours }) {
  const entry = RENEWABLE.find((r) => r[0] === name)
  const [, base, caBase, what] = entry
  const ca = { crt: path.join(certDir, `${caBase}.crt`), key: path.join(certDir, `${caBase}.key`) }
  if (!fs.existsSync(ca.key))
    fatal(
      `failed to renew certificate ${name}: flotilla-sim: the ${caBase} key is missing (external CA is not simulated)`,
    )
  const pem = certOf(name, base, certDir)
  if (!pem) {
    out(`MISSING! ${what}`)
    return
  }
  const spec = describeLeaf(pem)
  const cfg = { certificateValidityHours: validityHours }
  if (base === 'kubeconfig') {
    const file = path.join(ETC, name)
    const key = path.join(os.tmpdir(), `flotilla-sim-key-${process.pid}`)
    newKey(key, algorithm)
    const cert = signLeaf(cfg, ca, key, spec)
    const keyData = fs.readFileSync(key).toString('base64')
    fs.rmSync(key)
    const text = fs
      .readFileSync(file, 'utf8')
      .replace(/client-certificate-data:\s*\S+/, `client-certificate-data: ${Buffer.from(cert).toString('base64')}`)
      .replace(/client-key-data:\s*\S+/, `client-key-data: ${keyData}`)
    fs.writeFileSync(file, text, { mode: 0o600 })
  } else {
    const key = path.join(certDir, `${base}.key`)
    newKey(key, algorithm)
    fs.writeFileSync(path.join(certDir, `${base}.crt`), signLeaf(cfg, ca, key, spec))
  }
  out(`${what} renewed`)
}
