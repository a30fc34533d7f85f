import { describe, expect, it } from 'vitest'
import { parseArgs } from '../../../shared/validate'
import type { KeyAlgorithm } from '../../../shared/types'
import { tempDir } from '../vault/test-support'
import { BOOTSTRAP_TOKEN, newBootstrapToken } from './join-token'
import { secretName } from './pki-service'
import { openssl, pkiIn, put, sh } from './test-support'

const KUBEADM_CNS = { 'cluster-ca': 'kubernetes', 'etcd-ca': 'etcd-ca', 'front-proxy-ca': 'front-proxy-ca' }
const CA_USAGE = 'Digital Signature, Key Encipherment, Certificate Sign'

async function kubeadmCluster(algorithm: KeyAlgorithm) {
  const env = pkiIn()
  const cluster = await env.clusters.create({ name: 'homelab', flavour: 'kubeadm', endpoint: '10.0.0.10:6443' })
  const record = await env.pki.init(cluster.id, { algorithm })
  return { ...env, cluster, record, out: tempDir('flotilla-pki-out-') }
}

describe.each(['RSA-2048', 'ECDSA-P256'] as const)('kubeadm CA set, %s', (algorithm) => {
  it('makes the CAs kubeadm expects, and openssl agrees on every field', async () => {
    const { record, vault, cluster, out } = await kubeadmCluster(algorithm)
    expect(record.cas.map((c) => c.file)).toEqual(['ca.crt', 'etcd/ca.crt', 'front-proxy-ca.crt'])
    for (const ca of record.cas) {
      const crt = put(out, ca.file, ca.pem)
      expect(openssl(['verify', '-CAfile', crt, crt])).toMatch(/: OK/)
      const text = openssl(['x509', '-in', crt, '-noout', '-text'])
      const cn = KUBEADM_CNS[ca.role as keyof typeof KUBEADM_CNS]
      expect(text).toMatch(new RegExp(`Subject: CN = ${cn}\\n`))
      expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/)
      expect(text).toMatch(new RegExp(`X509v3 Key Usage: critical\\s+${CA_USAGE}\\n`))
      expect(text).toMatch(new RegExp(`DNS:${cn}`))
      expect(text).toMatch(/X509v3 Subject Key Identifier/)
      expect(text).toMatch(algorithm === 'RSA-2048' ? /Public-Key: \(2048 bit\)/ : /NIST CURVE: P-256/)
      expect(text).toMatch(algorithm === 'RSA-2048' ? /sha256WithRSAEncryption/ : /ecdsa-with-SHA256/)
      // Ten years, backdated an hour for Pis whose clock is behind.
      const days = (Date.parse(ca.notAfter) - Date.now()) / 86_400_000
      expect(days).toBeGreaterThan(3649)
      expect(days).toBeLessThan(3651)
      expect(Date.now() - Date.parse(ca.notBefore)).toBeGreaterThanOrEqual(59 * 60_000)
      // The key in the vault is the certificate's key.
      const keyFile = ca.file.replace('.crt', '.key')
      const key = (await vault.get(secretName(cluster.id, keyFile)))!.reveal()
      const fromKey = openssl(['pkey', '-pubout'], key)
      expect(openssl(['x509', '-in', crt, '-noout', '-pubkey'])).toBe(fromKey)
    }
    // sa.key / sa.pub are a pair.
    const saKey = (await vault.get(secretName(cluster.id, 'sa.key')))!.reveal()
    expect(openssl(['pkey', '-pubout'], saKey)).toBe(record.serviceAccount.publicKeyPem)
  })

  it('computes the discovery hash exactly as the openssl pipeline does', async () => {
    const { record, out } = await kubeadmCluster(algorithm)
    const crt = put(out, 'ca.crt', record.cas[0]!.pem)
    const piped = sh(`openssl x509 -pubkey -noout -in ${crt} | openssl pkey -pubin -outform der | sha256sum`)
    expect(record.discoveryHash).toBe(`sha256:${piped.split(' ')[0]}`)
    if (algorithm === 'RSA-2048') {
      // The one-liner from the kubeadm docs (RSA only).
      const doc = sh(
        `cat ${crt} | openssl x509 -pubkey | openssl rsa -pubin -outform der 2>/dev/null | openssl dgst -sha256 -hex | sed 's/^.* //'`,
      )
      expect(record.discoveryHash).toBe(`sha256:${doc.trim()}`)
    }
  })

  it('issues leaves that verify against their CA only, with the asked-for subject and SANs', async () => {
    const { pki, cluster, record, out } = await kubeadmCluster(algorithm)
    const leaf = await pki.issue(cluster.id, {
      caRole: 'etcd-ca',
      subject: { commonName: 'pi-1' },
      days: 365,
      extKeyUsage: ['serverAuth', 'clientAuth'],
      dnsNames: ['pi-1', 'localhost'],
      ipAddresses: ['10.77.0.11', '127.0.0.1', '::1'],
    })
    const etcdCa = put(out, 'etcd-ca.crt', record.cas[1]!.pem)
    const clusterCa = put(out, 'cluster-ca.crt', record.cas[0]!.pem)
    const crt = put(out, 'leaf.crt', leaf.certPem)
    expect(openssl(['verify', '-CAfile', etcdCa, crt])).toMatch(/: OK/)
    expect(() => openssl(['verify', '-CAfile', clusterCa, crt])).toThrow()
    const text = openssl(['x509', '-in', crt, '-noout', '-text'])
    expect(text).toMatch(/Subject: CN = pi-1\n/)
    expect(text).toMatch(/Issuer: CN = etcd-ca\n/)
    expect(text).toMatch(
      /DNS:pi-1, DNS:localhost, IP Address:10.77.0.11, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1/,
    )
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/)
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/)
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/)
    expect(openssl(['pkey', '-pubout'], leaf.keyPem.reveal())).toBe(openssl(['x509', '-in', crt, '-noout', '-pubkey']))
  })
})

describe('k3s CA set', () => {
  it('makes the five CAs k3s reads from server/tls, plus service.key', async () => {
    const { clusters, pki, vault } = pkiIn()
    const cluster = await clusters.create({ name: 'edge', flavour: 'k3s', endpoint: 'k3s.home.arpa' })
    const record = await pki.init(cluster.id, {})
    expect(record.algorithm).toBe('ECDSA-P256')
    expect(record.cas.map((c) => c.file)).toEqual([
      'server-ca.crt',
      'client-ca.crt',
      'request-header-ca.crt',
      'etcd/server-ca.crt',
      'etcd/peer-ca.crt',
    ])
    const out = tempDir()
    for (const ca of record.cas) {
      const crt = put(out, ca.file, ca.pem)
      expect(openssl(['verify', '-CAfile', crt, crt])).toMatch(/: OK/)
      expect(openssl(['x509', '-in', crt, '-noout', '-text'])).toMatch(/CA:TRUE/)
      expect(ca.subject).toMatch(/^CN=(k3s-server|k3s-client|k3s-request-header|etcd-server|etcd-peer)-ca@\d+$/)
    }
    expect(record.serviceAccount).toMatchObject({ file: 'service.key', keyAlgorithm: 'RSA-2048' })
    // The secure-token CA hash of a custom-CA k3s: SHA-256 of the root (server-ca) certificate's DER.
    const serverCa = put(out, 'server-ca.crt', record.cas[0]!.pem)
    const der = sh(`openssl x509 -in ${serverCa} -outform der | sha256sum`)
    expect(record.k3sTokenCaHash).toBe(der.split(' ')[0])
    expect(await vault.get(secretName(cluster.id, 'etcd/peer-ca.key'))).toBeDefined()
  })
})

describe('PKI rules', () => {
  it('never replaces an existing CA set and refuses Ed25519 at the contract', async () => {
    const { pki, clusters } = pkiIn()
    const cluster = await clusters.create({ name: 'a', flavour: 'kubeadm', endpoint: '10.0.0.1' })
    await pki.init(cluster.id, { algorithm: 'ECDSA-P256' })
    await expect(pki.init(cluster.id, {})).rejects.toMatchObject({ code: 'PKI_EXISTS' })
    expect(() => parseArgs('pki:init', ['op1', cluster.id, { algorithm: 'Ed25519' }])).toThrow(/Algorithm is one of/)
    expect(() => pki.joinToken('nope')).toThrow(expect.objectContaining({ code: 'CLUSTER_NOT_FOUND' }))
  })

  it('makes bootstrap tokens in kubeadm’s format from the CSPRNG, all different', () => {
    const tokens = new Set(Array.from({ length: 2000 }, () => newBootstrapToken()))
    expect(tokens.size).toBe(2000)
    for (const token of tokens) expect(token).toMatch(BOOTSTRAP_TOKEN)
    // Every character of the alphabet shows up in the secret part (uniform sampling, not a subset).
    const seen = new Set([...tokens].join('').replace('.', ''))
    expect(seen.size).toBe(37)
  })
})
