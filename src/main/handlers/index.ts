import type { AppInfo } from '../../shared/types'
import type { Services } from '../app'
import type { Handlers } from '../transport/dispatcher'
import { appHandlers } from './app-handlers'
import { hostsHandlers } from './hosts-handlers'
import { clustersHandlers } from './clusters-handlers'
import { pkiHandlers } from './pki-handlers'
import { vaultHandlers } from './vault-handlers'
import { sshHandlers } from './ssh-handlers'
import { discoveryHandlers } from './discovery-handlers'
import { planHandlers } from './plan-handlers'
import { applyHandlers } from './apply-handlers'
import { resetHandlers } from './reset-handlers'
import { liveHandlers } from './live-handlers'

/** Maps each contract channel to the service call that answers it, one file per domain. */
export function createHandlers(services: Services, info: AppInfo): Handlers {
  return {
    ...appHandlers(services, info),
    ...hostsHandlers(services),
    ...sshHandlers(services),
    ...clustersHandlers(services),
    ...vaultHandlers(services),
    ...pkiHandlers(services),
    ...discoveryHandlers(services),
    ...planHandlers(services),
    ...applyHandlers(services, info),
    ...resetHandlers(services, info),
    ...liveHandlers(services),
  }
}
