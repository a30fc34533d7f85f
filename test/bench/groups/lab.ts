import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { median, round, type BenchGroup } from '../harness'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const LAB = ['bash', 'test/lab/lab.sh', '--prefix', 'labbenchup', '--net', '10.85.0.0/24']

/** How long the fake LAN takes to bring up 20 hosts (sshd + avahi ready), and to remove them. */
export const lab: BenchGroup = {
  name: 'lab',
  description: 'lab up of 20 nodes of the default mix, and down',
  async run(report) {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) {
      console.error('# lab: not measured: needs root on Linux for network namespaces')
      return
    }
    const run = (args: string[]) => spawnSync(args[0]!, args.slice(1), { cwd: ROOT, encoding: 'utf8' })
    run([...LAB, 'down'])
    const ups: number[] = []
    const downs: number[] = []
    for (let i = 0; i < 3; i++) {
      let t = performance.now()
      const up = run([...LAB, 'up', '20'])
      ups.push(performance.now() - t)
      t = performance.now()
      run([...LAB, 'down'])
      downs.push(performance.now() - t)
      if (up.status !== 0) throw new Error(`lab up failed: ${up.stderr}`)
    }
    report('lab_up_20_s', round(median(ups) / 1000, 2), 's')
    report('lab_down_20_s', round(median(downs) / 1000, 2), 's')
  },
}
