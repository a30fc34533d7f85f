import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
}

/**
 * Same policy as the renderer's meta CSP, sent as a header too. `connect-src 'self'` covers the
 * same-origin WebSocket in current Chromium; the explicit ws: origin keeps older engines working.
 */
export function contentSecurityPolicy(origin: string): string {
  const ws = origin.replace(/^http/, 'ws')
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self' ${ws}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ')
}

/** Serves the built renderer from `root`; refuses anything outside it. Unknown paths get index.html. */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, csp: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed')
  const url = new URL(req.url ?? '/', 'http://localhost')
  let pathname: string
  try {
    pathname = decodeURIComponent(url.pathname)
  } catch {
    return send(res, 400, 'Bad request')
  }
  if (pathname.includes('\0')) return send(res, 400, 'Bad request')
  const base = normalize(root + sep)
  let file = normalize(join(root, pathname))
  if (!file.startsWith(base) && file !== normalize(root)) return send(res, 403, 'Forbidden')
  let info = await stat(file).catch(() => null)
  if (!info || info.isDirectory()) {
    // Single-page app: the renderer owns its routes (it uses the hash today, paths tomorrow).
    file = join(root, 'index.html')
    info = await stat(file).catch(() => null)
    if (!info) return send(res, 503, 'The UI is not built yet: run `npm run build`.')
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  })
  if (req.method === 'HEAD') return void res.end()
  createReadStream(file).pipe(res)
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text)
}
