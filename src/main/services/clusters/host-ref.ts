import type { Host } from '../../../shared/types'

/**
 * Finds the inventory host a spec names: by id, then label, then address (case-insensitive for
 * names). Returns every match so the caller can say "ambiguous" instead of guessing; pending and
 * ignored hosts (discovered, not adopted) never match.
 */
export function resolveHostRef(ref: string, hosts: readonly Host[]): Host[] {
  const wanted = ref.trim().toLowerCase()
  const usable = hosts.filter((h) => !h.pending && !h.ignored)
  const byId = usable.filter((h) => h.id === ref.trim())
  if (byId.length > 0) return byId
  const byLabel = usable.filter((h) => h.label?.toLowerCase() === wanted)
  if (byLabel.length > 0) return byLabel
  return usable.filter((h) => h.address.toLowerCase() === wanted)
}

/** The name a host goes by in plans and messages: its label, else its address. */
export function hostName(host: Pick<Host, 'label' | 'address'>): string {
  return host.label ?? host.address
}
