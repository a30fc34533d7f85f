import { describe, expect, it } from 'vitest'
import { dataDirFlag, resolveDataDir } from './data-dir'

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
