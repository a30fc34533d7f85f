import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { contentSecurityPolicy, mimeType, rendererResponse, resolveRendererFile } from './static-files'

let parent: string
let root: string
beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'flotilla-renderer-'))
  root = join(parent, 'renderer')
  mkdirSync(join(root, 'assets'), { recursive: true })
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Flotilla</title>')
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)')
  writeFileSync(join(root, 'assets', 'index-abc.css'), 'body{}')
  writeFileSync(join(parent, 'secret.txt'), 'do not serve')
  mkdirSync(join(parent, 'renderer-evil'))
  writeFileSync(join(parent, 'renderer-evil', 'x.js'), 'evil')
})

const app = (path: string) => ({ method: 'GET', url: `flotilla://app${path}` })
const strict = { csp: contentSecurityPolicy(), fallbackToIndex: false }

describe('renderer files (the desktop scheme and the web server)', () => {
  it('serves the build with the types module scripts and stylesheets need', async () => {
    const js = await rendererResponse(root, app('/assets/index-abc.js'), strict)
    expect(js.status).toBe(200)
    expect(js.headers['Content-Type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['X-Content-Type-Options']).toBe('nosniff')
    expect(js.body?.toString()).toBe('console.log(1)')
    expect((await rendererResponse(root, app('/assets/index-abc.css'), strict)).headers['Content-Type']).toBe(
      'text/css; charset=utf-8',
    )
    const index = await rendererResponse(root, app('/index.html'), strict)
    expect(index.headers['Content-Type']).toBe('text/html; charset=utf-8')
    expect(index.headers['Content-Security-Policy']).toContain("default-src 'self'")
    expect(index.headers['Content-Security-Policy']).not.toContain('ws:')
    expect((await rendererResponse(root, app('/'), strict)).body?.toString()).toContain('<title>Flotilla</title>')
    expect(mimeType('a/b.WOFF2')).toBe('font/woff2')
    expect(mimeType('a/b.exe')).toBe('application/octet-stream')
  })

  it('never leaves the renderer folder, however the path is spelled', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%2frenderer-evil/x.js',
      '/..%2f..%2f..%2f..%2fetc/passwd',
    ]) {
      const res = await rendererResponse(root, app(path), strict)
      expect(res.status, path).not.toBe(200)
      expect(res.body?.toString(), path).not.toMatch(/do not serve|evil|root:/)
    }
    // The lexical check itself, below URL parsing (which already folds plain `..`).
    expect(await resolveRendererFile(root, '/../secret.txt', { fallbackToIndex: true })).toMatchObject({
      ok: false,
      status: 403,
    })
    expect(await resolveRendererFile(root, '/../renderer-evil/x.js', { fallbackToIndex: true })).toMatchObject({
      ok: false,
      status: 403,
    })
    expect(await resolveRendererFile(root, '/%00index.html', { fallbackToIndex: true })).toMatchObject({ status: 400 })
    expect(await resolveRendererFile(root, '/%E0%A4%A', { fallbackToIndex: true })).toMatchObject({ status: 400 })
  })

  it('serves only files of the build on the desktop scheme, and only reads', async () => {
    expect((await rendererResponse(root, app('/hosts'), strict)).status).toBe(404)
    expect((await rendererResponse(root, app('/assets/'), strict)).status).toBe(404)
    expect((await rendererResponse(root, { method: 'POST', url: 'flotilla://app/index.html' }, strict)).status).toBe(
      405,
    )
    const head = await rendererResponse(root, { method: 'HEAD', url: 'flotilla://app/index.html' }, strict)
    expect(head).toMatchObject({ status: 200, body: null })
  })

  it('gives unknown paths index.html for the web server, and says when nothing is built', async () => {
    expect(await resolveRendererFile(root, '/hosts', { fallbackToIndex: true })).toMatchObject({
      ok: true,
      file: join(root, 'index.html'),
    })
    expect(await resolveRendererFile(join(parent, 'missing'), '/', { fallbackToIndex: true })).toMatchObject({
      status: 503,
    })
  })
})
