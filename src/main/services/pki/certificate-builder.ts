import { createHash, createPublicKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto'
import { isIPv4, isIPv6 } from 'node:net'
import forge from 'node-forge'

/**
 * X.509 certificates built with node-forge's ASN.1 encoder and signed with Node's crypto.
 *
 * Why not forge's `pki.createCertificate().sign()`: node-forge has no ECDSA at all (it can neither
 * read an EC public key nor sign with one), and its RSA signing runs in JavaScript, several times
 * slower than OpenSSL. So the TBSCertificate is assembled here, field by field as RFC 5280 lays it
 * out (and as Go's crypto/x509 — i.e. kubeadm — fills it), and Node signs its DER bytes:
 * RSA PKCS#1 v1.5 with SHA-256, or ECDSA P-256 with SHA-256, one code path for both.
 */

const { asn1 } = forge
const U = asn1.Class.UNIVERSAL
const T = asn1.Type

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const

export type KeyUsage = 'digitalSignature' | 'keyEncipherment' | 'keyCertSign'
export type ExtKeyUsage = 'serverAuth' | 'clientAuth'

/** Bit positions from RFC 5280 §4.2.1.3. */
const KEY_USAGE_BIT: Record<KeyUsage, number> = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5 }

export interface SubjectSpec {
  commonName: string
  /** O= values, e.g. `kubeadm:cluster-admins`. */
  organizations?: string[]
}

export interface CertificateSpec {
  subject: SubjectSpec
  /** The public key the certificate is for. */
  publicKey: KeyObject
  /** Who signs: the CA's certificate and key, or (no `certPem`) the subject's own key: self-signed. */
  signer: { key: KeyObject; certPem?: string }
  notBefore: Date
  notAfter: Date
  isCa: boolean
  keyUsage: KeyUsage[]
  extKeyUsage?: ExtKeyUsage[]
  dnsNames?: string[]
  ipAddresses?: string[]
}

/** Builds and signs a certificate; returns it as PEM. */
export function createCertificate(spec: CertificateSpec): string {
  const spki = spec.publicKey.export({ type: 'spki', format: 'der' })
  const issuerCert = spec.signer.certPem ? new X509Certificate(spec.signer.certPem) : null
  const issuerName = issuerCert ? subjectOf(issuerCert) : encodeName(spec.subject)
  const signatureAlgorithm = algorithmIdentifier(spec.signer.key)

  const extensions = [
    extension(OID.keyUsage, true, keyUsageBits(spec.keyUsage)),
    ...(spec.extKeyUsage?.length
      ? [extension(OID.extKeyUsage, false, seq(spec.extKeyUsage.map((u) => oid(OID[u]))))]
      : []),
    extension(OID.basicConstraints, true, seq(spec.isCa ? [bool(true)] : [])),
    ...(spec.isCa ? [extension(OID.subjectKeyId, false, octets(keyIdentifier(spki)))] : []),
    // Like Go's x509: self-signed certificates carry no AuthorityKeyIdentifier.
    ...(issuerCert
      ? [
          extension(
            OID.authorityKeyId,
            false,
            seq([ctx(0, false, keyIdentifier(issuerCert.publicKey.export({ type: 'spki', format: 'der' })))]),
          ),
        ]
      : []),
    ...subjectAltName(spec.dnsNames ?? [], spec.ipAddresses ?? []),
  ]

  const tbs = seq([
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [integer(Buffer.from([2]))]),
    integer(newSerial()),
    signatureAlgorithm,
    issuerName,
    seq([time(spec.notBefore), time(spec.notAfter)]),
    encodeName(spec.subject),
    fromDer(spki),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 3, true, [seq(extensions)]),
  ])
  const tbsDer = toBuffer(tbs)
  const signature = sign('sha256', tbsDer, spec.signer.key)
  const der = toBuffer(seq([tbs, signatureAlgorithm, bits(signature)]))
  return toPem(der)
}

/** SubjectKeyIdentifier as Go and RFC 5280 §4.2.1.2 (1) compute it: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(spkiDer: Buffer): Buffer {
  const spki = fromDer(spkiDer)
  const bitString = (spki.value as forge.asn1.Asn1[])[1]!.value as string
  return createHash('sha1')
    .update(Buffer.from(bitString.slice(1), 'binary'))
    .digest()
}

/** The public key of a certificate or private key, for callers that only have the PEM. */
export function publicKeyOf(pem: string): KeyObject {
  return pem.includes('CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem)
}

function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
}

/** Random positive 128-bit serial whose first byte is 0x40–0x7f: positive and minimally encoded. */
function newSerial(): Buffer {
  const serial = randomBytes(16)
  serial[0] = (serial[0]! & 0x3f) | 0x40
  return serial
}

/** The issuer's subject, byte for byte as it appears in its certificate (names must match exactly). */
function subjectOf(cert: X509Certificate): forge.asn1.Asn1 {
  const parsed = fromDer(cert.raw)
  const tbs = (parsed.value as forge.asn1.Asn1[])[0]!
  return (tbs.value as forge.asn1.Asn1[])[5]!
}

/** O= before CN=, the order Go's pkix.Name writes them (so `openssl x509 -subject` matches kubeadm's). */
function encodeName(subject: SubjectSpec): forge.asn1.Asn1 {
  const attribute = (type: string, value: string) =>
    asn1.create(U, T.SET, true, [seq([oid(type), asn1.create(U, T.UTF8, false, forge.util.encodeUtf8(value))])])
  return seq([
    ...(subject.organizations ?? []).map((o) => attribute(OID.organization, o)),
    attribute(OID.commonName, subject.commonName),
  ])
}

function algorithmIdentifier(key: KeyObject): forge.asn1.Asn1 {
  return key.asymmetricKeyType === 'ec'
    ? seq([oid(OID.ecdsaWithSHA256)])
    : seq([oid(OID.sha256WithRSA), asn1.create(U, T.NULL, false, '')])
}

function keyUsageBits(usages: KeyUsage[]): forge.asn1.Asn1 {
  let value = 0
  for (const usage of usages) value |= 0x80 >> KEY_USAGE_BIT[usage]
  // DER: no trailing zero bits; the first content byte says how many bits of the last are unused.
  let unused = 0
  while (unused < 8 && value !== 0 && (value & (1 << unused)) === 0) unused++
  return asn1.create(U, T.BITSTRING, false, String.fromCharCode(unused, value))
}

function subjectAltName(dnsNames: string[], ips: string[]): forge.asn1.Asn1[] {
  if (dnsNames.length === 0 && ips.length === 0) return []
  const names = [
    ...dnsNames.map((d) => ctx(2, false, Buffer.from(d, 'ascii'))),
    ...ips.map((ip) => ctx(7, false, ipBytes(ip))),
  ]
  return [extension(OID.subjectAltName, false, seq(names))]
}

/** IPv4 as 4 bytes, IPv6 as 16 (RFC 5280 iPAddress). */
export function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number))
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`)
  let text = ip
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    const b = ipBytes(v4[1]!)
    text =
      text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
  const out = Buffer.alloc(16)
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2))
  return out
}

function extension(id: string, critical: boolean, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return seq([oid(id), ...(critical ? [bool(true)] : []), octets(toBuffer(value))])
}

function time(date: Date): forge.asn1.Asn1 {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return date.getUTCFullYear() < 2050
    ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date))
}

const seq = (items: forge.asn1.Asn1[]) => asn1.create(U, T.SEQUENCE, true, items)
const oid = (id: string) => asn1.create(U, T.OID, false, asn1.oidToDer(id).getBytes())
const bool = (v: boolean) => asn1.create(U, T.BOOLEAN, false, v ? '\xff' : '\x00')
const integer = (b: Buffer) => asn1.create(U, T.INTEGER, false, b.toString('binary'))
const octets = (b: Buffer) => asn1.create(U, T.OCTETSTRING, false, b.toString('binary'))
const bits = (b: Buffer) => asn1.create(U, T.BITSTRING, false, '\x00' + b.toString('binary'))
const ctx = (tag: number, constructed: boolean, b: Buffer) =>
  asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, constructed, b.toString('binary'))
const toBuffer = (node: forge.asn1.Asn1) => Buffer.from(asn1.toDer(node).getBytes(), 'binary')
/** Parses DER; BIT STRINGs stay opaque bytes (forge would otherwise try to read them as ASN.1). */
const fromDer = (der: Buffer) =>
  // @types/node-forge only knows the older boolean `strict` argument; forge 1.x takes options.
  (asn1.fromDer as unknown as (bytes: forge.util.ByteStringBuffer, options: object) => forge.asn1.Asn1)(
    forge.util.createBuffer(der.toString('binary')),
    { decodeBitStrings: false },
  )
