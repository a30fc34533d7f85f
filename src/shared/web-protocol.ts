/**
 * Messages of the loopback WebSocket transport (`npm run web`). Requests carry an id so answers
 * can arrive out of order; events are pushed with their contract name.
 */
import type { Envelope, EventName } from './contract'

export const WEB_API_PATH = '/api'

export interface WebRequest {
  id: number
  channel: string
  args: unknown[]
}

export type WebServerMessage =
  { type: 'result'; id: number; envelope: Envelope<unknown> } | { type: 'event'; name: EventName; payload: unknown }
