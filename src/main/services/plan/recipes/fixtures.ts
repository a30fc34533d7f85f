/**
 * Test fixtures for the recipes: a host and its identification per OS family, as the probe reports
 * them for the lab's profiles (pi4 = Raspberry Pi OS 12, pi5 = 13, microos, debian). Tests only.
 */
import type { Host, HostIdentification, OsFamily } from '../../../../shared/types'
import type { RecipeContext } from '../step'

export type FixtureOs = 'raspios-12' | 'raspios-13' | 'debian-12' | 'ubuntu-24.04' | 'microos'

export function facts(os: FixtureOs, overrides: Partial<HostIdentification> = {}): HostIdentification {
  const [family, versionId] = (os === 'microos' ? ['microos', '20250101'] : os.split('-')) as [OsFamily, string]
  const pi = family === 'raspios'
  return {
    at: '2026-12-07T09:00:00.000Z',
    os: { id: family, versionId, prettyName: os, family, supported: true },
    arch: pi ? 'aarch64' : 'x86_64',
    kernel: '6.12.25',
    ...(pi ? { model: 'Raspberry Pi 5 Model B Rev 1.0', firmwareCmdline: '/boot/firmware/cmdline.txt' } : {}),
    cpus: 4,
    memoryMiB: 8000,
    diskFreeMiB: 20000,
    swap: { on: pi, totalMiB: pi ? 512 : 0, devices: pi ? ['/var/swap'] : [] },
    memoryCgroup: pi ? 'needs-cmdline' : 'enabled',
    runtimes: [],
    clockOffsetMs: 3,
    leftovers: [],
    portsInUse: [],
    machineId: '0123456789abcdef0123456789abcdef',
    hostname: os,
    readiness: [],
    ...overrides,
  }
}

export function context(os: FixtureOs, overrides: Partial<HostIdentification> = {}): RecipeContext {
  const host = { id: `host-${os}`, address: '10.0.0.2', port: 22, user: 'pi', label: `n-${os}` } as Host
  return {
    spec: {} as RecipeContext['spec'],
    clusterName: 'homelab',
    host,
    facts: facts(os, overrides),
    roles: ['control-plane'],
    name: `n-${os}`,
    kubernetes: { minor: '1.32' },
    cluster: {
      hosts: [{ hostId: host.id, name: `n-${os}`, address: host.address, roles: ['control-plane'] }],
      endpoint: { host: '10.0.0.2', port: 6443 },
    },
  }
}
