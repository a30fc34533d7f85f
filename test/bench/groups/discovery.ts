import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BenchGroup } from '../harness'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const LAB = ['bash', 'test/lab/lab.sh', '--prefix', 'labbdisc', '--net', '10.84.0.0/24']
/** Everything here advertises over mDNS and takes the lab key: Pi OS, MicroOS on a Pi, Debian on :2222. */
const PROFILES = 'pi4,pi5,microos-pi,ssh-port-2222'

/**
 * mDNS discovery of 20 lab hosts (ours vs `avahi-browse -arpt` run in the same desk against a
 * fresh avahi-daemon each round), misses over 10 back-to-back scans, and identification of the
 * 20 over SSH (ours vs a bare ssh2 run of the same script). Brings up its own lab, measures inside
 * its desk, tears it down.
 */
export const discovery: BenchGroup = {
  name: 'discovery',
  description:
    'mDNS scan of 20 lab hosts vs avahi-browse -arpt (fresh avahi-daemon per round, in the desk), misses over 10 back-to-back scans; probe of 20 vs bare ssh2',
  async run(report) {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) {
      console.error('# discovery: not measured: needs root on Linux for the lab network namespaces')
      return
    }
    const run = (args: string[]) => spawnSync(args[0]!, args.slice(1), { cwd: ROOT, encoding: 'utf8' })
    run([...LAB, 'down'])
    try {
      const up = run([...LAB, 'up', '20', '--profile', PROFILES])
      if (up.status !== 0) throw new Error(`lab up failed: ${up.stderr}`)
      const measured = run([...LAB, 'exec', 'node_modules/.bin/tsx', 'test/bench/lab/discovery-lab.ts'])
      if (measured.status !== 0) throw new Error(`discovery bench failed: ${measured.stderr}`)
      for (const line of measured.stdout.split('\n')) {
        const match = /^BENCH (\S+) (\S+) (\S+)$/.exec(line)
        if (match) report(match[1]!, Number(match[2]), match[3]!)
        else if (line.startsWith('#')) console.error(line)
      }
    } finally {
      run([...LAB, 'down'])
    }
  },
}
