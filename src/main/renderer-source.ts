/**
 * Where the desktop window's page comes from. No Electron import: the decision is tested in Node.
 *
 * Packaged (and `npm start`): from the app's own URL scheme, flotilla://app/, served by
 * window.ts (serveRenderer) from out/renderer. Not from file://: with the grantFileProtocolExtraPrivileges
 * fuse off (electron-builder.yml) file:// pages have an opaque origin, and Chromium blocks the
 * build's `<script type="module" crossorigin>` and stylesheet as cross-origin, leaving a blank window.
 */
export const APP_SCHEME = 'flotilla'
export const APP_HOST = 'app'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_URL = `${APP_ORIGIN}/index.html`

/**
 * A standard, secure scheme that fetch() may use: it gets a real origin (so same-origin module
 * scripts and `'self'` in the CSP work) and counts as a secure context. Nothing more: no CORS
 * opening, no service workers, no bypassing the CSP.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const

/**
 * The URL the window loads, which is also the only page allowed to navigate or call IPC.
 * `ELECTRON_RENDERER_URL` (set by `electron-vite dev` for its dev server) counts only in an
 * unpackaged build and only for a loopback http address: in an installed app, whoever controls the
 * launch environment must not be able to load a page of theirs that then gets all of window.api.
 */
export function rendererUrl(options: { isPackaged: boolean; devServerUrl?: string | undefined }): string {
  if (!options.isPackaged && options.devServerUrl && isLoopbackHttp(options.devServerUrl)) return options.devServerUrl
  return APP_URL
}

function isLoopbackHttp(url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)
  } catch {
    return false
  }
}
