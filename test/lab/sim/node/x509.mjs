// flotilla-sim: SIMULATOR. The one leaf-certificate signer of the stand-ins (kubeadm's certs phase
// and kubeconfigs, k3s's serving and client certificates): a CSR for an existing key, signed with
// openssl by the first certificate of a CA file, with the key usages both tools give their leaves.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'

export class OpensslError extends Error {}

export function openssl(args, input) {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' })
  if (r.status !== 0) throw new OpensslError(`flotilla-sim: openssl ${args[0]} failed: ${r.stderr.trim()}`)
  return r.stdout
}

const isIP = (s) => /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':')

/**
 * Signs a leaf for `keyFile` and returns its PEM: not a CA, digitalSignature + keyEncipherment
 * (critical), `usage` as extendedKeyUsage ("serverAuth", "clientAuth" or both), subject
 * `/O=…/CN=cn`, and the SANs (`sans` entries are IPs or DNS names, deduplicated in order).
 */
export function signLeaf({ caCrt, caKey, keyFile, cn, orgs = [], usage, sans = [], days }) {
  const unique = [...new Set(sans)]
  const ext = [
    '[leaf]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    `extendedKeyUsage = ${usage}`,
    'authorityKeyIdentifier = keyid',
    ...(unique.length ? [`subjectAltName = ${unique.map((s) => `${isIP(s) ? 'IP' : 'DNS'}:${s}`).join(',')}`] : []),
  ].join('\n')
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-sim-x509-'))
  try {
    const extFile = path.join(tmp, 'ext.cnf')
    const caFirst = path.join(tmp, 'ca.crt')
    fs.writeFileSync(extFile, ext)
    // A CA file may be a bundle (k3s's custom intermediate CAs): the issuer is its first cert.
    const pem = fs.readFileSync(caCrt, 'utf8')
    fs.writeFileSync(caFirst, /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0] ?? pem)
    const subj = `${orgs.map((o) => `/O=${o}`).join('')}/CN=${cn}`
    const csr = openssl(['req', '-new', '-key', keyFile, '-subj', subj])
    return openssl(
      [
        'x509',
        '-req',
        '-CA',
        caFirst,
        '-CAkey',
        caKey,
        '-set_serial',
        `0x${randomBytes(8).toString('hex')}`,
        '-days',
        String(days),
        '-extfile',
        extFile,
        '-extensions',
        'leaf',
      ],
      csr,
    )
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}
