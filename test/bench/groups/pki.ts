import { execFileSync } from 'node:child_process'
import { createPrivateKey } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { KeyAlgorithm } from '../../../src/shared/types'
import { BACKDATE_MS, generateCaSet } from '../../../src/main/services/pki/ca-sets'
import { createCertificate } from '../../../src/main/services/pki/certificate-builder'
import { generateKey } from '../../../src/main/services/pki/keys'
import { round, timeMedian, type BenchGroup } from '../harness'

/**
 * A kubeadm CA set as Flotilla makes it — 3 CAs + service-account key pair + one admin client
 * certificate — against the openssl CLI making the same set in the same run (one command after
 * another, as a setup script would). Target: Flotilla ≤ 0.5 × openssl for RSA, ≤ 50 ms for ECDSA.
 */
export const pki: BenchGroup = {
  name: 'pki',
  description: 'kubeadm CA set (3 CAs + SA + admin cert): Flotilla (Node crypto + forge ASN.1) vs the openssl CLI',
  async run(report) {
    const rsa = await timeMedian(() => flotillaSet('RSA-2048'), 21, 2)
    const openssl = await timeMedian(opensslSet, 11, 1)
    report('pki_rsa_set_ms', round(rsa, 1), 'ms')
    report('pki_rsa_set_openssl_ms', round(openssl, 1), 'ms')
    report('pki_rsa_set_ratio', round(rsa / openssl, 3), 'ratio')
    report('pki_ecdsa_set_ms', round(await timeMedian(() => flotillaSet('ECDSA-P256'), 30, 3), 2), 'ms')
  },
}

/**
 * What `pki init` and `kubeconfig export` compute, minus the vault and file writes. The admin key
 * is generated alongside the CA keys, as the set is made at once: every key in the thread pool.
 */
async function flotillaSet(algorithm: KeyAlgorithm): Promise<void> {
  const now = new Date()
  const [set, admin] = await Promise.all([generateCaSet('kubeadm', algorithm, now), generateKey(algorithm)])
  const ca = set.cas[0]!
  createCertificate({
    subject: { commonName: 'flotilla-admin', organizations: ['kubeadm:cluster-admins'] },
    publicKey: admin.publicKey,
    signer: { key: createPrivateKey(ca.keyPem), certPem: ca.certPem },
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + 365 * 86_400_000),
    isCa: false,
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['clientAuth'],
  })
}

const CA_EXT = [
  '-addext',
  'basicConstraints=critical,CA:TRUE',
  '-addext',
  'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
]

/** The same set with the openssl CLI, one command after another. */
function opensslSet(): void {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-openssl-'))
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
  try {
    for (const [name, cn] of [
      ['ca', 'kubernetes'],
      ['etcd-ca', 'etcd-ca'],
      ['front-proxy-ca', 'front-proxy-ca'],
    ] as const) {
      run(
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`],
        ...['-days', '3650', '-subj', `/CN=${cn}`, ...CA_EXT, '-addext', `subjectAltName=DNS:${cn}`],
      )
    }
    run('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key')
    run('pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub')
    run(
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'admin.key',
      '-subj',
      '/O=kubeadm:cluster-admins/CN=flotilla-admin',
      '-out',
      'admin.csr',
    )
    writeFileSync(
      join(dir, 'admin.ext'),
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    )
    run(
      'x509',
      '-req',
      '-in',
      'admin.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '365',
      '-out',
      'admin.crt',
      '-extfile',
      'admin.ext',
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
