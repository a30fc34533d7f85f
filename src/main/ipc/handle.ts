import type { IpcMain, IpcMainInvokeEvent } from 'electron'
import { CHANNEL_SCHEMAS } from '../../shared/channels'
import { EVENT_CHANNEL } from '../../shared/ipc-names'
import type { Channel, EventName } from '../../shared/contract'
import type { EventBus } from '../services/events'
import type { Logger } from '../services/log/logger'
import type { Dispatch } from '../transport/dispatcher'
import { isSameDocument } from '../navigation'

/** The parts of a WebContents the event forwarder needs (narrow, so tests can fake it). */
export interface EventTarget {
  isDestroyed(): boolean
  send(channel: string, ...args: unknown[]): void
}

/**
 * Registers every contract channel on ipcMain through one wrapper: refuses senders that are not
 * the app's own top-level page, then hands the raw arguments to the dispatcher (which validates,
 * logs and wraps the result in an envelope).
 */
export function registerIpc(ipcMain: Pick<IpcMain, 'handle'>, dispatch: Dispatch, appUrl: string, log: Logger): void {
  for (const channel of Object.keys(CHANNEL_SCHEMAS) as Channel[]) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      if (!isTrustedSender(event, appUrl)) {
        log.warn(`refused ${channel} from ${event.senderFrame?.url ?? 'a destroyed frame'}`)
        return { ok: false, error: { code: 'FORBIDDEN', message: 'This page may not use Flotilla.' } }
      }
      return dispatch(channel, args)
    })
  }
}

/** Only the main frame of our own renderer may call: no iframes, no navigated-away pages. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, appUrl: string): boolean {
  const frame = event.senderFrame
  if (!frame || frame.parent !== null) return false
  return isSameDocument(frame.url, appUrl)
}

/** Forwards service events to a window once its page has loaded; events before that are queued. */
export function forwardEvents(events: EventBus, target: EventTarget, ready: Promise<void>): () => void {
  const queue: [EventName, unknown][] = []
  let isReady = false
  const send = (name: EventName, payload: unknown) => {
    if (!target.isDestroyed()) target.send(EVENT_CHANNEL, name, payload)
  }
  void ready.then(() => {
    isReady = true
    for (const [name, payload] of queue.splice(0)) send(name, payload)
  })
  return events.onAny((name, payload) => {
    if (isReady) send(name, payload)
    else if (queue.length < 1000) queue.push([name, payload])
  })
}
