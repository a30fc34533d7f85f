// The last step of `npm test`: run the lab tests (`npm run test:lab`) where they can run -- as
// root on Linux with network namespaces -- and exit with their result. Anywhere else, say loudly
// on one line that they were NOT run and why, and exit 0: a skipped lab run must never pass
// silently for a green one.
import { spawnSync } from 'node:child_process'

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
  console.error(`\n*** LAB TESTS NOT RUN: ${reason}. Run \`sudo npm run test:lab\` on Linux to include them. ***\n`)
  process.exit(0)
}
const run = spawnSync('npm', ['run', 'test:lab'], { stdio: 'inherit' })
process.exit(run.status ?? 1)
