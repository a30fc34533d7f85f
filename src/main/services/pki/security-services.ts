import type { Host } from '../../../shared/types'
import { ClusterRegistry } from '../clusters/cluster-registry'
import type { EventBus } from '../events'
import { KubeconfigService } from '../kubeconfig/kubeconfig-service'
import { envSecret } from '../secrets/env-secrets'
import type { Redactor, Secret } from '../secrets/secret'
import type { StoreFactory } from '../store/key-value-store'
import type { ScryptCost } from '../vault/envelope'
import { OsKeychain, type Keychain } from '../vault/os-keychain'
import { Vault } from '../vault/vault'
import { PkiBackup } from './pki-backup'
import { PkiService } from './pki-service'

/** Options for the vault, PKI and kubeconfig services; every field has a production default. */
export interface SecurityOptions {
  /** Passphrase for passphrase mode; default: FLOTILLA_VAULT_PASSPHRASE as read at start-up. */
  vaultPassphrase?: Secret
  /** The OS keychain; tests pass one filed under their own service name. */
  keychain?: Keychain
  /** scrypt cost for new vaults and backups (tests lower it; files record what they used). */
  scryptCost?: ScryptCost
  /** Environment and home for `$KUBECONFIG` / `~/.kube/config` (tests point them elsewhere). */
  env?: NodeJS.ProcessEnv
  home?: string
}

export interface SecurityServices {
  clusters: ClusterRegistry
  vault: Vault
  pki: PkiService
  kubeconfigs: KubeconfigService
  pkiBackup: PkiBackup
}

/** Builds the cluster records, vault, PKI, kubeconfig and backup services (called once by app.ts). */
export function createSecurityServices(
  base: {
    dataDir: string
    createStore: StoreFactory
    events: EventBus
    redactor: Redactor
    /** The inventory, for the cluster specs' host references. */
    hosts?: () => readonly Host[]
  },
  options: SecurityOptions = {},
): SecurityServices {
  const { events, redactor } = base
  const env = options.env ?? process.env
  const passphrase = options.vaultPassphrase ?? envSecret('FLOTILLA_VAULT_PASSPHRASE')
  const clusters = new ClusterRegistry(base.createStore('clusters'), events, base.hosts ? { hosts: base.hosts } : {})
  const vault = new Vault({
    dataDir: base.dataDir,
    keychain: options.keychain ?? new OsKeychain({ env }),
    events,
    redactor,
    passphrase,
    ...(options.scryptCost ? { scryptCost: options.scryptCost } : {}),
  })
  const pki = new PkiService({ clusters, vault, store: base.createStore('pki'), events, redactor })
  const kubeconfigs = new KubeconfigService({
    clusters,
    pki,
    store: base.createStore('kubeconfigs'),
    events,
    env,
    ...(options.home ? { home: options.home } : {}),
  })
  const pkiBackup = new PkiBackup({
    vault,
    clusters,
    pki,
    kubeconfigs,
    ...(options.scryptCost ? { scryptCost: options.scryptCost } : {}),
  })
  return { clusters, vault, pki, kubeconfigs, pkiBackup }
}
