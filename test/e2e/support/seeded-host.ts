/**
 * Adopted, trusted, identified hosts as the inventory stores them, for tests and benchmarks that
 * seed a data directory before the web server starts (designer.spec.ts, test/bench/ui-seed.ts).
 * The default machine is the planner fixtures' Raspberry Pi 4 with 4 GB, ready for every role;
 * readiness is computed by the app's own rules. Nothing here is contacted: callers choose addresses that lead nowhere.
 */
import type { Host, HostIdentification } from '../../../src/shared/types'
import { fakeIdentification } from '../../../src/main/services/plan/test-fixtures'

/** Facts as an identification stores them (readiness is derived). */
export type Facts = Omit<HostIdentification, 'readiness'>

export interface SeededHostOptions {
  /** The inventory id; also names the fingerprint. */
  id: string
  address: string
  label: string
  at: string
  /** Facts that differ from the Pi 4's; an explicit undefined (model on a PC) means "without it". */
  facts?: { [K in keyof Facts]?: Facts[K] | undefined }
  /** Interface prefix length of `address`. */
  prefix?: number
}

export function piFacts(n: number, o: SeededHostOptions): HostIdentification {
  // The planner's fixture Pi 4 (an explicit undefined removes a fact), at this host's address and time.
  return fakeIdentification({
    at: o.at,
    clockOffsetMs: 5,
    machineId: n.toString(16).padStart(32, 'a'),
    hostname: o.label,
    interfaces: [
      { name: 'eth0', addresses: [{ family: 'ipv4', address: o.address, prefix: o.prefix ?? 24, dynamic: false }] },
    ],
    ...o.facts,
  })
}

/** A host record: adopted, its key trusted, logged in with passwordless sudo, identified. */
export function seededHost(n: number, o: SeededHostOptions): Host {
  return {
    id: o.id,
    address: o.address,
    port: 22,
    user: 'pi',
    label: o.label,
    source: 'manual',
    identification: piFacts(n, o),
    hostKey: { type: 'ssh-ed25519', fingerprint: `SHA256:${o.id}`, blob: 'AAAA', trustedAt: o.at, source: 'confirmed' },
    lastLogin: { hostId: o.id, ok: true, user: 'pi', sudo: 'nopasswd', at: o.at },
    addedAt: o.at,
    updatedAt: o.at,
  }
}
