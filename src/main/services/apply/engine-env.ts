/**
 * What the runner needs beyond SSH for one cluster (issue 13 §1): the values steps write, resolved
 * only at the moment a file is written, and the Kubernetes API operations.
 *
 * Names a step may ask for (`{ secret }` contents and `{{flotilla: NAME}}` fills):
 * - `pki/<file>`: a file of the cluster's CA set as kubeadm names it under /etc/kubernetes/pki
 *   (`ca.crt`, `ca.key`, `sa.pub`, `etcd/ca.key`, …): certificates from the PKI record, keys from
 *   the vault. The CA set is created on first need (the first apply of a new cluster), so the
 *   cluster's CA is Flotilla's from the start and joins never need kubeadm's uploaded certificates.
 * - `discovery-hash`: `sha256:<hex>` of the cluster CA's public key, for token discovery.
 * - `bootstrap-token`: a fresh token for `kubeadm init`'s InitConfiguration (kubeadm creates it in
 *   the cluster with the TTL the config gives).
 * - `join-token`: a fresh token created through the API just before the join that uses it, valid
 *   for JOIN_TOKEN_TTL_MS, as kubeadm's own `token create` would make it (a bootstrap-token Secret).
 * Every value is registered with the redactor before it leaves this module.
 */
import { AppError } from '../../../shared/errors'
import type { KubeClient } from '../kube/kube-client'
import type { OperationContext } from '../operations/registry'
import { newBootstrapToken } from '../pki/join-token'
import { secretName, type PkiService } from '../pki/pki-service'
import type { Resolver, ApiRunner } from '../plan/step-runner'
import { Secret, type Redactor } from '../secrets/secret'
import type { Vault } from '../vault/vault'
import { apiRunner } from './api-ops'
import './ops'
import type { RunnerSsh } from './runner'

/** How long a join token lives: long enough for one join (kubeadm's discovery retries for 5 min). */
export const JOIN_TOKEN_TTL_MS = 15 * 60_000
/** The group kubeadm's bootstrap RBAC is bound to (constants.NodeBootstrapTokenAuthGroup). */
export const KUBEADM_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token'

export interface EngineEnvDeps {
  pki: Pick<PkiService, 'show' | 'init'>
  vault: Pick<Vault, 'get'>
  kube: { kubeClient(clusterId: string): Promise<KubeClient> }
  redactor: Redactor
  ssh: RunnerSsh
  now?: () => Date
}

export function engineEnv(deps: EngineEnvDeps, clusterId: string): { resolve: Resolver; api: ApiRunner } {
  const now = () => deps.now?.() ?? new Date()
  const secret = (value: string) => {
    deps.redactor.register(value)
    return new Secret(value)
  }
  const pki = async (ctx: OperationContext) => {
    const record = deps.pki.show(clusterId)
    if (record) return record
    ctx.log("The cluster has no certificate authorities yet: creating them in Flotilla's vault.")
    return deps.pki.init(clusterId, {}, ctx)
  }
  const resolve: Resolver = async (name, step, ctx) => {
    if (name.startsWith('pki/')) {
      const file = name.slice('pki/'.length)
      const record = await pki(ctx)
      const ca = record.cas.find((c) => c.file === file)
      if (ca) return new Secret(ca.pem)
      if (record.serviceAccount.file === file && file.endsWith('.pub'))
        return new Secret(record.serviceAccount.publicKeyPem)
      const key = await deps.vault.get(secretName(clusterId, file))
      if (!key)
        throw new AppError(
          'VAULT_KEY_MISSING',
          `The vault does not hold ${file} of this cluster (needed by ${step.id}); restore a backup.`,
        )
      return key
    }
    if (name === 'discovery-hash') return new Secret((await pki(ctx)).discoveryHash)
    if (name === 'bootstrap-token') return secret(newBootstrapToken())
    if (name === 'join-token') {
      // Registered before the request that carries it, so no error text can show it.
      const token = secret(newBootstrapToken())
      await createJoinToken(await deps.kube.kubeClient(clusterId), token.reveal(), now())
      return token
    }
    throw new AppError('INTERNAL', `${step.id} asks for "${name}", which the engine does not know.`)
  }
  return { resolve, api: apiRunner({ clusterId, kube: deps.kube, ssh: deps.ssh }) }
}

/** A bootstrap token as kubeadm makes it (bootstrap-tokens.md): a Secret in kube-system, short-lived. */
export async function createJoinToken(client: KubeClient, token: string, now: Date): Promise<void> {
  const [id, secretPart] = token.split('.') as [string, string]
  await client.core.createNamespacedSecret({
    namespace: 'kube-system',
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: {
        description: 'Flotilla: one join, created just before it',
        'token-id': id,
        'token-secret': secretPart,
        expiration: new Date(now.getTime() + JOIN_TOKEN_TTL_MS).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        'usage-bootstrap-authentication': 'true',
        'usage-bootstrap-signing': 'true',
        'auth-extra-groups': KUBEADM_TOKEN_GROUP,
      },
    },
  })
}
