import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import type {
  Cluster,
  ClusterPki,
  IssuedKubeconfig,
  VaultBackupResult,
  VaultRestoreResult,
} from '../../../shared/types'
import type { ClusterRegistry } from '../clusters/cluster-registry'
import type { KubeconfigService } from '../kubeconfig/kubeconfig-service'
import type { Secret } from '../secrets/secret'
import { readBackupFile, writeBackupFile } from '../vault/backup-file'
import type { ScryptCost } from '../vault/envelope'
import type { Vault } from '../vault/vault'
import { secretPrefix, type PkiService } from './pki-service'

/** The public half of a backup: what, beside the secrets, is needed to use the CAs elsewhere. */
interface BackupRecords {
  clusters: Cluster[]
  pki: Record<string, ClusterPki>
  issued: IssuedKubeconfig[]
}

// Loose on purpose: the file was authenticated by GCM; this only guards the shape we rely on.
const recordsSchema = z.object({
  clusters: z.array(z.object({ id: z.string(), name: z.string() }).passthrough()),
  pki: z.record(
    z.string(),
    z
      .object({
        clusterId: z.string(),
        cas: z.array(z.object({ role: z.string(), fingerprintSha256: z.string() }).passthrough()),
      })
      .passthrough(),
  ),
  issued: z.array(z.object({ clusterId: z.string() }).passthrough()),
})

export interface PkiBackupDeps {
  vault: Vault
  clusters: ClusterRegistry
  pki: PkiService
  kubeconfigs: KubeconfigService
  /** scrypt cost for new backups (tests lower it). */
  scryptCost?: ScryptCost
  now?: () => Date
}

/**
 * Backup and restore of everything the PKI needs: vault secrets plus cluster, PKI and issued
 * kubeconfig records, in one passphrase-encrypted file that opens on another computer.
 */
export class PkiBackup {
  constructor(private readonly d: PkiBackupDeps) {}

  async backup(path: string, passphrase: Secret, overwrite: boolean): Promise<VaultBackupResult> {
    const secrets = await this.d.vault.entries()
    const records: BackupRecords = {
      clusters: this.d.clusters.list(),
      pki: this.d.pki.records(),
      issued: this.d.kubeconfigs.issued(null),
    }
    const bytes = await writeBackupFile(
      path,
      passphrase,
      {
        createdAt: (this.d.now?.() ?? new Date()).toISOString(),
        secrets: Object.fromEntries([...secrets].map(([name, secret]) => [name, secret.reveal()])),
        records,
      },
      { overwrite, ...(this.d.scryptCost ? { cost: this.d.scryptCost } : {}) },
    )
    const withPki = records.clusters.filter((c) => records.pki[c.id]).map((c) => c.name)
    return { path, bytes, clusters: withPki, secrets: secrets.size }
  }

  /**
   * Restores a backup. A cluster that exists here with another CA is a conflict (CLUSTER_EXISTS,
   * nothing changed) unless `replace`; one with the same CA is left as it is.
   */
  async restore(path: string, passphrase: Secret, replace: boolean): Promise<VaultRestoreResult> {
    const content = await readBackupFile(path, passphrase)
    const parsed = recordsSchema.safeParse(content.records)
    if (!parsed.success) throw new AppError('VAULT_CORRUPT', 'The backup does not hold the records Flotilla expects.')
    const records = parsed.data as unknown as BackupRecords

    const restored: { cluster: Cluster; replaces?: Cluster }[] = []
    const unchanged: string[] = []
    const conflicts: string[] = []
    for (const cluster of records.clusters) {
      const local = this.d.clusters.list().find((c) => c.id === cluster.id || c.name === cluster.name)
      const localPki = local ? this.d.pki.records()[local.id] : undefined
      const backupPki = records.pki[cluster.id]
      if (local && localPki && backupPki && sameCa(localPki, backupPki)) unchanged.push(cluster.name)
      else if (local && localPki && !replace) conflicts.push(cluster.name)
      else restored.push({ cluster, ...(local ? { replaces: local } : {}) })
    }
    if (conflicts.length > 0) {
      throw new AppError(
        'CLUSTER_EXISTS',
        `${conflicts.join(', ')} already exist here with other certificate authorities. Nothing was restored; restore again allowing replacement to overwrite them.`,
        { clusters: conflicts },
      )
    }

    const restoredIds = new Set(restored.map((r) => r.cluster.id))
    const localIds = restored.flatMap((r) => (r.replaces ? [r.replaces.id] : []))
    let count = 0
    await this.d.vault.update((secrets) => {
      for (const name of Object.keys(secrets)) {
        if ([...restoredIds, ...localIds].some((id) => name.startsWith(secretPrefix(id)))) delete secrets[name]
      }
      for (const [name, value] of Object.entries(content.secrets)) {
        const clusterSecret = name.startsWith('pki/')
        const ours = [...restoredIds].some((id) => name.startsWith(secretPrefix(id)))
        if ((clusterSecret && ours) || (!clusterSecret && secrets[name] === undefined)) {
          secrets[name] = value
          count++
        }
      }
    })
    for (const { cluster, replaces } of restored) {
      if (replaces && replaces.id !== cluster.id) this.d.pki.dropRecord(replaces.id)
      await this.d.clusters.restore(cluster)
      const pki = records.pki[cluster.id]
      if (pki) this.d.pki.restoreRecord(pki)
      this.d.kubeconfigs.restoreRecords(
        cluster.id,
        records.issued.filter((k) => k.clusterId === cluster.id),
      )
    }
    return { restored: restored.map((r) => r.cluster.name), unchanged, secrets: count }
  }
}

function sameCa(a: ClusterPki, b: ClusterPki): boolean {
  return a.cas[0]?.fingerprintSha256 === b.cas[0]?.fingerprintSha256
}
