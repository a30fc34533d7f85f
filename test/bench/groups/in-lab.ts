import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Reporter } from '../harness'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

export interface InLabOptions {
  /** Group name, for the "not measured" line. */
  name: string
  prefix: string
  net: string
  /** Arguments of `lab.sh up`, e.g. ['20', '--profile', 'microos']. */
  up: string[]
  /** The measuring script (run with tsx inside the lab's desk); it prints BENCH lines. */
  script: string
}

/**
 * Benchmarks that need the fake LAN (root, Linux network namespaces): brings up a lab of the
 * group's own under its own prefix, runs the script inside the lab's desk, passes its BENCH lines
 * on, and tears the lab down whatever happened.
 */
export function runInLab(o: InLabOptions, report: Reporter): void {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    console.error(`# ${o.name}: not measured: needs root on Linux for the lab network namespaces`)
    return
  }
  const lab = ['bash', 'test/lab/lab.sh', '--prefix', o.prefix, '--net', o.net]
  const run = (args: string[]) => spawnSync(args[0]!, args.slice(1), { cwd: ROOT, encoding: 'utf8' })
  run([...lab, 'down'])
  try {
    const up = run([...lab, 'up', ...o.up])
    if (up.status !== 0) throw new Error(`lab up failed: ${up.stderr}`)
    const measured = run([...lab, 'exec', 'node_modules/.bin/tsx', o.script])
    if (measured.status !== 0) throw new Error(`${o.name} bench failed: ${measured.stderr}`)
    for (const line of measured.stdout.split('\n')) {
      // The script's own notes (where the time went) pass through to stderr.
      if (line.startsWith('# ')) console.error(`# ${o.name}: ${line.slice(2)}`)
      const match = /^BENCH (\S+) (\S+) (\S+)$/.exec(line)
      if (match) report(match[1]!, Number(match[2]), match[3]!)
    }
  } finally {
    run([...lab, 'down'])
  }
}
