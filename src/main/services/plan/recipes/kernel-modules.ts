/**
 * The kernel modules container networking needs, loaded now and at every boot: overlay (the
 * runtime's snapshotter) and br_netfilter (bridged pod traffic through iptables, which flannel and
 * calico rely on; the net.bridge sysctls exist only once it is loaded). domain.md §6.
 * /etc/modules-load.d is read by systemd-modules-load on every family, MicroOS included (/etc is
 * writable there).
 */
import { sh } from '../../ssh/shell-command'
import { stepId, type Recipe } from '../step'
import { check, isKnownFamily, joinLines, run, writeText, runsKubernetes } from './common'

export const KERNEL_MODULES = ['overlay', 'br_netfilter'] as const
export const MODULES_FILE = '/etc/modules-load.d/k8s.conf'
export const MODULES_FILE_TEXT = `${KERNEL_MODULES.join('\n')}\n`

export const kernelModulesRecipe: Recipe = {
  name: 'kernel-modules',
  kind: 'prepare',
  steps(ctx) {
    if (!isKnownFamily(ctx.facts) || !runsKubernetes(ctx)) return []
    const checks = KERNEL_MODULES.flatMap((m) => [
      sh`if ! grep -qx ${m} ${MODULES_FILE} 2>/dev/null; then echo ${`${m} is not loaded at boot (${MODULES_FILE})`}; exit 1; fi`,
      // Loaded as a module (lsmod), or built into this kernel (modules.builtin).
      sh`if ! lsmod | grep -q ${`^${m} `} && ! grep -q ${`/${m}.ko`} "/lib/modules/$(uname -r)/modules.builtin" 2>/dev/null; then echo ${`${m} is not loaded`}; exit 1; fi`,
    ])
    return [
      {
        id: stepId(ctx, 'kernel-modules'),
        hostId: ctx.host.id,
        kind: 'prepare',
        title: `Load the kernel modules ${KERNEL_MODULES.join(' and ')}, now and at boot`,
        deps: [],
        actions: [
          run(sh`mkdir -p /etc/modules-load.d`),
          writeText(MODULES_FILE, MODULES_FILE_TEXT),
          // -a: every word is a module (without it the second word would be a module parameter).
          run(sh`modprobe -a ${[...KERNEL_MODULES]}`),
        ],
        check: check(joinLines([...checks, sh`echo ${`${KERNEL_MODULES.join(' and ')} are loaded, now and at boot`}`])),
      },
    ]
  },
}
