import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EventBus } from '../events'
import { confStoreFactory } from '../store/conf-store'
import { tempDir } from '../vault/test-support'
import { ClusterRegistry } from './cluster-registry'

const WRITERS = 2
const EDITS = 60

/** Starts a writer process and resolves once it is ready. */
function startWriter(dir: string, name: string): Promise<{ child: ChildProcess; done: Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'cluster-writer.fixture.ts'), dir, name, String(EDITS)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let err = ''
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve({ child, done })
    })
    child.on('exit', () => reject(new Error(`writer ${name} exited before it was ready: ${err}`)))
  })
}

describe('cluster records written by several processes at once', () => {
  it(`keeps every edit of ${WRITERS} processes × ${EDITS} set-role/import writes`, async () => {
    const dir = tempDir('flotilla-clusters-concurrent-')
    const registry = new ClusterRegistry(confStoreFactory(dir)('clusters'), new EventBus())
    await registry.create({ name: 'shared', flavour: 'kubeadm', endpoint: '10.0.0.1' })
    const names = Array.from({ length: WRITERS }, (_, w) => `w${w}`)
    const writers = await Promise.all(names.map((name) => startWriter(dir, name)))
    for (const { child } of writers) child.stdin!.write('go\n')
    expect(await Promise.all(writers.map((w) => w.done))).toEqual(Array(WRITERS).fill(0))

    const shared = registry.find('shared')!
    const nodes = new Map(shared.spec.spec.nodes.map((n) => [n.host, n.roles]))
    const lost: string[] = []
    let sharedEdits = 0
    for (const name of names) {
      for (let i = 0; i < EDITS; i++) {
        const [expected, roles] =
          i % 3 === 0
            ? [`${name}-h${i}`, ['worker']]
            : i % 3 === 1
              ? [`${name}-f${i}`, ['etcd']]
              : [`${name}-c${i}`, null]
        if (roles) sharedEdits++
        const present = roles
          ? JSON.stringify(nodes.get(expected)) === JSON.stringify(roles)
          : !!registry.find(expected)
        if (!present) lost.push(expected)
      }
    }
    expect(lost).toEqual([])
    expect(shared.spec.spec.nodes).toHaveLength(sharedEdits)
    expect(shared.revision, 'one revision per edit of the shared cluster').toBe(1 + sharedEdits)
    expect(registry.list()).toHaveLength(1 + WRITERS * (EDITS / 3))
    expect(existsSync(join(dir, 'clusters.json.lock')), 'lock released').toBe(false)
  }, 300_000)
})
