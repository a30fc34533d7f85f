import { create } from 'zustand'
import type {
  ClusterPki,
  IssuedKubeconfig,
  KeyAlgorithm,
  KubeconfigExportRequest,
  KubeconfigExportResult,
  VaultBackupResult,
  VaultMode,
  VaultRestoreResult,
  VaultStatus,
} from '../../../shared/types'
import { asError } from '../errors'
import { outcome, type Outcome } from './outcome'
import { useToasts } from './toasts.store'

interface SecurityState {
  vault: VaultStatus | null
  /** Selected cluster on the Security screen. */
  clusterId: string | null
  /** Per cluster: its PKI (null: none yet); absent until loaded. */
  pki: Record<string, ClusterPki | null>
  issued: Record<string, IssuedKubeconfig[]>
  initialising: Record<string, boolean>
  loadVault(): Promise<void>
  select(clusterId: string | null): void
  loadCluster(clusterId: string): Promise<void>
  setupVault(mode: VaultMode, passphrase?: string): Promise<Outcome<VaultStatus>>
  unlock(passphrase: string): Promise<Outcome<VaultStatus>>
  lock(): Promise<void>
  rotate(): Promise<void>
  initPki(clusterId: string, algorithm: KeyAlgorithm): Promise<void>
  exportKubeconfig(clusterId: string, request: KubeconfigExportRequest): Promise<Outcome<KubeconfigExportResult>>
  backup(path: string, passphrase: string, overwrite: boolean): Promise<Outcome<VaultBackupResult>>
  restore(path: string, passphrase: string, replace: boolean): Promise<Outcome<VaultRestoreResult>>
}

let subscribed = false

/**
 * The vault status and, per cluster, its CAs and issued kubeconfigs. Key material never reaches
 * the renderer: only certificates, fingerprints and dates do.
 */
export const useSecurity = create<SecurityState>((set, get) => ({
  vault: null,
  clusterId: null,
  pki: {},
  issued: {},
  initialising: {},
  loadVault: async () => {
    if (!subscribed) {
      subscribed = true
      window.api.vault.onChanged(({ status }) => set({ vault: status }))
      window.api.pki.onChanged(({ clusterId }) => {
        if (clusterId === get().clusterId) void get().loadCluster(clusterId)
      })
    }
    try {
      set({ vault: await window.api.vault.status() })
    } catch (error) {
      useToasts.getState().error(asError(error))
    }
  },
  select: (clusterId) => {
    set({ clusterId })
    if (clusterId) void get().loadCluster(clusterId)
  },
  loadCluster: async (clusterId) => {
    try {
      const [pki, issued] = await Promise.all([window.api.pki.show(clusterId), window.api.kubeconfig.issued(clusterId)])
      set({ pki: { ...get().pki, [clusterId]: pki }, issued: { ...get().issued, [clusterId]: issued } })
    } catch (error) {
      const e = asError(error)
      if (e.code !== 'CLUSTER_NOT_FOUND') useToasts.getState().error(e)
    }
  },
  setupVault: async (mode, passphrase) => {
    const result = await outcome(() => window.api.vault.setup(mode, passphrase))
    if (result.ok) set({ vault: result.value })
    return result
  },
  unlock: async (passphrase) => {
    const result = await outcome(() => window.api.vault.unlock(passphrase))
    if (result.ok) set({ vault: result.value })
    return result
  },
  lock: async () => {
    const result = await outcome(() => window.api.vault.lock())
    if (result.ok) set({ vault: result.value })
    else useToasts.getState().error(result.error)
  },
  rotate: async () => {
    const result = await outcome(() => window.api.vault.rotate())
    if (result.ok) {
      set({ vault: result.value })
      useToasts
        .getState()
        .show({ kind: 'info', message: 'Vault key rotated: everything is re-encrypted under a new key.' })
    } else useToasts.getState().error(result.error)
  },
  initPki: async (clusterId, algorithm) => {
    set({ initialising: { ...get().initialising, [clusterId]: true } })
    const result = await outcome(() => window.api.pki.init(clusterId, { algorithm }))
    set({ initialising: { ...get().initialising, [clusterId]: false } })
    if (result.ok) set({ pki: { ...get().pki, [clusterId]: result.value } })
    else if (result.error.code !== 'CANCELLED') useToasts.getState().error(result.error)
    void get().loadVault()
  },
  exportKubeconfig: async (clusterId, request) => {
    const result = await outcome(() => window.api.kubeconfig.export(clusterId, request))
    if (result.ok) void get().loadCluster(clusterId)
    return result
  },
  backup: (path, passphrase, overwrite) => outcome(() => window.api.vault.backup(path, passphrase, { overwrite })),
  restore: async (path, passphrase, replace) => {
    const result = await outcome(() => window.api.vault.restore(path, passphrase, { replace }))
    if (result.ok) {
      void get().loadVault()
      const id = get().clusterId
      if (id) void get().loadCluster(id)
    }
    return result
  },
}))
