import type { Transport } from '../../shared/bridge'
import type { EventBus } from '../services/events'
import type { Dispatch } from './dispatcher'

/**
 * The bridge's transport inside one Node process (CLI, benchmarks, tests). Arguments go through a
 * JSON round trip so in-process callers meet exactly what IPC and WebSocket callers meet.
 */
export function localTransport(dispatch: Dispatch, events: EventBus): Transport {
  return {
    invoke: async (channel, args) => JSON.parse(JSON.stringify(await dispatch(channel, clone(args)))),
    subscribe: (event, listener) => events.on(event, (payload) => listener(clone(payload))),
  }
}

function clone<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value))
}
