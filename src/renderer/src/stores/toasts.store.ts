import { create } from 'zustand'
import type { AppErrorData, ErrorCode } from '../../../shared/errors'

export interface Toast {
  id: number
  kind: 'error' | 'info'
  message: string
  code?: string
  /** How many times the same message came while shown (a repeat is counted, not stacked). */
  count?: number
}

/**
 * Another place in the UI that already shows an error (the operations tray, a host row): returns
 * true when it shows this one, so it is not toasted a second time.
 */
export type ErrorPlace = (error: AppErrorData) => boolean

interface ToastState {
  toasts: Toast[]
  show(toast: Omit<Toast, 'id' | 'count'>): void
  /** Toasts an error of a user action, unless another place shows it (see `toastable`). */
  error(error: AppErrorData): void
  dismiss(id: number): void
  /** Registers a place that shows errors itself; returns its removal. */
  addPlace(place: ErrorPlace): () => void
  /** A place took over an error already toasted (it arrived there after the toast): drop the toast. */
  retract(message: string): void
}

let nextId = 1
const INFO_MS = 5000
/** More would cover what the user is working on; the oldest goes first. */
export const MAX_TOASTS = 3

/**
 * Errors that have their own place and are never toasted: the status bar's connection indicator
 * (DISCONNECTED, FORBIDDEN: the token page) and the user's own cancel.
 */
const PLACED_CODES: ReadonlySet<ErrorCode> = new Set(['DISCONNECTED', 'FORBIDDEN', 'CANCELLED'])
const places = new Set<ErrorPlace>()

/**
 * One place per message. A toast is for the error of a user action that has no other place: not
 * one the connection indicator, the operations tray or a row already shows (`addPlace`), and the
 * same message twice is one toast with a count.
 */
export function toastable(error: AppErrorData): boolean {
  if (PLACED_CODES.has(error.code)) return false
  for (const place of places) if (place(error)) return false
  return true
}

/** Messages for the user: errors stay until dismissed, info fades after a few seconds. */
export const useToasts = create<ToastState>((set, get) => ({
  toasts: [],
  show: (toast) => {
    const same = get().toasts.find((t) => t.message === toast.message && t.kind === toast.kind)
    if (same) {
      set({ toasts: get().toasts.map((t) => (t === same ? { ...t, count: (t.count ?? 1) + 1 } : t)) })
      return
    }
    const id = nextId++
    set({ toasts: [...get().toasts.slice(-(MAX_TOASTS - 1)), { ...toast, id }] })
    if (toast.kind === 'info') setTimeout(() => get().dismiss(id), INFO_MS)
  },
  error: (error) => {
    if (toastable(error)) get().show({ kind: 'error', message: error.message, code: error.code })
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
  addPlace: (place) => {
    places.add(place)
    return () => void places.delete(place)
  },
  retract: (message) => {
    if (get().toasts.some((t) => t.message === message))
      set({ toasts: get().toasts.filter((t) => t.message !== message) })
  },
}))
