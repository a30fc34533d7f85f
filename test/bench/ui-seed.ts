/**
 * Data directories for the `ui` group's frame-time figures, written before `npm run web` starts
 * (like test/e2e/designer.spec.ts and run-view.spec.ts seed theirs): an inventory of adopted hosts
 * with facts, a cluster record, and a finished apply operation with its log. Every host address is
 * on loopback (127.77.x.y): nothing the server might probe leaves the machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { JournalRecord } from '../../src/main/services/operations/journal'
import type { Host, OpLogLine } from '../../src/shared/types'
import { seededHost } from '../e2e/support/seeded-host'

export const CLUSTER = 'bench'
const CLUSTER_ID = 'c-bench'
export const LOG_OP = 'op-bench-apply'

const AT = new Date(Date.UTC(2026, 11, 7, 10, 0, 0)).toISOString()
const address = (n: number) => `127.77.${Math.floor(n / 250)}.${(n % 250) + 1}`
export const hostLabel = (n: number) => `node-${n}`

/** A Raspberry Pi 4 with 4 GB, ready for every role (readiness by the app's own rules). */
function host(n: number): Host {
  return seededHost(n, { id: `bench-host-${n}`, address: address(n), label: hostLabel(n), at: AT, prefix: 8 })
}

/** A version-1 cluster record (migrated on read), as run-view.spec.ts seeds it. */
function clusterRecord(dataDir: string): void {
  writeFileSync(
    join(dataDir, 'clusters.json'),
    JSON.stringify({
      clusters: [
        {
          id: CLUSTER_ID,
          name: CLUSTER,
          flavour: 'kubeadm',
          endpointHost: '127.77.200.1',
          endpointPort: 6443,
          createdAt: AT,
        },
      ],
    }),
    { mode: 0o600 },
  )
}

/**
 * `hosts` adopted hosts, the first `nodes` of them in the cluster's spec (3 control planes, the rest
 * workers; the others wait in the tray). The spec itself is imported once the server runs
 * (`designerSpec`): the registry writes its own file format.
 */
export function seedDesigner(hosts: number): (dataDir: string) => void {
  return (dataDir) => {
    const inventory = Array.from({ length: hosts }, (_, i) => host(i + 1))
    writeFileSync(join(dataDir, 'inventory.json'), JSON.stringify({ hosts: inventory }), { mode: 0o600 })
    clusterRecord(dataDir)
  }
}

/** The spec `clusters:import` takes: the first `nodes` hosts placed. */
export function designerSpec(nodes: number): Record<string, unknown> {
  return {
    apiVersion: 'flotilla/v1alpha1',
    kind: 'Cluster',
    metadata: { name: CLUSTER },
    spec: {
      flavour: 'kubeadm',
      kubernetesVersion: '1.33',
      endpoint: { address: '127.77.200.1:6443' },
      nodes: Array.from({ length: nodes }, (_, i) => ({
        host: hostLabel(i + 1),
        roles: [i < 3 ? 'control-plane' : 'worker'],
      })),
    },
  }
}

/** A finished apply on three hosts whose log holds `lines` lines. */
export function seedLog(lines: number): (dataDir: string) => void {
  return (dataDir) => {
    clusterRecord(dataDir)
    const dir = join(dataDir, 'operations')
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const record: JournalRecord = {
      version: 1,
      // Above the kernel's largest pid: no live process owns this journal.
      pid: 4_194_305,
      instance: 'seeded',
      updatedAt: AT,
      op: {
        id: LOG_OP,
        kind: 'apply:run',
        title: `Applying ${CLUSTER}`,
        state: 'done',
        startedAt: AT,
        endedAt: AT,
        done: 3,
        total: 3,
        step: '',
        clusterId: CLUSTER_ID,
        outcome: { result: 'succeeded', items: { total: 3, failed: 0 }, reasons: [], summary: '3 hosts applied.' },
      },
      steps: [1, 2, 3].map((h) => ({
        stepId: `pi${h}/runtime`,
        hostId: `h${h}`,
        state: 'done' as const,
        startedAt: AT,
        endedAt: AT,
      })),
    }
    writeFileSync(join(dir, `${LOG_OP}.json`), JSON.stringify(record), { mode: 0o600 })
    const log: string[] = []
    for (let i = 1; i <= lines; i++) {
      const h = (i % 3) + 1
      const line: OpLogLine = {
        at: AT,
        hostId: `h${h}`,
        stepId: `pi${h}/runtime`,
        line: `Setting up containerd (1.7.24~ds1-6+b${i}) ... output line ${i} of the apply`,
      }
      log.push(JSON.stringify(line))
    }
    writeFileSync(join(dir, `${LOG_OP}.log`), log.join('\n') + '\n', { mode: 0o600 })
  }
}
