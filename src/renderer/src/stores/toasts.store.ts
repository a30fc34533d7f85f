import { create } from 'zustand'
import type { AppErrorData } from '../../../shared/errors'

export interface Toast {
  id: number
  kind: 'error' | 'info'
  message: string
  code?: string
}

interface ToastState {
  toasts: Toast[]
  show(toast: Omit<Toast, 'id'>): void
  error(error: AppErrorData): void
  dismiss(id: number): void
}

let nextId = 1
const INFO_MS = 5000

/** Messages for the user: errors stay until dismissed, info fades after a few seconds. */
export const useToasts = create<ToastState>((set, get) => ({
  toasts: [],
  show: (toast) => {
    const id = nextId++
    set({ toasts: [...get().toasts.slice(-4), { ...toast, id }] })
    if (toast.kind === 'info') setTimeout(() => get().dismiss(id), INFO_MS)
  },
  error: (error) => get().show({ kind: 'error', message: error.message, code: error.code }),
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
}))
