import type { IpcRenderer, IpcRendererEvent } from 'electron'
import type { Transport } from '../shared/bridge'
import type { Envelope } from '../shared/contract'
import { EVENT_CHANNEL } from '../shared/ipc-names'

/** The bridge's transport over Electron IPC. The page never sees ipcRenderer itself. */
export function ipcTransport(ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>): Transport {
  return {
    invoke: (channel, args) => ipc.invoke(channel, ...args) as Promise<Envelope<unknown>>,
    subscribe: (event, listener) => {
      const handler = (_e: IpcRendererEvent, name: unknown, payload: unknown) => {
        if (name === event) listener(payload)
      }
      ipc.on(EVENT_CHANNEL, handler)
      return () => void ipc.removeListener(EVENT_CHANNEL, handler)
    },
  }
}
