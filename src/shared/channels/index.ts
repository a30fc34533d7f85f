/**
 * Every domain's channels and schemas in one place. A new domain adds its file here and its
 * interfaces to contract.ts; nothing else needs to know.
 */
import { appSchemas } from './app'
import type { Channel } from '../contract'
import type { ChannelSchema } from './define'
import { hostsSchemas } from './hosts'
import { sshSchemas } from './ssh'
import { clustersSchemas } from './clusters'
import { kubeconfigSchemas } from './kubeconfig'
import { pkiSchemas } from './pki'
import { vaultSchemas } from './vault'
import { discoverySchemas } from './discovery'
import { planSchemas } from './plan'
import { applySchemas } from './apply'
import { liveSchemas, statusSchemas } from './status'
import { resetSchemas } from './reset'

export const CHANNEL_SCHEMAS: Record<Channel, ChannelSchema> = {
  ...appSchemas,
  ...hostsSchemas,
  ...clustersSchemas,
  ...vaultSchemas,
  ...pkiSchemas,
  ...kubeconfigSchemas,
  ...sshSchemas,
  ...discoverySchemas,
  ...planSchemas,
  ...applySchemas,
  ...statusSchemas,
  ...liveSchemas,
  ...resetSchemas,
}
