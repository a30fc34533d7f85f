import { z } from 'zod'
import type { IssuedKubeconfig, KubeconfigExportRequest, KubeconfigExportResult } from '../types'
import { idSchema } from '../schemas'
import { channel, type SchemasOf } from './define'
import { filePathSchema } from './vault'

export interface KubeconfigInvoke {
  /** Mint an admin kubeconfig offline (signed by the cluster CA) and write or merge it. */
  'kubeconfig:export': { args: [clusterId: string, request: KubeconfigExportRequest]; result: KubeconfigExportResult }
  /** Kubeconfigs issued for a cluster (or all clusters with null), newest first. */
  'kubeconfig:issued': { args: [clusterId: string | null]; result: IssuedKubeconfig[] }
}

const USER_HELP =
  'User names start with a letter or digit and use letters, digits, ".", "_", "@" or "-" (64 at most); "system:" names are reserved.'

export const kubeconfigExportSchema = z
  .strictObject({
    out: filePathSchema.optional(),
    merge: z.boolean().optional(),
    days: z
      .number({ error: 'Days must be a whole number from 1 to 3650.' })
      .int('Days must be a whole number from 1 to 3650.')
      .min(1, 'Days must be a whole number from 1 to 3650.')
      .max(3650, 'Days must be a whole number from 1 to 3650.')
      .optional(),
    user: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, USER_HELP)
      .optional(),
    breakGlass: z.boolean().optional(),
    overwrite: z.boolean().optional(),
    useContext: z.boolean().optional(),
    mkdir: z.boolean().optional(),
  })
  .refine((r) => (r.out !== undefined) !== (r.merge === true), {
    message: 'Choose either a file to write or merging into your kubeconfig.',
    path: ['out'],
  })

export const kubeconfigSchemas = {
  'kubeconfig:export': channel(['clusterId', 'request'], idSchema, kubeconfigExportSchema),
  'kubeconfig:issued': channel(['clusterId'], idSchema.nullable()),
} satisfies SchemasOf<KubeconfigInvoke>
