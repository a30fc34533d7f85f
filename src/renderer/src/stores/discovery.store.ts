import { create } from 'zustand'
import type { AdoptInput, ProbeResult } from '../../../shared/types'
import { asError } from '../errors'
import { useHosts } from './hosts.store'
import { outcome, type Outcome } from './outcome'
import { useSsh } from './ssh.store'
import { useToasts } from './toasts.store'

interface DiscoveryState {
  /** The id of the scan operation while one runs. */
  scanOpId: string | null
  /** Hosts being identified now. */
  probing: Record<string, boolean>
  /** Last probe failure per host (a success is stored on the host itself). */
  probeErrors: Record<string, string>
  scan(timeoutSec?: number): Promise<void>
  cancelScan(): Promise<void>
  probe(ids: string[]): Promise<void>
  /** Gives a discovered host its login, then connects (with the SSH dialogs) and identifies it. */
  adopt(id: string, input: AdoptInput): Promise<Outcome<void>>
  /** Logs in afresh (asking what is missing) and, once in, identifies the host again. */
  recheck(id: string): Promise<void>
  ignore(id: string, ignored: boolean): Promise<void>
}

/** Hosts to identify as soon as they are connected (the connect flow may ask questions first). */
const identifyAfterConnect = new Set<string>()

/** Scans, identification and adoption; the host list itself is in hosts.store. */
export const useDiscovery = create<DiscoveryState>((set, get) => ({
  scanOpId: null,
  probing: {},
  probeErrors: {},
  scan: async (timeoutSec = 15) => {
    if (get().scanOpId) return
    const opId = window.api.ops.newId()
    set({ scanOpId: opId })
    try {
      const result = await window.api.discovery.scan({ timeoutSec }, { opId })
      useToasts.getState().show({
        kind: 'info',
        message:
          result.hostIds.length === 0
            ? 'No machine answered over mDNS. Add yours by address.'
            : `${result.hostIds.length} machine${result.hostIds.length === 1 ? '' : 's'} found on the LAN.`,
      })
    } catch (error) {
      const e = asError(error)
      if (e.code !== 'CANCELLED') useToasts.getState().error(e)
    } finally {
      set({ scanOpId: null })
    }
  },
  cancelScan: async () => {
    const opId = get().scanOpId
    if (opId) await window.api.ops.cancel(opId).catch(() => undefined)
  },
  probe: async (ids) => {
    set({ probing: { ...get().probing, ...Object.fromEntries(ids.map((id) => [id, true])) } })
    try {
      const results: ProbeResult[] = await window.api.discovery.probe(ids)
      const errors = { ...get().probeErrors }
      for (const r of results) {
        if (r.ok) delete errors[r.hostId]
        else errors[r.hostId] = r.error.message
      }
      set({ probeErrors: errors })
    } catch (error) {
      const e = asError(error)
      if (e.code !== 'CANCELLED') useToasts.getState().error(e)
    } finally {
      const probing = { ...get().probing }
      for (const id of ids) delete probing[id]
      set({ probing })
    }
  },
  adopt: async (id, input) => {
    const result = await outcome(() => window.api.discovery.adopt(id, input))
    if (!result.ok) return result
    identifyAfterConnect.add(id)
    await useSsh.getState().connect(id)
    return { ok: true, value: undefined }
  },
  recheck: async (id) => {
    // Identified after the login succeeds (the subscription below), however many dialogs it takes.
    identifyAfterConnect.add(id)
    await useSsh.getState().connect(id)
  },
  ignore: async (id, ignored) => {
    try {
      await window.api.discovery.ignore(id, ignored)
    } catch (error) {
      useToasts.getState().error(asError(error))
    }
  },
}))

// A host is identified once its login works (however many dialogs that took): right after it was
// adopted, and on the first successful connect of a host never identified.
useSsh.subscribe((state, previous) => {
  for (const [id, result] of Object.entries(state.results)) {
    if (!result.ok || result === previous.results[id]) continue
    const host = useHosts.getState().hosts.find((h) => h.id === id)
    if (identifyAfterConnect.delete(id) || (host && !host.identification)) void useDiscovery.getState().probe([id])
  }
})
