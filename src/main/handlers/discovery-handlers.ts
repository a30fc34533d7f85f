import type { DiscoveryInvoke } from '../../shared/channels/discovery'
import type { Services } from '../app'
import { adoptHost, ignoreHost } from '../services/discovery/discovery-sync'
import type { HandlersOf } from '../transport/dispatcher'

const DEFAULT_SCAN_SEC = 10

/** Discovery: scans (operations), identification probes (operations), adopt and ignore. */
export function discoveryHandlers({ discovery, identify, inventory, ops }: Services): HandlersOf<DiscoveryInvoke> {
  return {
    'discovery:scan': (opId, options) => {
      const ms = Math.round((options.timeoutSec ?? DEFAULT_SCAN_SEC) * 1000)
      return ops.run(
        { id: opId, kind: 'discovery:scan', title: 'Looking for machines on the LAN', total: Math.ceil(ms / 1000) },
        async (ctx) => {
          const started = Date.now()
          // The machines earlier runs found age too (one switched off goes stale, then gone).
          const known = inventory.list().flatMap((h) => (h.discovery ? [h.discovery] : []))
          const { keys, interfaces } = await discovery.scan(ms, ctx, known)
          const hosts = inventory.list()
          const hostIds = keys.flatMap((k) => hosts.filter((h) => h.discovery?.key === k).map((h) => h.id))
          ctx.progress({ step: `${hostIds.length} found`, done: Math.ceil(ms / 1000), total: Math.ceil(ms / 1000) })
          return { hostIds, durationMs: Date.now() - started, interfaces }
        },
      )
    },
    'discovery:probe': (opId, ids) => {
      const hosts = ids.map((id) => inventory.get(id))
      const title =
        hosts.length === 1 ? `Identifying ${hosts[0]!.label ?? hosts[0]!.address}` : `Identifying ${hosts.length} hosts`
      return ops.run({ id: opId, kind: 'discovery:probe', title, total: hosts.length }, (ctx) =>
        identify.probe(
          hosts.map((h) => h.id),
          ctx,
        ),
      )
    },
    'discovery:adopt': (id, input) => adoptHost(inventory, id, input, new Date().toISOString()),
    'discovery:ignore': (id, ignored) => ignoreHost(inventory, id, ignored, new Date().toISOString()),
  }
}
