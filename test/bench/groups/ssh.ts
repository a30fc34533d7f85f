import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BenchGroup } from '../harness'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const LAB = ['bash', 'test/lab/lab.sh', '--prefix', 'labbench', '--net', '10.81.0.0/24']

/**
 * SSH fan-out to 20 lab hosts. Needs the lab (root, Linux network namespaces): brings up its own
 * lab under a prefix of its own, runs the measurement inside the lab's desk, and tears it down.
 */
export const ssh: BenchGroup = {
  name: 'ssh',
  description: 'fan-out of a login + command to 20 lab hosts, ours vs a bare ssh2 Promise.all',
  async run(report) {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) {
      console.error('# ssh: not measured: needs root on Linux for the lab network namespaces')
      return
    }
    const run = (args: string[], inherit = false) =>
      spawnSync(args[0]!, args.slice(1), { cwd: ROOT, encoding: 'utf8', stdio: inherit ? 'inherit' : 'pipe' })
    run([...LAB, 'down'])
    try {
      const up = run([...LAB, 'up', '20', '--profile', 'microos'])
      if (up.status !== 0) throw new Error(`lab up failed: ${up.stderr}`)
      const measured = run([...LAB, 'exec', 'node_modules/.bin/tsx', 'test/bench/lab/ssh-fanout.ts'])
      if (measured.status !== 0) throw new Error(`ssh bench failed: ${measured.stderr}`)
      for (const line of measured.stdout.split('\n')) {
        const match = /^BENCH (\S+) (\S+) (\S+)$/.exec(line)
        if (match) report(match[1]!, Number(match[2]), match[3]!)
      }
    } finally {
      run([...LAB, 'down'])
    }
  },
}
