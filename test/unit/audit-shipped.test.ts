import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * scripts/audit-shipped.mjs over a made-up `npm audit --json` report (a stand-in `npm` on PATH, so
 * no registry is asked): Electron is a devDependency, yet its advisories must count.
 */
const SCRIPT = resolve(import.meta.dirname, '../../scripts/audit-shipped.mjs')

const LOCK = {
  packages: {
    '': { name: 'flotilla' },
    'node_modules/ws': { version: '8.23.0' },
    'node_modules/electron': { version: '45.4.1', dev: true },
    'node_modules/vite': { version: '8.3.8', dev: true },
  },
}

const advisory = (name: string, severity: string) => ({
  name,
  severity,
  range: '<99',
  nodes: [`node_modules/${name}`],
  via: [{ title: `${name} is broken`, url: `https://github.com/advisories/${name}` }],
  fixAvailable: true,
})

function audit(vulnerabilities: Record<string, unknown>, args: string[] = []) {
  const root = mkdtempSync(join(tmpdir(), 'flotilla-audit-'))
  writeFileSync(join(root, 'package-lock.json'), JSON.stringify(LOCK))
  writeFileSync(join(root, 'report.json'), JSON.stringify({ vulnerabilities }))
  const npm = join(root, 'npm')
  writeFileSync(npm, `#!/bin/sh\n[ "$1 $2" = "audit --json" ] || exit 9\ncat "${join(root, 'report.json')}"\nexit 1\n`)
  chmodSync(npm, 0o755)
  const run = spawnSync(process.execPath, [SCRIPT, '--root', root, ...args], {
    env: { ...process.env, PATH: `${root}${delimiter}${process.env.PATH}` },
    encoding: 'utf8',
  })
  return { status: run.status, output: run.stdout + run.stderr }
}

describe('audit of what ships', () => {
  it('counts Electron, though it is a devDependency', () => {
    const result = audit({ electron: advisory('electron', 'high') })
    expect(result.status).toBe(1)
    expect(result.output).toContain('high     electron')
    expect(result.output).toContain('electron is broken')
  })

  it('counts production dependencies and leaves build tools out', () => {
    const result = audit({ ws: advisory('ws', 'moderate'), vite: advisory('vite', 'critical') })
    expect(result.status).toBe(1)
    expect(result.output).toContain('moderate ws')
    expect(result.output).not.toContain('vite')
    expect(audit({ vite: advisory('vite', 'critical') })).toMatchObject({ status: 0 })
  })

  it('fails only at or above --level, listing the rest', () => {
    const result = audit({ ws: advisory('ws', 'low') })
    expect(result).toMatchObject({ status: 0 })
    expect(result.output).toContain('low      ws')
    expect(audit({ ws: advisory('ws', 'low') }, ['--level', 'low'])).toMatchObject({ status: 1 })
  })
})
