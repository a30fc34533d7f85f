import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createApp } from './app'
import { confStoreFactory } from './services/store/conf-store'

function appIn(dir = mkdtempSync(join(tmpdir(), 'flotilla-app-'))) {
  return createApp({ dataDir: dir, transport: 'cli', version: '0.0.0-test', createStore: confStoreFactory(dir) })
}

describe('createApp: the contract end to end, in process', () => {
  it('adds, lists, edits and removes hosts through the bridge', async () => {
    const { api } = appIn()
    const host = await api.hosts.add({ address: 'Kubic-Pi1.local', user: 'pi', label: 'kitchen' })
    expect(host).toMatchObject({ address: 'kubic-pi1.local', port: 22, user: 'pi', label: 'kitchen', source: 'manual' })
    expect(await api.hosts.list()).toEqual([host])
    const edited = await api.hosts.update(host.id, { port: 2222 })
    expect(edited.port).toBe(2222)
    await api.hosts.remove(host.id)
    expect(await api.hosts.list()).toEqual([])
  })

  it('writes nothing when input is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-app-'))
    const { api } = appIn(dir)
    await api.hosts.add({ address: '10.0.0.5', user: 'pi' })
    const before = readFileSync(join(dir, 'inventory.json'), 'utf8')
    for (const input of [
      { address: '', user: 'pi' },
      { address: 'x'.repeat(300), user: 'pi' },
      { address: 'not valid!', user: 'pi' },
      { address: '10.0.0.6', port: 0, user: 'pi' },
      { address: '10.0.0.6', port: 70000, user: 'pi' },
      { address: '10.0.0.6', user: 'pi pi' },
      { address: '10.0.0.6', user: 'pi;reboot' },
    ]) {
      await expect(api.hosts.add(input)).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        details: { fields: expect.any(Object) },
      })
    }
    expect(readFileSync(join(dir, 'inventory.json'), 'utf8')).toBe(before)
  })

  it('serves app info and settings, emitting settings:changed', async () => {
    const app = appIn()
    expect(await app.api.app.info()).toMatchObject({ version: '0.0.0-test', transport: 'cli' })
    const seen: string[] = []
    app.api.settings.onChanged(({ settings }) => seen.push(settings.theme))
    expect(await app.api.settings.get()).toEqual({ theme: 'system' })
    await app.api.settings.set({ theme: 'dark' })
    expect(seen).toEqual(['dark'])
    await expect(app.api.settings.set({ theme: 'neon' as never })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
  })

  it('logs calls with secrets redacted, and hides crashes behind INTERNAL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-app-'))
    const app = appIn(dir)
    app.redactor.register('hunter2-secret')
    await app.api.hosts.add({ address: '10.0.0.9', user: 'pi', label: 'hunter2-secret' })
    ;(app.inventory as unknown as { list: () => never }).list = () => {
      throw new Error('disk exploded at /home/alice')
    }
    await expect(app.api.hosts.list()).rejects.toEqual({
      code: 'INTERNAL',
      message: 'Something went wrong inside Flotilla. The log has the details.',
    })
    const log = readFileSync(join(dir, 'logs', 'flotilla.log'), 'utf8')
    expect(log).toContain('call hosts:add')
    expect(log).not.toContain('hunter2-secret')
    expect(log).toMatch(/hosts:list crashed: Error: disk exploded/)
  })

  it('runs hosts:check as an operation visible in ops:list', async () => {
    const app = appIn()
    const host = await app.api.hosts.add({ address: '127.0.0.1', port: 1, user: 'pi' })
    const ended: string[] = []
    app.api.ops.onEnd((e) => ended.push(e.state))
    const [result] = await app.api.hosts.check([host.id], { opId: 'check-1' })
    expect(result).toMatchObject({ hostId: host.id, reachable: false })
    // The one host did not answer: the operation failed (issue 11, item 25), with the reason.
    expect(ended).toEqual(['failed'])
    expect(await app.api.ops.list()).toEqual([
      expect.objectContaining({
        id: 'check-1',
        kind: 'hosts:check',
        state: 'failed',
        outcome: expect.objectContaining({ result: 'failed', items: { total: 1, failed: 1 } }),
      }),
    ])
    await expect(app.api.hosts.check(['missing'])).rejects.toMatchObject({ code: 'HOST_NOT_FOUND' })
  })
})
