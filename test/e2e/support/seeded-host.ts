/**
 * Adopted, trusted, identified hosts as the inventory stores them, for tests and benchmarks that
 * seed a data directory before the web server starts (designer.spec.ts, test/bench/ui-seed.ts).
 * The default machine is a Raspberry Pi 4 with 4 GB, ready for every role; readiness is computed
 * by the app's own rules. Nothing here is contacted: callers choose addresses that lead nowhere.
 */
import type { Host, HostIdentification } from '../../../src/shared/types'
import { readiness } from '../../../src/main/services/identify/readiness'

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
  const id = {
    at: o.at,
    os: {
      id: 'debian',
      versionId: '12',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
      family: 'raspios',
      supported: true,
    },
    arch: 'aarch64',
    kernel: '6.12.25+rpt-rpi-v8',
    model: 'Raspberry Pi 4 Model B Rev 1.4',
    cpus: 4,
    memoryMiB: 3793,
    diskFreeMiB: 28_000,
    swap: { on: false, totalMiB: 0, devices: [] },
    memoryCgroup: 'enabled',
    runtimes: [],
    clockOffsetMs: 5,
    leftovers: [],
    leftoversUnchecked: [],
    portsInUse: [],
    machineId: n.toString(16).padStart(32, 'a'),
    hostname: o.label,
    interfaces: [
      { name: 'eth0', addresses: [{ family: 'ipv4', address: o.address, prefix: o.prefix ?? 24, dynamic: false }] },
    ],
    ...o.facts,
  } as Facts
  for (const [key, value] of Object.entries(o.facts ?? {})) if (value === undefined) delete id[key as keyof Facts]
  return { ...id, readiness: readiness(id, []) }
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
