import type { DiscoveryInvoke } from '../../shared/channels/discovery'
import { AppError } from '../../shared/errors'
import type { Services } from '../app'
import { adoptHost, ignoreHost } from '../services/discovery/discovery-sync'
import type { HandlersOf } from '../transport/dispatcher'

const DEFAULT_SCAN_SEC = 10

function noInterface(): AppError {
  return new AppError(
    'NO_NETWORK',
    'There is no network interface to browse on (no IPv4 address besides loopback). Connect this computer to the LAN, or add machines by address.',
  )
}

/** Discovery: scans (operations), identification probes (operations), adopt and ignore. */
export function discoveryHandlers({ discovery, identify, inventory, ops }: Services): HandlersOf<DiscoveryInvoke> {
  return {
    'discovery:scan': (opId, options) => {
      const ms = Math.round((options.timeoutSec ?? DEFAULT_SCAN_SEC) * 1000)
      return ops.run(
        {
          id: opId,
          kind: 'discovery:scan',
          title: 'Looking for machines on the LAN',
          total: Math.ceil(ms / 1000),
          durableResult: true,
        },
        async (ctx) => {
          const started = Date.now()
          // The machines earlier runs found age too (one switched off goes stale, then gone).
          const known = inventory.list().flatMap((h) => (h.discovery ? [h.discovery] : []))
          const { keys, interfaces } = await discovery.scan(ms, ctx, known)
          // A cancelled scan ends cancelled (its bar where it stopped), not "n found" with a full bar.
          ctx.throwIfCancelled()
          // Browsing on no interface at all is not "nobody answered": the scan could not look.
          if (interfaces.length === 0) throw noInterface()
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
      const spec = { id: opId, kind: 'discovery:probe', title, total: hosts.length, durableResult: true }
      return ops.run(spec, async (ctx) => {
        const results = await identify.probe(
          hosts.map((h) => h.id),
          ctx,
        )
        for (const r of results) {
          const host = hosts.find((h) => h.id === r.hostId)
          ctx.itemResult?.(
            r.hostId,
            r.ok ? { ok: true } : { ok: false, code: r.error.code, message: r.error.message },
            host ? (host.label ?? host.address) : undefined,
          )
        }
        return results
      })
    },
    'discovery:adopt': (id, input) => adoptHost(inventory, id, input, new Date().toISOString()),
    'discovery:ignore': (id, ignored) => ignoreHost(inventory, id, ignored, new Date().toISOString()),
  }
}
