import { z } from 'zod'
import type { ClusterPki, ExpiryItem, JoinToken, PkiInitOptions } from '../types'
import { KEY_ALGORITHMS } from '../types/pki'
import { idSchema } from '../schemas'
import { channel, type SchemasOf } from './define'

export interface PkiInvoke {
  /** Operation: create the cluster's CA set and service-account key; PKI_EXISTS if it has one. */
  'pki:init': { args: [opId: string, clusterId: string, options: PkiInitOptions]; result: ClusterPki }
  /** The cluster's CAs (public parts), or null before pki:init. */
  'pki:show': { args: [clusterId: string]; result: ClusterPki | null }
  /** Every CA and issued kubeconfig of every cluster with its expiry, soonest first. */
  'pki:expiry': { args: []; result: ExpiryItem[] }
  /** A fresh kubeadm bootstrap token and the CA hash a joining node pins. */
  'pki:join-token': { args: [clusterId: string]; result: JoinToken }
}

export interface PkiEvents {
  /** A cluster's PKI or issued kubeconfigs changed. */
  'pki:changed': { clusterId: string }
}

export const pkiInitSchema = z.strictObject({
  algorithm: z.enum(KEY_ALGORITHMS, { error: `Algorithm is one of ${KEY_ALGORITHMS.join(', ')}.` }).optional(),
})

export const pkiSchemas = {
  'pki:init': channel(['opId', 'clusterId', 'options'], idSchema, idSchema, pkiInitSchema),
  'pki:show': channel(['clusterId'], idSchema),
  'pki:expiry': channel([]),
  'pki:join-token': channel(['clusterId'], idSchema),
} satisfies SchemasOf<PkiInvoke>
