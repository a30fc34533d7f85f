import type { EventName, PayloadOf } from '../../shared/contract'

type AnyListener = (name: EventName, payload: unknown) => void

/**
 * The services' outgoing events, typed by the contract. Transports subscribe once with `onAny` and
 * forward to windows or sockets; services only `emit`.
 */
export class EventBus {
  readonly #listeners = new Set<AnyListener>()

  emit<E extends EventName>(name: E, payload: PayloadOf<E>): void {
    for (const listener of this.#listeners) {
      try {
        listener(name, payload)
      } catch {
        // A broken subscriber (a closed socket) must not stop the others or the emitting service.
      }
    }
  }

  /** Subscribe to every event; returns the unsubscribe function. */
  onAny(listener: AnyListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Subscribe to one event. */
  on<E extends EventName>(name: E, listener: (payload: PayloadOf<E>) => void): () => void {
    return this.onAny((n, payload) => {
      if (n === name) listener(payload as PayloadOf<E>)
    })
  }
}
