// flotilla-sim: SIMULATOR, not k3s. k3s's join tokens as pkg/clientaccess/token.go reads and writes
// them: `K10<CA hash>::<credentials>` (secure) or the bare credentials (short); credentials are
// `user:password`, a bare password, or a kubeadm-style bootstrap token `[a-z0-9]{6}.[a-z0-9]{16}`.
import { createHash, X509Certificate, randomBytes } from 'node:crypto'

export const TOKEN_PREFIX = 'K10'
const CA_HASH_LENGTH = 64
const BOOTSTRAP = /^([a-z0-9]{6})\.([a-z0-9]{16})$/

export class TokenError extends Error {}

/** parseToken: { caHash, username, password, bootstrap: {id, secret} | undefined }; throws k3s's texts. */
export function parseToken(token) {
  if (!token) throw new TokenError('token must not be empty')
  if (!token.startsWith(TOKEN_PREFIX))
    token = BOOTSTRAP.test(token) ? `${TOKEN_PREFIX}::${token}` : `${TOKEN_PREFIX}:::${token}`
  let rest = token.slice(TOKEN_PREFIX.length)
  const info = { caHash: '', username: '', password: '', bootstrap: undefined }
  const cut = rest.indexOf('::')
  if (cut >= 0) {
    const hash = rest.slice(0, cut)
    if (hash.length > 0 && hash.length !== CA_HASH_LENGTH) throw new TokenError('invalid token CA hash length')
    info.caHash = hash
    rest = rest.slice(cut + 2)
  }
  const m = BOOTSTRAP.exec(rest)
  if (m) {
    info.bootstrap = { id: m[1], secret: m[2] }
    return info
  }
  const colon = rest.indexOf(':')
  if (colon < 0 || colon === rest.length - 1) throw new TokenError('invalid token format')
  info.username = rest.slice(0, colon)
  info.password = rest.slice(colon + 1)
  return info
}

export const isBootstrapToken = (s) => BOOTSTRAP.test(s)

/** The credentials part as k3s prints it back (Info.String without the hash). */
export const credentials = (info) =>
  info.bootstrap ? `${info.bootstrap.id}.${info.bootstrap.secret}` : `${info.username}:${info.password}`

/** Splits a PEM bundle into X509Certificate objects (in file order). */
export function certsOf(pem) {
  const blocks = String(pem).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  return blocks.map((b) => new X509Certificate(b))
}

/**
 * hashCA (token.go): a bundle with one certificate hashes the literal file bytes (the self-signed
 * server CA as stored on disk); a bundle with more hashes the DER of the root that the first
 * certificate chains to (custom CA: the root's fingerprint). No chain: the file bytes again.
 */
export function hashCA(bytes) {
  const certs = certsOf(bytes)
  if (certs.length === 0) throw new TokenError('data does not contain any valid RSA or ECDSA certificates')
  let data = Buffer.from(bytes)
  if (certs.length > 1) {
    const others = certs.slice(1)
    const root = chainRoot(certs[0], others)
    if (root) data = root.raw
  }
  return createHash('sha256').update(data).digest('hex')
}

function selfSigned(c) {
  return c.subject === c.issuer && c.checkIssued(c) && safeVerify(c, c)
}
function safeVerify(child, parent) {
  try {
    return child.verify(parent.publicKey)
  } catch {
    return false
  }
}
function chainRoot(leaf, pool, depth = 0) {
  if (depth > 8) return undefined
  for (const c of pool) {
    if (c === leaf || !leaf.checkIssued(c) || !safeVerify(leaf, c)) continue
    if (selfSigned(c)) return c
    const r = chainRoot(c, pool, depth + 1)
    if (r) return r
  }
  if (selfSigned(leaf) && depth > 0) return leaf
  return undefined
}

export const formatToken = (creds, caBytes) => `${TOKEN_PREFIX}${hashCA(caBytes)}::${creds}`

/** A random password as k3s generates for the server token (hex of 16 random bytes). */
export const randomPassword = () => randomBytes(16).toString('hex')

/** `k3s token generate`: a kubeadm-style bootstrap token. */
export function generateBootstrapToken() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  const pick = (n) =>
    Array.from(randomBytes(n))
      .map((b) => alphabet[b % alphabet.length])
      .join('')
  return `${pick(6)}.${pick(16)}`
}
