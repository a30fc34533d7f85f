/**
 * Swap off, now and at every boot (domain.md §6): the kubelet refuses to start with swap on unless
 * told to tolerate it, and Flotilla keeps the kubelet's default. What brings swap back differs:
 * - every family: the swap lines of /etc/fstab (systemd's fstab generator) → commented out;
 * - Raspberry Pi OS 12 (bookworm): dphys-swapfile's service → swap file removed, service disabled;
 * - Raspberry Pi OS 13 (trixie): rpi-swap's generator (zram) → a swap.conf(5) drop-in with
 *   `Mechanism=none` (rpi-swap: "Completely disables swap functionality");
 * then `swapoff -a` for the running system.
 */
import { sh } from '../../ssh/shell-command'
import { stepId, type Recipe, type StepAction } from '../step'
import { check, isKnownFamily, joinLines, raspiosRelease, run, writeText, runsKubernetes } from './common'

/** An active swap line of fstab: not a comment, third field `swap` (POSIX ERE, for grep and sed). */
const FSTAB_SWAP = '^[[:space:]]*[^#[:space:]][^[:space:]]*[[:space:]]+[^[:space:]]+[[:space:]]+swap([[:space:]]|$)'
/** Comments such a line out, keeping it for the user to read (and restore) later. */
const COMMENT_OUT = `s/^(${FSTAB_SWAP.slice(1)})/#\\1/`

/** rpi-swap reads drop-ins sorted by name, the last `Mechanism=` winning: a late name. */
export const RPI_SWAP_DROP_IN = '/etc/rpi/swap.conf.d/90-flotilla-no-swap.conf'
export const RPI_SWAP_DROP_IN_TEXT =
  '# Written by Flotilla: Kubernetes nodes run without swap.\n[Main]\nMechanism=none\n'

export const swapRecipe: Recipe = {
  name: 'swap',
  kind: 'prepare',
  steps(ctx) {
    const { facts } = ctx
    if (!isKnownFamily(facts) || !runsKubernetes(ctx)) return []
    const pi = facts.os.family === 'raspios'
    const rpiSwap = pi && raspiosRelease(facts) >= 13
    const dphys = pi && !rpiSwap

    // Only the file changes of this step are conditional: `sed -i` rewrites the file even when
    // nothing matches, and a second run must leave it untouched.
    const actions: StepAction[] = [
      run(sh`if grep -Eq ${FSTAB_SWAP} /etc/fstab; then sed -i -E ${COMMENT_OUT} /etc/fstab; fi`),
    ]
    if (dphys) {
      actions.push(
        run(
          sh`if command -v dphys-swapfile >/dev/null 2>&1; then dphys-swapfile swapoff && dphys-swapfile uninstall && systemctl disable dphys-swapfile; fi`,
        ),
      )
    }
    if (rpiSwap) {
      actions.push(run(sh`mkdir -p /etc/rpi/swap.conf.d`), writeText(RPI_SWAP_DROP_IN, RPI_SWAP_DROP_IN_TEXT))
    }
    actions.push(run(sh`swapoff -a`))

    const checks = [
      sh`on=$(awk 'NR > 1 { printf "%s%s", sep, $1; sep = " " }' /proc/swaps)`,
      sh`if [ -n "$on" ]; then echo "swap is on: $on"; exit 1; fi`,
      sh`if grep -Eq ${FSTAB_SWAP} /etc/fstab; then echo "/etc/fstab turns swap on at boot"; exit 1; fi`,
    ]
    if (dphys) {
      checks.push(
        sh`if systemctl is-enabled -q dphys-swapfile 2>/dev/null; then echo "dphys-swapfile is enabled: it turns swap on at boot"; exit 1; fi`,
      )
    }
    if (rpiSwap) {
      checks.push(
        sh`if ! grep -qx Mechanism=none ${RPI_SWAP_DROP_IN} 2>/dev/null; then echo "rpi-swap turns swap on at boot (no Mechanism=none drop-in)"; exit 1; fi`,
      )
    }
    checks.push(sh`echo "swap is off and stays off"`)

    return [
      {
        id: stepId(ctx, 'swap'),
        hostId: ctx.host.id,
        kind: 'prepare',
        title: 'Turn swap off and keep it off',
        deps: [],
        actions,
        check: check(joinLines(checks)),
      },
    ]
  },
}
