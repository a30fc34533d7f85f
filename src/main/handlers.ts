import type { AppInfo } from '../shared/types'
import type { Handlers } from './transport/dispatcher'
import type { Services } from './app'
import { checkReachability } from './services/reachability/reachability'

/** Maps each contract channel to the service call that answers it. Nothing else lives here. */
export function createHandlers(services: Services, info: AppInfo): Handlers {
  const { inventory, ops, settings } = services
  return {
    'app:info': () => info,
    'hosts:list': () => inventory.list(),
    'hosts:add': (input) => inventory.add(input as Parameters<typeof inventory.add>[0]),
    'hosts:update': (id, patch) => inventory.update(id, patch),
    'hosts:remove': (id) => inventory.remove(id),
    'hosts:check': (opId, ids) => {
      const hosts = ids.map((id) => inventory.get(id))
      const title =
        hosts.length === 1 ? `Checking ${hosts[0]!.label ?? hosts[0]!.address}` : `Checking ${hosts.length} hosts`
      return ops.run({ id: opId, kind: 'hosts:check', title, total: hosts.length }, (ctx) =>
        checkReachability(hosts, ctx),
      )
    },
    'ops:list': () => ops.list(),
    'op:cancel': (opId) => ops.cancel(opId),
    'settings:get': () => settings.get(),
    'settings:set': (patch) => settings.set(patch),
  }
}
