import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Host, HostIdentification } from '../../src/shared/types'

/**
 * A data directory whose inventory holds one host per state the Hosts screen tells apart (as the
 * app itself stores them): not trusted, trusted and logged in, identified, and a Pi whose sudo asks
 * for a password that the last check (without it) did not have. 127.0.0.x: nothing is contacted.
 */
export function seededDataDir(): { dataDir: string; hosts: Host[] } {
  const at = new Date().toISOString()
  const key = (n: number) => ({
    type: 'ssh-ed25519',
    fingerprint: `SHA256:${String(n).repeat(43).slice(0, 43)}`,
    blob: 'AAAAC3NzaC1lZDI1NTE5AAAAIA==',
    trustedAt: at,
    source: 'confirmed' as const,
  })
  const base = (n: number, label: string, user = 'pi'): Host => ({
    id: `seed-${n}`,
    address: `127.0.0.${n + 10}`,
    port: 22,
    user,
    label,
    source: 'manual',
    addedAt: at,
    updatedAt: at,
  })
  const identification: HostIdentification = {
    at,
    os: { id: 'debian', versionId: '12', prettyName: 'Raspberry Pi OS (bookworm)', family: 'raspios', supported: true },
    arch: 'arm64',
    kernel: '6.6.31+rpt-rpi-2712',
    model: 'Raspberry Pi 5 Model B Rev 1.0',
    cpus: 4,
    memoryMiB: 8064,
    diskFreeMiB: 50_000,
    swap: { on: true, totalMiB: 512, devices: ['/var/swap'] },
    memoryCgroup: 'enabled',
    runtimes: [],
    clockOffsetMs: 12,
    leftovers: [],
    portsInUse: [],
    machineId: 'a'.repeat(32),
    hostname: 'pi-kitchen',
    readiness: [
      {
        role: 'control-plane',
        verdict: 'fixable',
        reasons: [{ code: 'swap-on', severity: 'fixable', message: 'swap is on: Flotilla will turn it off' }],
      },
      {
        role: 'worker',
        verdict: 'fixable',
        reasons: [{ code: 'swap-on', severity: 'fixable', message: 'swap is on: Flotilla will turn it off' }],
      },
      { role: 'haproxy', verdict: 'ready', reasons: [] },
    ],
  }
  const hosts: Host[] = [
    base(1, 'fresh-pi'),
    {
      ...base(2, 'pi-garage'),
      hostKey: key(2),
      lastLogin: { hostId: 'seed-2', ok: true, user: 'pi', sudo: 'nopasswd', os: 'Debian GNU/Linux 12 (bookworm)', at },
    },
    {
      ...base(3, 'pi-kitchen'),
      hostKey: key(3),
      identification,
      lastLogin: { hostId: 'seed-3', ok: true, user: 'pi', sudo: 'nopasswd', os: 'Raspberry Pi OS (bookworm)', at },
    },
    {
      ...base(4, 'pi-attic'),
      hostKey: key(4),
      lastLogin: {
        hostId: 'seed-4',
        ok: false,
        error: { code: 'SUDO_PASSWORD_NEEDED', message: 'sudo on this host asks for a password.' },
        at,
      },
    },
    {
      ...base(5, 'micro-1', 'root'),
      hostKey: key(5),
      lastCheck: { hostId: 'seed-5', reachable: false, reason: 'Connection refused', at },
    },
  ]
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-e2e-seeded-'))
  writeFileSync(join(dataDir, 'inventory.json'), JSON.stringify({ hosts }, null, 2))
  return { dataDir, hosts }
}
