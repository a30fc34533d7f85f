// flotilla-sim: SIMULATOR, not k3s. The joining side of k3s's TLS bootstrap (clientaccess): fetch
// /cacerts without verification, check the token's CA hash against it, then verify the server
// certificate (chain and host name, as Go's TLS client does) with that bundle before any
// credentials are sent; then authenticated GETs with basic auth (user "server" or "node") or a
// bootstrap token as bearer.
import https from 'node:https'
import { hashCA, parseToken } from './token.mjs'

function get(url, { ca, insecure = false, auth, headers = {}, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url)
    const h = { ...headers }
    if (auth?.bearer) h.authorization = `Bearer ${auth.bearer}`
    else if (auth?.username)
      h.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
    const req = https.request(
      {
        host: u.hostname,
        port: u.port || 443,
        path: u.pathname + u.search,
        method: 'GET',
        headers: h,
        ca: ca ? [ca] : undefined,
        rejectUnauthorized: !insecure,
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const body = Buffer.concat(chunks)
          if (res.statusCode < 200 || res.statusCode > 299)
            reject(new Error(`${url}: ${res.statusCode} ${STATUS[res.statusCode] ?? ''}`.trim()))
          else resolve(body)
        })
      },
    )
    req.on('timeout', () =>
      req.destroy(
        new Error(`Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`),
      ),
    )
    req.on('error', (e) => reject(new Error(goError(url, e))))
    req.end()
  })
}

const STATUS = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

// Go's net/http error texts for what Node reports.
function goError(url, e) {
  if (e.message?.startsWith('Get "')) return e.message
  const host = new URL(url).host
  switch (e.code) {
    case 'ECONNREFUSED':
      return `Get "${url}": dial tcp ${host}: connect: connection refused`
    case 'EHOSTUNREACH':
      return `Get "${url}": dial tcp ${host}: connect: no route to host`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Get "${url}": dial tcp: lookup ${new URL(url).hostname}: no such host`
    case 'ECONNRESET':
      return `Get "${url}": read tcp: connection reset by peer`
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `Get "${url}": tls: failed to verify certificate: x509: certificate is valid for ${altNames(e)}, not ${new URL(url).hostname}`
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `Get "${url}": tls: failed to verify certificate: x509: certificate signed by unknown authority`
    default:
      return `Get "${url}": ${e.message}`
  }
}
function altNames(e) {
  const names = (e.cert?.subjectaltname ?? '').split(', ').map((s) => s.replace(/^(DNS|IP Address):/, ''))
  return names.join(', ')
}

/**
 * ParseAndValidateToken(server, token, user): returns {baseURL, caCerts, info, auth}. Rejects
 * with k3s's error texts (`failed to get CA certs: …`, `CA cert validation failed: …`, `token CA
 * hash does not match the Cluster CA certificate hash: X != Y`, token format errors).
 */
export async function validateToken(server, token, username) {
  const info = parseToken(token)
  let url
  try {
    url = new URL(server)
  } catch {
    throw new Error(`Invalid server url, failed to parse: ${server}`)
  }
  if (url.protocol !== 'https:') throw new Error(`only https:// URLs are supported, invalid scheme: ${server}`)
  const base = `${url.protocol}//${url.host}`
  let caCerts
  try {
    caCerts = await get(`${base}/cacerts`, { insecure: true })
  } catch (e) {
    throw new Error(`failed to get CA certs: ${e.message}`)
  }
  if (info.caHash) {
    const serverHash = hashCA(caCerts)
    if (serverHash !== info.caHash)
      throw new Error(`token CA hash does not match the Cluster CA certificate hash: ${info.caHash} != ${serverHash}`)
  } else {
    warnings.push(
      "Cluster CA certificate is not trusted by the host CA bundle, but the token does not include a CA hash. Use the full token from the server's node-token file to enable Cluster CA validation.",
    )
  }
  try {
    await get(`${base}/cacerts`, { ca: caCerts })
  } catch (e) {
    throw new Error(`CA cert validation failed: ${e.message}`)
  }
  const auth = info.bootstrap
    ? { bearer: `${info.bootstrap.id}.${info.bootstrap.secret}` }
    : { username: username ?? info.username, password: info.password }
  return {
    baseURL: base,
    caCerts,
    info,
    auth,
    get: (path, headers) => get(`${base}${path}`, { ca: caCerts, auth, headers }),
  }
}

export const warnings = []
