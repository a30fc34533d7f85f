/**
 * The kernel settings Kubernetes networking needs, applied now and at every boot (domain.md §6):
 * IPv4 forwarding (the one current container-runtimes.md still requires) and bridged traffic
 * through ip(6)tables (needed by flannel and the bridge CNI; openSUSE's kubeadm package ships the
 * same three in 90-kubeadm.conf). `sysctl -p` of this one file applies exactly what it says and
 * touches nothing else; at boot systemd-sysctl reads it after systemd-modules-load has loaded
 * br_netfilter (without which the net.bridge keys do not exist), hence the dependency.
 */
import { sh } from '../../ssh/shell-command'
import { stepId, type Recipe } from '../step'
import { check, isKnownFamily, joinLines, run, writeText, runsKubernetes } from './common'

export const SYSCTLS: readonly [key: string, value: string][] = [
  ['net.bridge.bridge-nf-call-iptables', '1'],
  ['net.bridge.bridge-nf-call-ip6tables', '1'],
  ['net.ipv4.ip_forward', '1'],
]
export const SYSCTL_FILE = '/etc/sysctl.d/k8s.conf'
export const SYSCTL_FILE_TEXT = SYSCTLS.map(([key, value]) => `${key} = ${value}\n`).join('')

export const sysctlRecipe: Recipe = {
  name: 'sysctl',
  kind: 'prepare',
  steps(ctx) {
    if (!isKnownFamily(ctx.facts) || !runsKubernetes(ctx)) return []
    const checks = SYSCTLS.flatMap(([key, value]) => {
      const proc = `/proc/sys/${key.replaceAll('.', '/')}`
      return [
        sh`if ! grep -Eqx ${`${key.replaceAll('.', '\\.')}[[:space:]]*=[[:space:]]*${value}`} ${SYSCTL_FILE} 2>/dev/null; then echo ${`${key} = ${value} is not set at boot (${SYSCTL_FILE})`}; exit 1; fi`,
        sh`now=$(cat ${proc} 2>/dev/null)`,
        sh`if [ "$now" != ${value} ]; then echo ${`${key} is`} "$now, not" ${value}; exit 1; fi`,
      ]
    })
    return [
      {
        id: stepId(ctx, 'sysctl'),
        hostId: ctx.host.id,
        kind: 'prepare',
        title: 'Set the kernel network settings Kubernetes needs, now and at boot',
        deps: [stepId(ctx, 'kernel-modules')],
        actions: [
          run(sh`mkdir -p /etc/sysctl.d`),
          writeText(SYSCTL_FILE, SYSCTL_FILE_TEXT),
          run(sh`sysctl -p ${SYSCTL_FILE}`),
        ],
        check: check(joinLines([...checks, sh`echo "forwarding and bridge netfilter are on, now and at boot"`])),
      },
    ]
  },
}
