import { AppError } from '../../../shared/errors'
import type { Host, HostInput, HostPatch, PinnedHostKey } from '../../../shared/types'
import type { EventBus } from '../events'
import type { KeyValueStore } from '../store/key-value-store'

/** Input as it is after the contract's schemas parsed it: address normalised, defaults applied. */
export type ValidHostInput = Required<Pick<HostInput, 'address' | 'port' | 'user'>> & Pick<HostInput, 'label'>

const HOSTS_KEY = 'hosts'

/**
 * The hosts the user added. Inputs arrive validated and normalised by the contract schemas; this
 * service owns identity (ids), uniqueness (address + port; labels) and persistence.
 */
export class HostInventory {
  constructor(
    private readonly store: KeyValueStore,
    private readonly events: EventBus,
    private readonly now: () => Date = () => new Date(),
    private readonly newId: () => string = () => globalThis.crypto.randomUUID(),
  ) {}

  list(): Host[] {
    const raw = this.store.get(HOSTS_KEY)
    return Array.isArray(raw) ? (raw as Host[]) : []
  }

  get(id: string): Host {
    const host = this.list().find((h) => h.id === id)
    if (!host) throw notFound()
    return host
  }

  add(input: ValidHostInput): Host {
    const hosts = this.list()
    this.#assertUnique(hosts, input.address, input.port)
    assertNamesFree(hosts, { address: input.address, ...(input.label ? { label: input.label } : {}) })
    const at = this.now().toISOString()
    const host: Host = {
      id: this.newId(),
      address: input.address,
      port: input.port,
      user: input.user,
      ...(input.label ? { label: input.label } : {}),
      source: 'manual',
      addedAt: at,
      updatedAt: at,
    }
    this.#save([...hosts, host])
    return host
  }

  update(id: string, patch: HostPatch): Host {
    const hosts = this.list()
    const index = hosts.findIndex((h) => h.id === id)
    const current = hosts[index]
    if (!current) throw notFound()
    const next: Host = { ...current, updatedAt: this.now().toISOString() }
    if (patch.address !== undefined) next.address = patch.address
    if (patch.port !== undefined) next.port = patch.port
    if (patch.user !== undefined) next.user = patch.user
    if (patch.label !== undefined) {
      if (patch.label === '') delete next.label
      else next.label = patch.label
    }
    // A check or login of the old address, port or user says nothing about the new ones.
    if (next.address !== current.address || next.port !== current.port || next.user !== current.user) {
      delete next.lastCheck
      delete next.lastLogin
    }
    const others = hosts.filter((h) => h.id !== id)
    this.#assertUnique(others, next.address, next.port)
    // Only what changed is checked: an old clash (from before labels were unique) must not block edits.
    assertNamesFree(others, {
      ...(patch.address !== undefined ? { address: next.address } : {}),
      ...(patch.label ? { label: next.label!, ownAddress: next.address } : {}),
    })
    const updated = hosts.slice()
    updated[index] = next
    this.#save(updated)
    return next
  }

  /** Records the SSH host key the user trusted (or known_hosts vouched for). */
  pinHostKey(id: string, key: PinnedHostKey): Host {
    const hosts = this.list()
    const index = hosts.findIndex((h) => h.id === id)
    const current = hosts[index]
    if (!current) throw notFound()
    const next: Host = { ...current, hostKey: key, updatedAt: this.now().toISOString() }
    const updated = hosts.slice()
    updated[index] = next
    this.#save(updated)
    return next
  }

  /**
   * Applies a change to the whole list in one save (discovery merges a batch of mDNS updates this
   * way). `change` returns the new list, or undefined to leave everything as it was.
   */
  mutate(change: (hosts: Host[]) => Host[] | undefined): Host[] {
    const next = change(this.list())
    if (next) this.#save(next)
    return next ?? this.list()
  }

  remove(id: string): void {
    const hosts = this.list()
    if (!hosts.some((h) => h.id === id)) throw notFound()
    this.#save(hosts.filter((h) => h.id !== id))
  }

  #assertUnique(hosts: Host[], address: string, port: number): void {
    const clash = hosts.find((h) => h.address === address && h.port === port)
    if (clash) {
      const name = clash.label ? `${clash.label} (${address})` : address
      throw new AppError('HOST_EXISTS', `${name} port ${port} is already in your hosts.`, {
        fields: { address: 'Already in your hosts.' },
        hostId: clash.id,
      })
    }
  }

  #save(hosts: Host[]): void {
    this.store.set(HOSTS_KEY, hosts)
    this.events.emit('hosts:changed', { hosts })
  }
}

const fold = (name: string) => name.trim().toLowerCase()

/**
 * A reference (`hosts edit kitchen-pi`) names exactly one host: labels are unique (any case) and
 * never the address of another host, and an address is never another host's label. `others` are
 * the hosts other than the one being written; a host's own address as its label names itself.
 */
export function assertNamesFree(
  others: readonly Host[],
  wanted: { address?: string; label?: string; ownAddress?: string },
): void {
  const label = wanted.label ? fold(wanted.label) : undefined
  if (label !== undefined && label !== '') {
    const sameLabel = others.find((h) => h.label !== undefined && fold(h.label) === label)
    if (sameLabel) {
      throw new AppError(
        'HOST_EXISTS',
        `The label "${wanted.label}" is already used by ${nameOf(sameLabel)}; choose another label.`,
        { fields: { label: 'Another host has this label.' }, hostId: sameLabel.id },
      )
    }
    const atAddress = others.find((h) => fold(h.address) === label && label !== fold(wanted.ownAddress ?? ''))
    if (atAddress) {
      throw new AppError(
        'HOST_EXISTS',
        `The label "${wanted.label}" is the address of ${nameOf(atAddress)}; choose a label that is not an address of another host.`,
        { fields: { label: 'This is the address of another host.' }, hostId: atAddress.id },
      )
    }
  }
  if (wanted.address !== undefined) {
    const address = fold(wanted.address)
    const labelled = others.find((h) => h.label !== undefined && fold(h.label) === address)
    if (labelled) {
      throw new AppError(
        'HOST_EXISTS',
        `"${wanted.address}" is the label of ${nameOf(labelled)}; give the address of this host, or relabel the other one.`,
        { fields: { address: 'This is the label of another host.' }, hostId: labelled.id },
      )
    }
  }
}

/** `name` if no host uses it as a label or address, else the first free `name-2`, `name-3`, ... */
export function freeLabel(hosts: readonly Host[], name: string): string {
  const taken = new Set(hosts.flatMap((h) => [fold(h.address), ...(h.label ? [fold(h.label)] : [])]))
  if (!taken.has(fold(name))) return name
  for (let n = 2; ; n++) {
    const candidate = `${name}-${n}`
    if (!taken.has(fold(candidate))) return candidate
  }
}

function nameOf(host: Host): string {
  return host.label ? `${host.label} (${host.address})` : host.address
}

function notFound(): AppError {
  return new AppError('HOST_NOT_FOUND', 'That host is not in your hosts (it may have been removed).')
}
