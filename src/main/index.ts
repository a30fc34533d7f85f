/**
 * Electron lifecycle only: single instance, data directory, services, IPC, the window. Everything
 * Flotilla does lives in services built by createApp (app.ts).
 */
import { app, BrowserWindow, ipcMain } from 'electron'
import Store from 'electron-store'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createApp } from './app'
import { dataDirFlag, resolveDataDir } from './data-dir'
import { forwardEvents, registerIpc } from './ipc/handle'
import { rendererUrl } from './renderer-source'
import { guardStore, STORE_FILE_MODE } from './services/store/key-value-store'
import { buildPaths, createMainWindow, denyAllPermissions, registerRendererScheme, serveRenderer } from './window'

const mainDir = fileURLToPath(new URL('.', import.meta.url))
// Electron accepts scheme privileges only before the app is ready.
registerRendererScheme()

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  // --data-dir / FLOTILLA_DATA_DIR move everything, Chromium's own files included.
  const flag = dataDirFlag(process.argv)
  if (flag !== undefined || process.env.FLOTILLA_DATA_DIR) app.setPath('userData', resolveDataDir({ flag }))
  const dataDir = app.getPath('userData')

  const services = createApp({
    dataDir,
    transport: 'electron',
    version: app.getVersion(),
    createStore: (name) =>
      guardStore(name, () => {
        const store = new Store<Record<string, unknown>>({ cwd: dataDir, name, configFileMode: STORE_FILE_MODE })
        return { path: store.path, get: (k) => store.get(k), set: (k, v) => store.set(k, v) }
      }),
  })

  const paths = buildPaths(mainDir)
  const url = rendererUrl({ isPackaged: app.isPackaged, devServerUrl: process.env.ELECTRON_RENDERER_URL })
  registerIpc(ipcMain, services.dispatch, url, services.log)

  const openWindow = () => {
    // Packaged: electron-builder copies it into resources/ (extraResources); in development: the repo's.
    const icon = app.isPackaged ? join(process.resourcesPath, 'icon.png') : join(mainDir, '../../resources/icon.png')
    const win = createMainWindow({
      preloadPath: paths.preloadPath,
      url,
      devTools: !app.isPackaged,
      ...(existsSync(icon) ? { icon } : {}),
    })
    const loaded = new Promise<void>((resolve) => win.webContents.once('did-finish-load', () => resolve()))
    const stop = forwardEvents(services.events, win.webContents, loaded)
    // The window's secret dialog answers operations that wait for a secret while it is open.
    const stopAnswering = services.ops.answerSecrets()
    win.on('closed', () => {
      stop()
      stopAnswering()
    })
    return win
  }

  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows()
    if (win) {
      if (win.isMinimized()) win.restore()
      win.focus()
    }
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  app.on('before-quit', () => services.close())

  void app.whenReady().then(() => {
    denyAllPermissions()
    serveRenderer(paths.rendererDir)
    openWindow()
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow()
    })
  })
}
