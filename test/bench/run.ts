/**
 * `npm run bench [-- <group>…]`: prints `BENCH <name> <value> <unit>` per figure (medians over
 * repeated runs); each group names its figures with its own prefix. Later issues add groups here.
 * Figures are for comparison between commits on the same machine; no test asserts on them.
 */
import { apply } from './groups/apply'
import { contract } from './groups/contract'
import { discovery } from './groups/discovery'
import { inventory } from './groups/inventory'
import { lab } from './groups/lab'
import { pki } from './groups/pki'
import { plan } from './groups/plan'
import { ssh } from './groups/ssh'
import { sshFailures } from './groups/ssh-failures'
import { ui } from './groups/ui'
import type { BenchGroup } from './harness'

const GROUPS: BenchGroup[] = [contract, inventory, lab, ssh, sshFailures, discovery, pki, plan, apply, ui]

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const unknown = wanted.filter((w) => !GROUPS.some((g) => g.name === w))
if (unknown.length > 0) {
  console.error(`unknown bench group(s): ${unknown.join(', ')}. Groups: ${GROUPS.map((g) => g.name).join(', ')}`)
  process.exit(2)
}
for (const group of GROUPS.filter((g) => wanted.length === 0 || wanted.includes(g.name))) {
  console.error(`# ${group.name}: ${group.description}`)
  await group.run((name, value, unit) => console.log(`BENCH ${name} ${value} ${unit}`))
}
