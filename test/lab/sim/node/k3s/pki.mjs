// flotilla-sim: SIMULATOR, not k3s. k3s's certificates (pkg/daemons/control/deps): five CAs under
// <data-dir>/server/tls, self-generated (ECDSA P-256, "<prefix>-ca@<unix time>", 10 years) or the
// administrator's custom CA files placed there before the first start; leaves signed with openssl
// and written as k3s writes them, leaf followed by its CA bundle.
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { certsOf } from './token.mjs'
import { signLeaf as x509Leaf } from '../x509.mjs'

export class PkiError extends Error {}

export function openssl(args, input) {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' })
  if (r.status !== 0) throw new PkiError(`flotilla-sim: openssl ${args[0]} failed: ${r.stderr.trim()}`)
  return r.stdout
}

function writeFile(file, data, mode = 0o644) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  fs.writeFileSync(file, data, { mode })
  fs.chmodSync(file, mode)
}

export function newKey(file) {
  writeFile(file, openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']), 0o600)
}

/** The CA files a custom CA must provide (docs: cli/certificate.md "Using Custom CA Certificates"). */
export const CA_FILES = [
  ['server-ca', 'k3s-server'],
  ['client-ca', 'k3s-client'],
  ['request-header-ca', 'k3s-request-header'],
  ['etcd/server-ca', 'etcd-server'],
  ['etcd/peer-ca', 'etcd-peer'],
]

export function tlsPaths(dataDir) {
  const tls = path.join(dataDir, 'server', 'tls')
  return { tls, file: (name) => path.join(tls, name) }
}

function keyMatches(keyFile, certPem) {
  const pubOfKey = openssl(['pkey', '-in', keyFile, '-pubout'])
  const pubOfCert = openssl(['x509', '-noout', '-pubkey'], certPem)
  return pubOfKey.trim() === pubOfCert.trim()
}

/**
 * Makes sure the five CAs and service.key exist. With none of them present, k3s generates them
 * all. With some present (a custom CA), every one must be there: the real k3s would silently
 * generate a self-signed CA in place of each missing pair, leaving a mixed set that breaks joins
 * and the precomputed token later; the simulator refuses at once (stricter than k3s).
 * Returns { custom: boolean }.
 */
export function ensureCAs(dataDir, log) {
  const { file } = tlsPaths(dataDir)
  const all = [...CA_FILES.flatMap(([n]) => [`${n}.crt`, `${n}.key`]), 'service.key']
  const present = all.filter((f) => fs.existsSync(file(f)))
  if (present.length === all.length) {
    for (const [n] of CA_FILES) checkCA(file(`${n}.crt`), file(`${n}.key`))
    return { custom: !generatedByUs(dataDir) }
  }
  if (present.length > 0 && !generatedByUs(dataDir)) {
    const missing = all.filter((f) => !present.includes(f)).map((f) => file(f))
    throw new PkiError(
      `flotilla-sim: custom CA certificates in ${tlsPaths(dataDir).tls} are incomplete: missing ${missing.join(', ')} ` +
        `(k3s would generate a new self-signed CA for each missing file, mixing it with the custom ones; ` +
        `place every file contrib/util/generate-custom-ca-certs.sh writes)`,
    )
  }
  for (const [n, prefix] of CA_FILES) {
    if (fs.existsSync(file(`${n}.crt`)) && fs.existsSync(file(`${n}.key`))) continue
    newKey(file(`${n}.key`))
    const cn = `${prefix}-ca@${Math.floor(Date.now() / 1000)}`
    writeFile(
      file(`${n}.crt`),
      openssl([
        'req',
        '-x509',
        '-new',
        '-key',
        file(`${n}.key`),
        '-subj',
        `/CN=${cn}`,
        '-days',
        '3650',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
      ]),
    )
    log?.(`Generated ${n} certificate authority ${cn}`)
  }
  if (!fs.existsSync(file('service.key'))) {
    writeFile(file('service.key'), openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']), 0o600)
  }
  fs.writeFileSync(path.join(tlsPaths(dataDir).tls, '.flotilla-sim-generated'), '')
  return { custom: false }
}

const generatedByUs = (dataDir) => fs.existsSync(path.join(tlsPaths(dataDir).tls, '.flotilla-sim-generated'))

function checkCA(crtFile, keyFile) {
  const pem = fs.readFileSync(crtFile, 'utf8')
  const certs = certsOf(pem)
  if (!certs.length)
    throw new PkiError(`failed to load ${crtFile}: data does not contain any valid RSA or ECDSA certificates`)
  if (!certs[0].ca)
    throw new PkiError(`flotilla-sim: ${crtFile} is not a CA certificate (basicConstraints CA:TRUE required)`)
  try {
    createPrivateKey(fs.readFileSync(keyFile))
  } catch {
    throw new PkiError(`failed to load ${keyFile}: data does not contain a valid RSA or ECDSA private key`)
  }
  if (!keyMatches(keyFile, certs[0].toString()))
    throw new PkiError(`flotilla-sim: ${keyFile} does not match the first certificate in ${crtFile}`)
  if (new Date(certs[0].validTo) < new Date()) throw new PkiError(`flotilla-sim: ${crtFile} has expired`)
}

/** Signs a leaf for keyFile with the CA (cert + key files); returns leaf PEM followed by the CA bundle. */
export function signLeaf({ caCrt, caKey, keyFile, cn, org = [], usage, sans = [], days = 365 }) {
  return x509Leaf({ caCrt, caKey, keyFile, cn, orgs: org, usage, sans, days }) + fs.readFileSync(caCrt, 'utf8')
}

/**
 * A leaf (cert + key files) kept while it is signed by the CA and has every SAN; otherwise
 * (re)generated, as createClientCertKey's fieldsChanged does.
 */
export function ensureLeaf({ dir, name, caCrt, caKey, cn, org = [], usage, sans = [] }) {
  const crt = path.join(dir, `${name}.crt`)
  const key = path.join(dir, `${name}.key`)
  if (fs.existsSync(crt) && fs.existsSync(key)) {
    try {
      const x = certsOf(fs.readFileSync(crt, 'utf8'))[0]
      const ca = certsOf(fs.readFileSync(caCrt, 'utf8'))[0]
      const have = (x.subjectAltName ?? '').split(', ')
      const want = sans.map((s) => (/^[\d.]+$/.test(s) ? `IP Address:${s}` : `DNS:${s}`))
      if (x.checkIssued(ca) && x.verify(ca.publicKey) && want.every((w) => have.includes(w))) return { crt, key }
    } catch {
      /* regenerate */
    }
  }
  if (!fs.existsSync(key)) newKey(key)
  writeFile(crt, signLeaf({ caCrt, caKey, keyFile: key, cn, org, usage, sans }))
  return { crt, key }
}

export { X509Certificate }
