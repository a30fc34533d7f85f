import { AppError } from '../../../shared/errors'
import { suggestedUser } from '../../../shared/login-user'
import type { AdoptInput, Host, HostDiscovery } from '../../../shared/types'
import { assertNamesFree, freeLabel, type HostInventory } from '../inventory/host-inventory'
import type { DiscoveryService } from './discovery-service'

/**
 * Folds a batch of discovery changes into the host list: a machine already in the list (same
 * discovery key, or a manual host at one of its addresses) gets the new mDNS view; a new one
 * becomes a pending host (source "mdns") labelled with its host name, or name-2, name-3... when
 * another host has that label or address. Its user is the suggested login, or "" (none known:
 * adopting asks for it). Gone machines that were never adopted disappear; adopted (or manual)
 * ones stay, marked gone.
 */
export function applyDiscovery(
  hosts: Host[],
  changed: readonly HostDiscovery[],
  gone: readonly HostDiscovery[],
  now: string,
  newId: () => string,
): Host[] | undefined {
  if (changed.length === 0 && gone.length === 0) return undefined
  const next = hosts.slice()
  for (const d of changed) {
    const index = findHost(next, d)
    const current = index >= 0 ? next[index] : undefined
    if (current) {
      const updated: Host = { ...current, discovery: d, updatedAt: now }
      // A pending host follows its machine (new DHCP lease, SSH port advertised later).
      if (current.pending) {
        updated.address = d.addresses[0] ?? current.address
        updated.port = d.sshPort ?? current.port
      }
      next[index] = updated
    } else {
      next.push({
        id: newId(),
        address: d.addresses[0]!,
        port: d.sshPort ?? 22,
        user: suggestedUser(d.hints) ?? '',
        label: freeLabel(next, d.hostname),
        source: 'mdns',
        pending: true,
        discovery: d,
        addedAt: now,
        updatedAt: now,
      })
    }
  }
  for (const d of gone) {
    const index = next.findIndex((h) => h.discovery?.key === d.key)
    const current = index >= 0 ? next[index] : undefined
    if (!current) continue
    if (current.pending && !current.ignored) next.splice(index, 1)
    else next[index] = { ...current, discovery: { ...d, presence: 'gone' }, updatedAt: now }
  }
  return next
}

/**
 * The host list as of now (what `hosts:list` answers: the CLI's lists, the app after a reload).
 * Between scans nothing ages the discovered hosts, so their presence is derived here from when
 * they were last heard (DiscoveryService.presenceNow) and saved by the same rule a scan applies:
 * stale shows stale, a gone pending host disappears, an adopted one stays marked gone.
 */
export function hostsAsOfNow(
  inventory: HostInventory,
  discovery: Pick<DiscoveryService, 'presenceNow'>,
  now: string,
): Host[] {
  return inventory.mutate((hosts) => {
    const { changed, gone } = discovery.presenceNow(hosts.flatMap((h) => (h.discovery ? [h.discovery] : [])))
    return applyDiscovery(hosts, changed, gone, now, () => {
      // Every host passed in comes from this list, so it is found by its key: none is new.
      throw new Error('hostsAsOfNow: a known machine was not found in the host list')
    })
  })
}

function findHost(hosts: Host[], d: HostDiscovery): number {
  const byKey = hosts.findIndex((h) => h.discovery?.key === d.key)
  if (byKey >= 0) return byKey
  return hosts.findIndex((h) => !h.discovery && d.addresses.includes(h.address))
}

/** Adopting: the user confirms the login; the pending host becomes a normal one. */
export function adoptHost(inventory: HostInventory, id: string, input: AdoptInput, now: string): Host {
  let adopted: Host | undefined
  inventory.mutate((hosts) => {
    const index = hosts.findIndex((h) => h.id === id)
    const current = hosts[index]
    if (!current) throw new AppError('HOST_NOT_FOUND', 'That host is not in your hosts (it may have gone).')
    if (!current.pending) {
      throw new AppError(
        'INVALID_INPUT',
        `${current.label ?? current.address} is not waiting for adoption: it is one of your hosts already (change its login with: flotilla hosts edit).`,
      )
    }
    const port = input.port ?? current.port
    const clash = hosts.find((h) => h.id !== id && h.address === current.address && h.port === port)
    if (clash) throw new AppError('HOST_EXISTS', `${current.address} port ${port} is already in your hosts.`)
    if (input.label) {
      assertNamesFree(
        hosts.filter((h) => h.id !== id),
        { label: input.label, ownAddress: current.address },
      )
    }
    adopted = { ...current, user: input.user, port, updatedAt: now }
    delete adopted.pending
    delete adopted.ignored
    if (input.label !== undefined) {
      if (input.label === '') delete adopted.label
      else adopted.label = input.label
    }
    const next = hosts.slice()
    next[index] = adopted
    return next
  })
  return adopted!
}

/** Ignoring hides a discovered host and keeps scans from adding it back; `false` undoes it. */
export function ignoreHost(inventory: HostInventory, id: string, ignored: boolean, now: string): Host {
  let result: Host | undefined
  inventory.mutate((hosts) => {
    const index = hosts.findIndex((h) => h.id === id)
    const current = hosts[index]
    if (!current) throw new AppError('HOST_NOT_FOUND', 'That host is not in your hosts (it may have gone).')
    result = { ...current, updatedAt: now }
    if (ignored) result.ignored = true
    else delete result.ignored
    const next = hosts.slice()
    next[index] = result
    return next
  })
  return result!
}
