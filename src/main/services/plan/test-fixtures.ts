/**
 * Test fixtures for the validator and the planner: hosts that are identified, trusted and able to
 * sudo unless a test says otherwise, and specs with the documented defaults. A fleet is
 * deterministic (its i-th host has the same id, address, MAC and machine-id in every run); single
 * hosts are numbered from 1000 on, so they never collide with a fleet's.
 */
import { SPEC_API_VERSION, SPEC_KIND, type ClusterSpecDocument } from '../../../shared/cluster-spec'
import type { Host, HostIdentification } from '../../../shared/types'
import { readiness } from '../identify/readiness'

/** The clock every fixture is made against: identifications are one minute older (fresh). */
export const NOW = new Date('2026-12-07T09:00:00.000Z')

let counter = 1000

/** The n-th fixture address: 192.168.1.10 upwards, 240 to a /24. */
function addressOf(n: number): string {
  return `192.168.${1 + Math.floor(n / 240)}.${10 + (n % 240)}`
}

function macOf(n: number): string {
  return `dc:a6:32:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`
}

/** Optional fields, where an explicit `undefined` means "without it". */
export type Loose<T> = { [K in keyof T]?: T[K] | undefined }

/** `value` without the keys whose value is undefined. */
export function withoutUndefined<T extends object>(value: Loose<T>): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

type IdentificationInput = Loose<Omit<HostIdentification, 'readiness'>>

/**
 * A fresh identification of a 4-CPU, 4 GB, 64-bit Raspberry Pi OS 12 host with nothing left over,
 * swap off, one static address on eth0. Readiness is computed from the result (readiness.ts), so a
 * test that changes a fact gets the verdicts that go with it.
 */
export function fakeIdentification(partial: IdentificationInput = {}): HostIdentification {
  return makeIdentification(counter++, partial)
}

function makeIdentification(n: number, partial: IdentificationInput): HostIdentification {
  const base: Omit<HostIdentification, 'readiness'> = {
    at: new Date(NOW.getTime() - 60_000).toISOString(),
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
    clockOffsetMs: 12,
    leftovers: [],
    leftoversUnchecked: [],
    portsInUse: [],
    machineId: n.toString(16).padStart(32, '0'),
    hostname: `node-${n}`,
    interfaces: [
      {
        name: 'eth0',
        mac: macOf(n),
        addresses: [{ family: 'ipv4', address: addressOf(n), prefix: 24, dynamic: false }],
      },
    ],
  }
  const id = { ...base, ...withoutUndefined(partial) }
  for (const key of Object.keys(partial) as (keyof typeof partial)[]) {
    if (partial[key] === undefined) delete id[key]
  }
  return { ...id, readiness: readiness(id, []) }
}

/**
 * An adopted inventory host. Unless given (an explicit `undefined` removes it), it is identified
 * (host name = label, its address on eth0), its host key is trusted and its login uses sudo
 * without a password.
 */
export function fakeHost(partial: Loose<Host> = {}): Host {
  return makeHost(counter++, partial)
}

function makeHost(n: number, partial: Loose<Host>): Host {
  const id = partial.id ?? `host-${n}`
  const address = partial.address ?? addressOf(n)
  const label = 'label' in partial ? partial.label : `pi-${n}`
  const at = new Date(NOW.getTime() - 60_000).toISOString()
  const host: Host = {
    id,
    address,
    port: 22,
    user: 'pi',
    ...(label !== undefined ? { label } : {}),
    source: 'manual',
    identification: makeIdentification(n, {
      hostname: label ?? `node-${n}`,
      machineId: n.toString(16).padStart(32, 'a'),
      interfaces: [
        { name: 'eth0', mac: macOf(n), addresses: [{ family: 'ipv4', address, prefix: 24, dynamic: false }] },
      ],
    }),
    hostKey: {
      type: 'ssh-ed25519',
      fingerprint: `SHA256:fixture${n}`,
      blob: 'AAAA',
      trustedAt: at,
      source: 'confirmed',
    },
    lastLogin: { hostId: id, ok: true, user: 'pi', sudo: 'nopasswd', at },
    addedAt: at,
    updatedAt: at,
  }
  const out: Host = { ...host, ...withoutUndefined(partial), id }
  // An explicit `undefined` (e.g. `identification: undefined`) means "without it".
  for (const key of Object.keys(partial) as (keyof Host)[]) {
    if (partial[key] === undefined) delete out[key]
  }
  return out
}

type SpecInput = Partial<Omit<ClusterSpecDocument['spec'], 'network'>> & {
  network?: Partial<ClusterSpecDocument['spec']['network']>
}

/** A spec named `name` with the schema's defaults: kubeadm 1.32, stacked etcd, calico, no nodes. */
export function fakeSpec(partial: SpecInput = {}, name = 'homelab'): ClusterSpecDocument {
  const { network, ...rest } = partial
  return {
    apiVersion: SPEC_API_VERSION,
    kind: SPEC_KIND,
    metadata: { name },
    spec: {
      flavour: 'kubeadm',
      kubernetesVersion: '1.32',
      endpoint: { haproxy: { host: 'lb-1', port: 6443 } },
      etcd: 'stacked',
      devCluster: false,
      nodes: [],
      ...rest,
      network: { cni: 'calico', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12', ...network },
    },
  }
}

export interface FakeFleet {
  /** The inventory: cp-1..cp-3, lb-1, worker-1..worker-(n-4). */
  hosts: Host[]
  /** 3 control planes, HAProxy on lb-1:6443, n-4 workers; valid as it stands. */
  spec: ClusterSpecDocument
  now: Date
}

/** `n` (at least 4) identified, trusted hosts and a spec that uses them all and validates clean. */
export function fakeFleet(n: number): FakeFleet {
  if (n < 4) throw new Error('fakeFleet needs at least 4 hosts: 3 control planes and an HAProxy host')
  const labels = ['cp-1', 'cp-2', 'cp-3', 'lb-1', ...Array.from({ length: n - 4 }, (_, i) => `worker-${i + 1}`)]
  const hosts = labels.map((label, i) => makeHost(i, { label }))
  const spec = fakeSpec({
    endpoint: { haproxy: { host: 'lb-1', port: 6443 } },
    nodes: labels
      .filter((l) => l !== 'lb-1')
      .map((host) => ({ host, roles: [host.startsWith('cp-') ? 'control-plane' : 'worker'] })),
  })
  return { hosts, spec, now: NOW }
}

/**
 * The same hosts as probed and logged in to just now (by the real clock, not NOW): what an app
 * that plans against the present needs so that it does not probe them again.
 */
export function probedJustNow(hosts: Host[]): Host[] {
  const at = new Date().toISOString()
  return hosts.map((h) => ({ ...h, identification: { ...h.identification!, at }, lastLogin: { ...h.lastLogin!, at } }))
}
