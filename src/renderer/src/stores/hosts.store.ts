import { create } from 'zustand'
import type { AppErrorData } from '../../../shared/errors'
import type { Host, HostInput, HostPatch, ReachabilityResult } from '../../../shared/types'
import { asError } from '../errors'
import { useToasts } from './toasts.store'

interface HostsState {
  hosts: Host[]
  loaded: boolean
  /** Last reachability result per host id. */
  reachability: Record<string, ReachabilityResult>
  checking: Record<string, boolean>
  load(): Promise<void>
  /** Resolves to null on success, or the error (its `details.fields` go next to the form fields). */
  add(input: HostInput): Promise<AppErrorData | null>
  update(id: string, patch: HostPatch): Promise<AppErrorData | null>
  remove(id: string): Promise<void>
  check(ids: string[]): Promise<void>
}

let subscribed = false

/** The inventory as the UI sees it: a snapshot on load, then live `hosts:changed` events. */
export const useHosts = create<HostsState>((set, get) => ({
  hosts: [],
  loaded: false,
  reachability: {},
  checking: {},
  load: async () => {
    if (!subscribed) {
      subscribed = true
      window.api.hosts.onChanged(({ hosts }) => set({ hosts }))
    }
    try {
      set({ hosts: await window.api.hosts.list(), loaded: true })
    } catch (error) {
      set({ loaded: true })
      useToasts.getState().error(asError(error))
    }
  },
  add: async (input) => formCall(async () => set({ hosts: [...get().hosts, await window.api.hosts.add(input)] })),
  update: async (id, patch) =>
    formCall(async () => {
      const host = await window.api.hosts.update(id, patch)
      set({ hosts: get().hosts.map((h) => (h.id === id ? host : h)) })
    }),
  remove: async (id) => {
    try {
      await window.api.hosts.remove(id)
      set({ hosts: get().hosts.filter((h) => h.id !== id) })
    } catch (error) {
      useToasts.getState().error(asError(error))
    }
  },
  check: async (ids) => {
    set({ checking: { ...get().checking, ...Object.fromEntries(ids.map((id) => [id, true])) } })
    try {
      const results = await window.api.hosts.check(ids)
      set({ reachability: { ...get().reachability, ...Object.fromEntries(results.map((r) => [r.hostId, r])) } })
    } catch (error) {
      const e = asError(error)
      if (e.code !== 'CANCELLED') useToasts.getState().error(e)
    } finally {
      const checking = { ...get().checking }
      for (const id of ids) delete checking[id]
      set({ checking })
    }
  },
}))

/** Field errors go back to the form; anything else (storage, disconnect) becomes a toast as well. */
async function formCall(run: () => Promise<void>): Promise<AppErrorData | null> {
  try {
    await run()
    return null
  } catch (raw) {
    const error = asError(raw)
    if (!error.details?.fields) useToasts.getState().error(error)
    return error
  }
}
