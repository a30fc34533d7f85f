#!/usr/bin/env node
// `npm run audit:shipped [-- --level moderate] [--root <project>]`: npm's advisories for what the installed app ships.
// `npm audit --omit=dev` misses Electron, the biggest part of it: electron-builder wants Electron in
// devDependencies, and puts its binary, not its npm package, into the app. So: audit everything,
// then keep the advisories that touch a production dependency (package-lock.json: not "dev") or
// Electron itself. Exits 1 when one is at or above --level (default: moderate).
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const LEVELS = ['info', 'low', 'moderate', 'high', 'critical']
/** Dev dependencies that are part of the installed app all the same. */
const SHIPPED_DEV = ['node_modules/electron']

/** The lockfile paths (node_modules/…) of everything the app ships. */
export function shippedPaths(lock) {
  const paths = new Set(SHIPPED_DEV)
  for (const [path, info] of Object.entries(lock.packages ?? {})) if (path && !info.dev) paths.add(path)
  return paths
}

/** The advisories of an `npm audit --json` report that touch a shipped package, worst first. */
export function shippedVulnerabilities(report, shipped) {
  return Object.values(report.vulnerabilities ?? {})
    .filter((v) => (v.nodes ?? []).some((node) => shipped.has(node)))
    .map((v) => ({
      name: v.name,
      severity: v.severity,
      range: v.range,
      advisories: (v.via ?? []).filter((via) => typeof via === 'object').map((via) => `${via.title} (${via.url})`),
      fix:
        v.fixAvailable === true
          ? 'npm audit fix'
          : v.fixAvailable
            ? `${v.fixAvailable.name}@${v.fixAvailable.version}`
            : 'none yet',
    }))
    .sort((a, b) => LEVELS.indexOf(b.severity) - LEVELS.indexOf(a.severity))
}

export function atOrAbove(vulnerabilities, level) {
  return vulnerabilities.filter((v) => LEVELS.indexOf(v.severity) >= LEVELS.indexOf(level))
}

function main() {
  const { values } = parseArgs({
    options: { level: { type: 'string', default: 'moderate' }, root: { type: 'string' } },
    strict: true,
  })
  if (!LEVELS.includes(values.level)) {
    console.error(`--level must be one of ${LEVELS.join(', ')}, not "${values.level}"`)
    process.exit(2)
  }
  const root = values.root ?? join(import.meta.dirname, '..')
  const audit = spawnSync('npm', ['audit', '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  let report
  try {
    report = JSON.parse(audit.stdout)
  } catch {
    console.error(`npm audit gave no report (exit ${audit.status}):\n${audit.stderr}`)
    process.exit(2)
  }
  if (report.error) {
    console.error(
      `npm audit could not ask the registry: ${report.error.summary || report.message || 'no reason given'}`,
    )
    process.exit(2)
  }
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'))
  const found = shippedVulnerabilities(report, shippedPaths(lock))
  for (const v of found) {
    console.log(`${v.severity.padEnd(8)} ${v.name} ${v.range}  fix: ${v.fix}`)
    for (const a of v.advisories) console.log(`         ${a}`)
  }
  const failing = atOrAbove(found, values.level)
  console.log(
    `audit of what ships (production dependencies and Electron): ${found.length} advisories, ${failing.length} at or above ${values.level}`,
  )
  process.exit(failing.length ? 1 : 0)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main()
