import { create } from 'zustand'
import type { Host, HostInput, HostPatch, ReachabilityResult } from '../../../shared/types'
import { asError } from '../errors'
import { outcome, type Outcome } from './outcome'
import { useToasts } from './toasts.store'

interface HostsState {
  hosts: Host[]
  loaded: boolean
  /** Last reachability result per host id. */
  reachability: Record<string, ReachabilityResult>
  checking: Record<string, boolean>
  load(): Promise<void>
  /** The host as stored, or the error whose `details.fields` go next to the form fields (outcome.ts). */
  add(input: HostInput): Promise<Outcome<Host>>
  update(id: string, patch: HostPatch): Promise<Outcome<Host>>
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
  add: async (input) => {
    const result = await outcome(() => window.api.hosts.add(input))
    // The `hosts:changed` event may have brought it already.
    if (result.ok && !get().hosts.some((h) => h.id === result.value.id)) set({ hosts: [...get().hosts, result.value] })
    return result
  },
  update: async (id, patch) => {
    const result = await outcome(() => window.api.hosts.update(id, patch))
    if (result.ok) set({ hosts: get().hosts.map((h) => (h.id === id ? result.value : h)) })
    return result
  },
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
