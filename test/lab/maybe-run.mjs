// `npm test`'s lab steps: `node test/lab/maybe-run.mjs <npm script> <what>` runs that script
// (test:lab, test:sim) where the lab can run -- as root on Linux with network namespaces -- and
// exits with its result. Anywhere else it says loudly on one line that those tests were NOT run
// and why, and exits 0: a skipped lab run must never pass silently for a green one.
import { spawnSync } from 'node:child_process'

const [script = 'test:lab', what = 'LAB TESTS'] = process.argv.slice(2)

function whyNot() {
  if (process.platform !== 'linux') return `this is ${process.platform}; the lab needs Linux network namespaces`
  const uid = process.getuid?.()
  if (uid !== 0) return `not running as root (uid ${uid}); the lab creates network namespaces and mounts`
  const ip = spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' })
  if (ip.error || ip.status !== 0) return "'ip netns' is not available (install iproute2)"
  // Root in an unprivileged container can list namespaces but not create them.
  const ns = spawnSync('unshare', ['--net', '--mount', 'true'], { stdio: 'ignore' })
  if (ns.error || ns.status !== 0) return 'cannot create namespaces here (unshare --net --mount failed)'
  return null
}

const reason = whyNot()
if (reason) {
  console.error(`\n*** ${what} NOT RUN: ${reason}. Run \`sudo npm run ${script}\` on Linux to include them. ***\n`)
  process.exit(0)
}
const run = spawnSync('npm', ['run', script], { stdio: 'inherit' })
process.exit(run.status ?? 1)
