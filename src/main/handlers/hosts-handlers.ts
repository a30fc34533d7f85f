import type { HostsInvoke } from '../../shared/channels/hosts'
import type { Services } from '../app'
import { hostsAsOfNow } from '../services/discovery/discovery-sync'
import type { ValidHostInput } from '../services/inventory/host-inventory'
import { recordLastResults } from '../services/inventory/last-results'
import { checkReachability } from '../services/reachability/reachability'
import type { HandlersOf } from '../transport/dispatcher'

export function hostsHandlers({ inventory, ops, discovery }: Services): HandlersOf<HostsInvoke> {
  return {
    // Presence as of now, not as the last scan left it (a machine switched off since is not "live").
    'hosts:list': () => hostsAsOfNow(inventory, discovery, new Date().toISOString()),
    // The schema has applied the default (port 22) by now.
    'hosts:add': (input) => inventory.add(input as ValidHostInput),
    'hosts:update': (id, patch) => inventory.update(id, patch),
    'hosts:remove': (id) => inventory.remove(id),
    'hosts:check': (opId, ids) => {
      const hosts = ids.map((id) => inventory.get(id))
      const title =
        hosts.length === 1 ? `Checking ${hosts[0]!.label ?? hosts[0]!.address}` : `Checking ${hosts.length} hosts`
      // Reachability per host is harmless on disk: ops:get has it after a restart too.
      const spec = { id: opId, kind: 'hosts:check', title, total: hosts.length, durableResult: true }
      return ops.run(spec, async (ctx) => {
        const results = await checkReachability(hosts, ctx)
        recordLastResults(inventory, 'lastCheck', results, new Date().toISOString())
        for (const [i, r] of results.entries()) {
          const name = hosts[i]!.label ?? hosts[i]!.address
          ctx.itemResult?.(
            r.hostId,
            r.reachable ? { ok: true } : { ok: false, code: 'UNREACHABLE', message: r.reason ?? 'Unreachable.' },
            name,
          )
        }
        return results
      })
    },
  }
}
