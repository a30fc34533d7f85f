// `npm test`'s simulator step: run `npm run test:sim` where the lab can run -- as root on Linux
// with network namespaces -- and exit with its result. Anywhere else, say loudly on one line that
// the simulator tests were NOT run and why, and exit 0 (same rule as test/lab/maybe-run.mjs).
import { spawnSync } from 'node:child_process'

function whyNot() {
  if (process.platform !== 'linux') return `this is ${process.platform}; the lab needs Linux network namespaces`
  const uid = process.getuid?.()
  if (uid !== 0) return `not running as root (uid ${uid}); the lab creates network namespaces and mounts`
  const ip = spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' })
  if (ip.error || ip.status !== 0) return "'ip netns' is not available (install iproute2)"
  const ns = spawnSync('unshare', ['--net', '--mount', 'true'], { stdio: 'ignore' })
  if (ns.error || ns.status !== 0) return 'cannot create namespaces here (unshare --net --mount failed)'
  return null
}

const reason = whyNot()
if (reason) {
  console.error(
    `\n*** SIMULATOR TESTS NOT RUN: ${reason}. Run \`sudo npm run test:sim\` on Linux to include them. ***\n`,
  )
  process.exit(0)
}
const run = spawnSync('npm', ['run', 'test:sim'], { stdio: 'inherit' })
process.exit(run.status ?? 1)
