import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

/**
 * The built renderer's files, for both ways of showing it: the loopback web server (`npm run web`)
 * and the desktop app's own URL scheme (window.ts, serveRenderer). No Electron here, so the rules that
 * keep a request inside out/renderer are tested in Node.
 */

/** Every type the build emits. Anything else is served as bytes, and nosniff keeps it inert. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
}

export function mimeType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * Same policy as the renderer's meta CSP, sent as a header too. `connect-src 'self'` covers the
 * same-origin WebSocket in current Chromium; the explicit ws: origin (web server only) keeps older
 * engines working.
 */
export function contentSecurityPolicy(webSocketOrigin?: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    webSocketOrigin ? `connect-src 'self' ${webSocketOrigin}` : "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ')
}

export type Resolved = { ok: true; file: string; size: number } | { ok: false; status: number; text: string }

export interface ResolveOptions {
  /**
   * Unknown paths get index.html (a single-page app in a browser, whose routes may become paths).
   * The desktop scheme says no instead: it serves exactly the files of the build.
   */
  fallbackToIndex: boolean
}

/**
 * Which file of `root` a request path (as in the URL: still percent-encoded) names, or why none.
 * Decoded before it is judged, so `..%2f` and `%5c..` cannot climb out; directories mean their
 * index.html.
 */
export async function resolveRendererFile(root: string, urlPath: string, options: ResolveOptions): Promise<Resolved> {
  let pathname: string
  try {
    pathname = decodeURIComponent(urlPath)
  } catch {
    return { ok: false, status: 400, text: 'Bad request' }
  }
  if (pathname.includes('\0')) return { ok: false, status: 400, text: 'Bad request' }
  const base = normalize(root + sep)
  const file = normalize(join(root, pathname))
  if (!file.startsWith(base) && file !== normalize(root)) return { ok: false, status: 403, text: 'Forbidden' }

  const info = await stat(file).catch(() => null)
  if (info?.isFile()) return { ok: true, file, size: info.size }
  if (info?.isDirectory() || options.fallbackToIndex) {
    const index = join(info?.isDirectory() ? file : root, 'index.html')
    const indexInfo = await stat(index).catch(() => null)
    if (indexInfo?.isFile()) return { ok: true, file: index, size: indexInfo.size }
    if (normalize(index) === join(root, 'index.html')) {
      return { ok: false, status: 503, text: 'The UI is not built yet: run `npm run build`.' }
    }
  }
  return { ok: false, status: 404, text: 'Not found' }
}

/** Headers every served renderer file carries. */
function fileHeaders(file: string, csp: string): Record<string, string> {
  return {
    'Content-Type': mimeType(file),
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  }
}

export interface RendererResponse {
  status: number
  headers: Record<string, string>
  body: Buffer | null
}

/**
 * A whole response for one request to the renderer's origin: what the desktop scheme's handler
 * returns (and what the browser test serves through the same code). Files are small; read whole.
 */
export async function rendererResponse(
  root: string,
  request: { method: string; url: string },
  options: ResolveOptions & { csp: string },
): Promise<RendererResponse> {
  const plain = (status: number, text: string): RendererResponse => ({
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    body: Buffer.from(text),
  })
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed')
  let urlPath: string
  try {
    urlPath = new URL(request.url).pathname
  } catch {
    return plain(400, 'Bad request')
  }
  const resolved = await resolveRendererFile(root, urlPath, options)
  if (!resolved.ok) return plain(resolved.status, resolved.text)
  const body = request.method === 'HEAD' ? null : await readFile(resolved.file)
  return { status: 200, headers: fileHeaders(resolved.file, options.csp), body }
}

/** Serves the built renderer from `root` over HTTP; refuses anything outside it. */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, csp: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed')
  const resolved = await resolveRendererFile(root, new URL(req.url ?? '/', 'http://localhost').pathname, {
    // Single-page app: the renderer owns its routes (it uses the hash today, paths tomorrow).
    fallbackToIndex: true,
  })
  if (!resolved.ok) return send(res, resolved.status, resolved.text)
  res.writeHead(200, { ...fileHeaders(resolved.file, csp), 'Content-Length': resolved.size })
  if (req.method === 'HEAD') return void res.end()
  createReadStream(resolved.file).pipe(res)
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text)
}
