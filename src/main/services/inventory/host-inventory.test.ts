import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EventBus } from '../events'
import { confStoreFactory } from '../store/conf-store'
import { HostInventory, freeLabel } from './host-inventory'

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

describe('HostInventory labels (issue 11 item 20)', () => {
  it('refuses a label another host has (any case), with a sentence naming the field', () => {
    const { inventory } = inventoryIn(mkdtempSync(join(tmpdir(), 'flotilla-inv-')))
    inventory.add({ ...pi, label: 'kitchen-pi' })
    let error: unknown
    try {
      inventory.add({ ...pi, address: '10.0.0.6', label: 'Kitchen-Pi' })
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({
      code: 'HOST_EXISTS',
      message: expect.stringMatching(/^The label "Kitchen-Pi" is already used by .*10\.0\.0\.5.*\.$/),
      details: { fields: { label: expect.any(String) } },
    })
    const other = inventory.add({ ...pi, address: '10.0.0.6', label: 'garage-pi' })
    expect(() => inventory.update(other.id, { label: 'kitchen-pi' })).toThrow(
      expect.objectContaining({ code: 'HOST_EXISTS' }),
    )
    // Its own label again, or another case of it, is no clash.
    expect(inventory.update(other.id, { label: 'Garage-Pi' }).label).toBe('Garage-Pi')
    expect(inventory.list().filter((h) => h.label?.toLowerCase() === 'kitchen-pi')).toHaveLength(1)
  })

  it("never lets a label be another host's address, nor an address be another host's label", () => {
    const { inventory } = inventoryIn(mkdtempSync(join(tmpdir(), 'flotilla-inv-')))
    const a = inventory.add({ ...pi, label: 'kitchen-pi' })
    expect(() => inventory.add({ ...pi, address: '10.0.0.6', label: '10.0.0.5' })).toThrow(
      expect.objectContaining({ code: 'HOST_EXISTS', message: expect.stringMatching(/address of/) }),
    )
    expect(() => inventory.add({ ...pi, address: 'kitchen-pi' })).toThrow(
      expect.objectContaining({ code: 'HOST_EXISTS', message: expect.stringMatching(/label of/) }),
    )
    const b = inventory.add({ ...pi, address: '10.0.0.6' })
    expect(() => inventory.update(b.id, { address: 'kitchen-pi' })).toThrow(
      expect.objectContaining({ code: 'HOST_EXISTS' }),
    )
    expect(() => inventory.update(a.id, { label: '10.0.0.6' })).toThrow(
      expect.objectContaining({ code: 'HOST_EXISTS' }),
    )
    // A host's own address as its label names the same host: allowed.
    expect(inventory.update(a.id, { label: '10.0.0.5' }).label).toBe('10.0.0.5')
  })

  it('gives a new name a free label: name, name-2, name-3 (what discovery uses)', () => {
    const { inventory } = inventoryIn(mkdtempSync(join(tmpdir(), 'flotilla-inv-')))
    inventory.add({ ...pi, label: 'pi1' })
    inventory.add({ ...pi, address: '10.0.0.6', label: 'pi1-2' })
    inventory.add({ ...pi, address: 'pi1-3' })
    expect(freeLabel(inventory.list(), 'pi1')).toBe('pi1-4')
    expect(freeLabel(inventory.list(), 'pi2')).toBe('pi2')
  })
})
