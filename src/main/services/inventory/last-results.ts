import type { ReachabilityResult, SshCheckResult } from '../../../shared/types'
import type { HostInventory } from './host-inventory'

/**
 * Keeps each host's last reachability and login check on its record, with the time it ran, as
 * the probe keeps its identification: a reloaded window (or the next CLI run) shows what was
 * last seen instead of "Not checked". One save for the whole batch.
 */
export function recordLastResults(
  inventory: HostInventory,
  kind: 'lastCheck' | 'lastLogin',
  results: readonly (ReachabilityResult | SshCheckResult)[],
  at: string,
): void {
  const byId = new Map(results.map((r) => [r.hostId, r]))
  inventory.mutate((hosts) =>
    hosts.some((h) => byId.has(h.id))
      ? hosts.map((h) => {
          const result = byId.get(h.id)
          return result ? { ...h, [kind]: { ...result, at } } : h
        })
      : undefined,
  )
}
