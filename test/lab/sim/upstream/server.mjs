// FLOTILLA SIMULATOR: the lab's "upstream" HTTPS server -- not the internet (test/lab/sim/upstream).
// Answers for the names in ./hosts from static files (sites/<host>/<path>) and generated ones
// (<generated>/<host>/<path>); see README.md for the contract. Node built-ins only.
//
//   node server.mjs --address A --cert F --key F --static DIR --generated DIR --hosts FILE --log FILE
import fs from 'node:fs'
import https from 'node:https'
import path from 'node:path'

const args = {}
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1]
for (const k of ['address', 'cert', 'key', 'static', 'generated', 'hosts', 'log']) {
  if (!args[k]) {
    console.error(`server.mjs: --${k} is required`)
    process.exit(2)
  }
}

const hosts = new Set(
  fs
    .readFileSync(args.hosts, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean),
)
const roots = [args.static, args.generated]

const TYPES = {
  '.sh': 'text/x-sh',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.gz': 'application/gzip',
  '.xz': 'application/x-xz',
  '.deb': 'application/vnd.debian.binary-package',
  '.rpm': 'application/x-rpm',
  '.key': 'application/pgp-keys',
  '.asc': 'application/pgp-keys',
  '.gpg': 'application/pgp-signature',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.txt': 'text/plain',
}
const typeOf = (file) =>
  path.basename(file) === '__index__' ? 'text/plain' : (TYPES[path.extname(file)] ?? 'application/octet-stream')

// The file for HOST and the decoded URL path, or a redirect target, or undefined.
function lookup(host, urlPath) {
  let rel = urlPath
  if (rel.endsWith('/')) rel += '__index__'
  const parts = rel.split('/').filter((p) => p !== '')
  if (parts.some((p) => p === '..' || p === '.')) return undefined
  for (const root of roots) {
    const file = path.join(root, host, ...parts)
    try {
      if (fs.statSync(file).isFile()) return { file }
    } catch {
      // no such file in this root: try its redirect, then the next root
    }
    try {
      const target = fs.readFileSync(`${file}.302`, 'utf8').split('\n')[0].trim()
      if (target) return { redirect: target }
    } catch {
      // no redirect either
    }
  }
  return undefined
}

function handle(req, res) {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase()
  let urlPath
  try {
    urlPath = decodeURIComponent(new URL(req.url, 'https://x').pathname)
  } catch {
    urlPath = undefined
  }
  // Logged before the answer goes out: a client that has its answer finds it in the log.
  const done = (status, bytes) =>
    fs.appendFileSync(
      args.log,
      `${JSON.stringify({
        time: new Date().toISOString(),
        client: req.socket.remoteAddress,
        host,
        method: req.method,
        path: req.url,
        status,
        bytes,
        agent: req.headers['user-agent'] ?? '',
      })}\n`,
    )
  const plain = (status, text, extra = {}) => {
    done(status, 0)
    res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text), ...extra })
    res.end(req.method === 'HEAD' ? undefined : text)
  }
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return plain(405, '405 Method Not Allowed\n', { Allow: 'GET, HEAD' })
  const found = hosts.has(host) && urlPath !== undefined ? lookup(host, urlPath) : undefined
  if (!found) return plain(404, '404 Not Found\n')
  if (found.redirect) return plain(302, `Found: ${found.redirect}\n`, { Location: found.redirect })
  const stat = fs.statSync(found.file)
  done(200, req.method === 'HEAD' ? 0 : stat.size)
  res.writeHead(200, {
    'Content-Type': typeOf(found.file),
    'Content-Length': stat.size,
    'Last-Modified': stat.mtime.toUTCString(),
  })
  if (req.method === 'HEAD') return res.end()
  fs.createReadStream(found.file).pipe(res)
}

const server = https.createServer({ cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key) }, handle)
server.listen(443, args.address, () => console.log(`upstream listening on https://${args.address}:443`))
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0))
