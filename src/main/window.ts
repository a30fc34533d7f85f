import { BrowserWindow, protocol, session, shell, type WebContents } from 'electron'
import { join } from 'node:path'
import { isSameDocument } from './navigation'
import { APP_HOST, APP_SCHEME, APP_SCHEME_PRIVILEGES } from './renderer-source'
import { contentSecurityPolicy, rendererResponse } from './web/static-files'

export interface WindowOptions {
  /** Absolute path of the built preload (out/preload/index.cjs). */
  preloadPath: string
  /** What the window loads: rendererUrl() (renderer-source.ts), the only page it may show. */
  url: string
  /** Open DevTools only for development builds. */
  devTools: boolean
  icon?: string
}

/**
 * The one way to make a window: isolated, sandboxed, no Node in the page, no popups, no navigation
 * away from the app, no permissions. External https links open in the user's browser instead.
 */
export function createMainWindow(options: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'Flotilla',
    backgroundColor: '#0f1720',
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: options.devTools,
    },
  })
  hardenWebContents(win.webContents, options.url)
  win.once('ready-to-show', () => win.show())
  void win.loadURL(options.url)
  return win
}

/** Navigation, popup and webview guards for one WebContents. Exported for tests. */
export function hardenWebContents(contents: WebContents, appUrl: string): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalHttps(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  contents.on('will-navigate', (event, url) => {
    if (!isSameDocument(url, appUrl)) event.preventDefault()
  })
  contents.on('will-redirect', (event, url) => {
    if (!isSameDocument(url, appUrl)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

/**
 * The app's own URL scheme, flotilla://app/…, serving the built renderer (`rendererDir`, nothing
 * else: the path rules live in web/static-files.ts). Why not file://: see renderer-source.ts.
 * Must run before the app is ready (Electron's rule for privileged schemes).
 */
export function registerRendererScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }])
}

/** After ready: answer flotilla://app/<path> from `rendererDir`; any other host is not ours. */
export function serveRenderer(rendererDir: string): void {
  const csp = contentSecurityPolicy()
  protocol.handle(APP_SCHEME, async (request) => {
    if (new URL(request.url).host !== APP_HOST) return new Response('Not found', { status: 404 })
    const res = await rendererResponse(rendererDir, request, { csp, fallbackToIndex: false })
    return new Response(res.body, { status: res.status, headers: res.headers })
  })
}

/** Deny every permission (camera, notifications, geolocation…): Flotilla needs none. */
export function denyAllPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.defaultSession.setPermissionCheckHandler(() => false)
}

function isExternalHttps(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:'
  } catch {
    return false
  }
}

export const buildPaths = (mainDir: string) => ({
  preloadPath: join(mainDir, '../preload/index.cjs'),
  /** out/renderer: what serveRenderer serves as flotilla://app/. */
  rendererDir: join(mainDir, '../renderer'),
})
