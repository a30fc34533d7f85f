import { BrowserWindow, session, shell, type WebContents } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isSameDocument } from './navigation'

export interface WindowOptions {
  /** Absolute path of the built preload (out/preload/index.cjs). */
  preloadPath: string
  /** Dev server URL in `electron-vite dev`, else undefined. */
  devServerUrl?: string | undefined
  /** Absolute path of the built renderer's index.html. */
  indexHtml: string
  /** Open DevTools only for development builds. */
  devTools: boolean
  icon?: string
}

/** The URL the window loads; the only origin its frames may navigate to or call IPC from. */
export function rendererUrl(options: Pick<WindowOptions, 'devServerUrl' | 'indexHtml'>): string {
  return options.devServerUrl ?? pathToFileURL(options.indexHtml).toString()
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
  const url = rendererUrl(options)
  hardenWebContents(win.webContents, url)
  win.once('ready-to-show', () => win.show())
  void win.loadURL(url)
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
  indexHtml: join(mainDir, '../renderer/index.html'),
})
