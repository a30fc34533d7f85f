import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EventBus } from '../events'
import { confStoreFactory } from '../store/conf-store'
import { HostInventory } from './host-inventory'

function inventoryIn(dir: string) {
  const events = new EventBus()
  const changes: number[] = []
  events.on('hosts:changed', ({ hosts }) => changes.push(hosts.length))
  return { inventory: new HostInventory(confStoreFactory(dir)('inventory'), events), changes }
}

const pi = { address: '10.0.0.5', port: 22, user: 'pi' }

describe('HostInventory', () => {
  it('persists hosts across instances (what a restart sees)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-inv-'))
    const first = inventoryIn(dir)
    const added = first.inventory.add({ ...pi, label: 'kitchen' })
    expect(first.changes).toEqual([1])
    const second = inventoryIn(dir).inventory
    expect(second.list()).toEqual([added])
    expect(JSON.parse(readFileSync(join(dir, 'inventory.json'), 'utf8')).hosts).toHaveLength(1)
  })

  it('refuses the same address and port twice, naming the field', () => {
    const { inventory } = inventoryIn(mkdtempSync(join(tmpdir(), 'flotilla-inv-')))
    inventory.add(pi)
    expect(() => inventory.add({ ...pi, user: 'root' })).toThrow(expect.objectContaining({ code: 'HOST_EXISTS' }))
    expect(inventory.add({ ...pi, port: 2222 }).port).toBe(2222)
    expect(inventory.list()).toHaveLength(2)
  })

  it('updates fields, clears a label with "", and checks uniqueness against the others', () => {
    const { inventory } = inventoryIn(mkdtempSync(join(tmpdir(), 'flotilla-inv-')))
    const a = inventory.add({ ...pi, label: 'a' })
    const b = inventory.add({ ...pi, address: '10.0.0.6' })
    const moved = inventory.update(a.id, { port: 2200, label: '' })
    expect(moved).toMatchObject({ port: 2200, address: '10.0.0.5' })
    expect(moved).not.toHaveProperty('label')
    expect(() => inventory.update(b.id, { address: '10.0.0.5', port: 2200 })).toThrow(
      expect.objectContaining({ code: 'HOST_EXISTS' }),
    )
    expect(inventory.update(a.id, { address: '10.0.0.5' }).id).toBe(a.id)
  })

  it('removes hosts and reports unknown ids', () => {
    const { inventory } = inventoryIn(mkdtempSync(join(tmpdir(), 'flotilla-inv-')))
    const a = inventory.add(pi)
    inventory.remove(a.id)
    expect(inventory.list()).toEqual([])
    expect(() => inventory.remove(a.id)).toThrow(expect.objectContaining({ code: 'HOST_NOT_FOUND' }))
    expect(() => inventory.update('nope', {})).toThrow(expect.objectContaining({ code: 'HOST_NOT_FOUND' }))
  })

  it('reports a corrupt file as STORAGE and leaves it untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-inv-'))
    writeFileSync(join(dir, 'inventory.json'), '{"hosts": [ broken')
    expect(() => inventoryIn(dir)).toThrow(expect.objectContaining({ code: 'STORAGE' }))
    expect(readFileSync(join(dir, 'inventory.json'), 'utf8')).toBe('{"hosts": [ broken')
  })
})
