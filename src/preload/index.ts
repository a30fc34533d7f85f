/**
 * Preload (sandboxed, bundled into one CommonJS file): exposes exactly one global, `window.api`,
 * built by the shared bridge over Electron IPC.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { createApi } from '../shared/bridge'
import { ipcTransport } from './ipc-transport'

contextBridge.exposeInMainWorld('api', createApi(ipcTransport(ipcRenderer)))
