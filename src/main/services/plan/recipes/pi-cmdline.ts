/**
 * The memory cgroup on a Raspberry Pi (domain.md §6): Raspberry Pi OS kernels may boot without it,
 * and the kubelet then refuses to run ("Following Cgroup subsystem not mounted: [memory]"). The fix
 * is k3s's documented one, `cgroup_memory=1 cgroup_enable=memory` appended to the ONE line of the
 * firmware's cmdline.txt ("Put all parameters ... on the same line"); the firmware puts its own
 * parameters (possibly `cgroup_disable=memory`) first, so appended ones win. Only a Pi the probe
 * found lacking it gets these steps (`memoryCgroup === 'needs-cmdline'`).
 *
 * Two steps: the edit, then a step of kind `reboot` whose check is the running kernel's view. Its
 * one action is REBOOT_COMMAND: the engine recognises it (isRebootAction) and performs an
 * orchestrated reboot through SshService.reboot (issued detached, then waits for a new boot id
 * with the same host key) instead of running it as a plain command that would cut its own line.
 */
import { sh } from '../../ssh/shell-command'
import { stepId, type Recipe, type StepAction } from '../step'
import { check, joinLines, run, runsKubernetes } from './common'

export const MEMORY_CGROUP_FLAGS = ['cgroup_memory=1', 'cgroup_enable=memory'] as const

/** What the reboot step shows; the runner performs it as an orchestrated reboot. */
export const REBOOT_COMMAND = sh`systemctl reboot`

export function isRebootAction(action: StepAction): boolean {
  return action.type === 'run' && action.command.text === REBOOT_COMMAND.text
}

export const piCmdlineRecipe: Recipe = {
  name: 'pi-cmdline',
  kind: 'prepare',
  steps(ctx) {
    const { facts } = ctx
    const file = facts.firmwareCmdline
    if (facts.memoryCgroup !== 'needs-cmdline' || !file || !runsKubernetes(ctx)) return []
    const backup = `${file}.flotilla-orig`
    // Each flag is appended to line 1 only when that line lacks it: a second run changes nothing.
    const append = MEMORY_CGROUP_FLAGS.map((flag) =>
      run(
        sh`if ! head -n 1 ${file} | grep -Eq ${`(^|[[:space:]])${flag}([[:space:]]|$)`}; then sed -i ${`1 s/[[:space:]]*$/ ${flag}/`} ${file}; fi`,
      ),
    )
    const edit = {
      id: stepId(ctx, 'pi-cmdline'),
      hostId: ctx.host.id,
      kind: 'prepare' as const,
      title: `Turn the memory cgroup on in ${file} (takes effect after a reboot)`,
      deps: [],
      actions: [run(sh`if [ ! -e ${backup} ]; then cp -p ${file} ${backup}; fi`), ...append],
      check: check(
        joinLines([
          sh`line=$(head -n 1 ${file}) || exit 2`,
          ...MEMORY_CGROUP_FLAGS.map(
            (flag) => sh`case " $line " in *${` ${flag} `}*) ;; *) echo ${`${file} lacks ${flag}`}; exit 1 ;; esac`,
          ),
          sh`echo ${`${file} turns the memory cgroup on`}`,
        ]),
      ),
    }
    const reboot = {
      id: stepId(ctx, 'pi-cmdline', 'reboot'),
      hostId: ctx.host.id,
      kind: 'reboot' as const,
      title: 'Reboot, so the kernel starts with the memory cgroup',
      deps: [edit.id],
      actions: [run(REBOOT_COMMAND)],
      // cgroup v2 (Pi OS 12 and later): the root's controllers; cgroup v1: /proc/cgroups' enabled column.
      check: check(
        joinLines([
          sh`if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null || awk '$1 == "memory" && $4 == 1 { found = 1 } END { exit !found }' /proc/cgroups 2>/dev/null; then echo "the running kernel has the memory cgroup"; exit 0; fi`,
          sh`echo "the running kernel lacks the memory cgroup: it needs a reboot"; exit 1`,
        ]),
      ),
    }
    return [edit, reboot]
  },
}
