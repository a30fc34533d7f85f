import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The Node version the README and package.json promise is one on which `npm ci` installs every
 * locked package without an EBADENGINE warning (npm warns exactly when a package's engines.node
 * does not match the running Node).
 */
const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null
  satisfies(version: string, range: string): boolean
}
const ROOT = resolve(import.meta.dirname, '../..')
const read = (file: string) => readFileSync(resolve(ROOT, file), 'utf8')

interface Locked {
  version?: string
  engines?: { node?: string } | string[]
}

describe('the documented Node version', () => {
  const range = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node
  const minimum = semver.minVersion(range)!.version

  it('satisfies every locked package, so npm ci prints no EBADENGINE there', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, Locked> }
    const unmet = Object.entries(lock.packages)
      .filter(([, p]) => p.engines && !Array.isArray(p.engines) && p.engines.node)
      .filter(([, p]) => !semver.satisfies(minimum, (p.engines as { node: string }).node))
      .map(([path, p]) => `${path}@${p.version} needs node ${(p.engines as { node: string }).node}`)
    expect(unmet, `on Node ${minimum}`).toEqual([])
    expect((lock.packages[''] as { engines?: { node?: string } }).engines?.node).toBe(range)
  })

  it('is the one the README names', () => {
    const [major, minor] = minimum.split('.')
    expect(read('README.md')).toContain(`Node.js ${major}.${minor} or newer`)
  })
})
