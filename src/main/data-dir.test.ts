import { chmodSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { testAppIn } from './app-test-support'
import { dataDirFlag, resolveDataDir } from './data-dir'
import { tempDir } from './services/vault/test-support'

describe('resolveDataDir', () => {
  it('prefers --data-dir, then FLOTILLA_DATA_DIR', () => {
    expect(resolveDataDir({ flag: '/a', env: { FLOTILLA_DATA_DIR: '/b' } })).toBe('/a')
    expect(resolveDataDir({ env: { FLOTILLA_DATA_DIR: '/b' } })).toBe('/b')
    expect(resolveDataDir({ flag: 'rel', env: {} })).toBe(`${process.cwd()}/rel`)
  })

  it('defaults to where Electron keeps userData', () => {
    expect(resolveDataDir({ env: {}, platform: 'linux', home: '/home/u' })).toBe('/home/u/.config/Flotilla')
    expect(resolveDataDir({ env: { XDG_CONFIG_HOME: '/x' }, platform: 'linux', home: '/home/u' })).toBe('/x/Flotilla')
    expect(resolveDataDir({ env: {}, platform: 'darwin', home: '/Users/u' })).toBe(
      '/Users/u/Library/Application Support/Flotilla',
    )
  })

  it('reads both flag spellings', () => {
    expect(dataDirFlag(['x', '--data-dir', '/d'])).toBe('/d')
    expect(dataDirFlag(['--data-dir=/e'])).toBe('/e')
    expect(dataDirFlag(['--json'])).toBeUndefined()
  })
})

/** The whole app over `dir`, as the CLI and the web server build it. */
const appIn = (dir: string) => testAppIn(dir, 'data dir test passphrase')

/** Every folder and file under `dir` (the folder itself included) with its permission bits. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = { '.': (statSync(dir).mode & 0o777).toString(8) }
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = join(rel, name)
      const stat = statSync(join(dir, path))
      out[path] = (stat.mode & 0o777).toString(8)
      if (stat.isDirectory()) walk(path)
    }
  }
  walk('')
  return out
}

function expectPrivate(dir: string): void {
  const seen = modes(dir)
  const loose = Object.entries(seen).filter(([path, mode]) => {
    const isDir = statSync(join(dir, path)).isDirectory()
    return isDir ? mode !== '700' : mode !== '600'
  })
  expect(loose, JSON.stringify(seen)).toEqual([])
}

describe.skipIf(process.platform === 'win32')('the data directory is owner-only', () => {
  it('creates the folder, logs, vault and the host, cluster, PKI and kubeconfig records 0700/0600', async () => {
    const dir = join(tempDir('flotilla-modes-'), 'Flotilla')
    const app = appIn(dir)
    await app.api.hosts.add({ address: '10.0.0.5', user: 'pi' })
    const cluster = await app.api.clusters.create({ name: 'homelab', flavour: 'kubeadm', endpoint: '10.0.0.10' })
    await app.api.pki.init(cluster.id, { algorithm: 'ECDSA-P256' })
    await app.api.kubeconfig.export(cluster.id, { out: join(dir, 'admin.conf') })
    app.log.info('a line')
    app.close()
    for (const name of [
      'inventory.json',
      'clusters.json',
      'pki.json',
      'kubeconfigs.json',
      'logs',
      'vault',
      'operations',
    ]) {
      expect(readdirSync(dir), name).toContain(name)
    }
    expectPrivate(dir)
  })

  it('makes an existing, world-readable data directory owner-only at start-up', async () => {
    const dir = join(tempDir('flotilla-modes-'), 'Flotilla')
    // What an older Flotilla left under umask 022.
    mkdirSync(join(dir, 'logs'), { recursive: true, mode: 0o755 })
    mkdirSync(join(dir, 'vault', 'deeper'), { recursive: true, mode: 0o755 })
    mkdirSync(join(dir, 'operations'), { recursive: true, mode: 0o755 })
    for (const file of [
      'clusters.json',
      'pki.json',
      'kubeconfigs.json',
      'logs/flotilla.log',
      'vault/deeper/x',
      'operations/op.log',
    ]) {
      writeFileSync(join(dir, file), file.endsWith('.json') ? '{}' : 'x', { mode: 0o644 })
    }
    for (const path of ['', 'logs', 'vault', 'vault/deeper', 'operations']) chmodSync(join(dir, path), 0o755)
    mkdirSync(join(dir, 'logs', 'old'), { mode: 0o755 })
    writeFileSync(join(dir, 'logs', 'old', 'rotate.sh'), '#!/bin/sh\n', { mode: 0o755 })
    // Not Flotilla's (Chromium's files in Electron's userData): left as they are, behind the 0700 folder.
    mkdirSync(join(dir, 'Cache'), { mode: 0o755 })
    writeFileSync(join(dir, 'Local State'), 'x', { mode: 0o644 })
    chmodSync(join(dir, 'Cache'), 0o755)
    appIn(dir).close()
    const seen = modes(dir)
    expect(seen).toMatchObject({ Cache: '755', 'Local State': '644' })
    // An executable keeps its owner bits and loses the others'.
    expect(seen['logs/old/rotate.sh']).toBe('700')
    chmodSync(join(dir, 'logs', 'old', 'rotate.sh'), 0o600)
    rmSync(join(dir, 'Cache'), { recursive: true })
    rmSync(join(dir, 'Local State'))
    expectPrivate(dir)
  })
})
