/**
 * Reset the leftovers of an old cluster (domain.md §5), only for a host whose probe found some
 * (facts.leftovers) and only with the user's consent (the step says to what; the planner includes it
 * only when given). What it does, in order:
 * - k3s's own uninstall scripts, when the k3s install script left them (they stop k3s, remove its
 *   data and units);
 * - `kubeadm reset -f` when kubeadm is installed (`-f`: without it kubeadm asks [y/N], and over a
 *   non-interactive SSH command it refuses); it removes the etcd member, the static pods, the
 *   kubelet's state and the certificates, but leaves what follows;
 * - the CNI configuration (`/etc/cni/net.d`: a different CNI later would conflict with it), and the
 *   directories an old cluster fills, removed whole, so the check can tell without reading them
 *   (/var/lib/kubelet and /var/lib/etcd are 0700: a Pi's user cannot look inside without sudo);
 * - the iptables rules Kubernetes and its CNIs made (chains and rules naming KUBE-, CNI-, cali-,
 *   FLANNEL), filtered out of iptables-save and restored: kubeadm's older advice to flush every
 *   table would also delete the owner's own firewall. kubernetes.io says leaving them "should not
 *   cause any issues"; they go because a new cluster's kube-proxy starts cleaner without them.
 * Not touched: a user's ~/.kube (it may hold other clusters' configs; the desktop holds Flotilla's).
 */
import { LEFTOVER_DIRS } from '../../identify/probe-script'
import { sh } from '../../ssh/shell-command'
import { stepId, type Recipe } from '../step'
import { check, isKnownFamily, joinLines, run } from './common'

/** The directories an old cluster fills: exactly those whose contents the probe reports as leftovers. */
export const RESET_DIRS = LEFTOVER_DIRS
/** What marks an iptables chain or rule as Kubernetes' or a CNI's. */
const K8S_RULES = 'KUBE-|CNI-|cali-|FLANNEL'

export const resetRecipe: Recipe = {
  name: 'reset',
  kind: 'reset',
  steps(ctx) {
    const { facts } = ctx
    if (!isKnownFamily(facts) || facts.leftovers.length === 0) return []
    return [
      {
        id: stepId(ctx, 'reset'),
        hostId: ctx.host.id,
        kind: 'reset',
        title: 'Reset the leftovers of an old cluster',
        deps: [],
        consent: `reset the leftovers of an old cluster on ${ctx.name}`,
        actions: [
          run(
            sh`for s in /usr/local/bin/k3s-uninstall.sh /usr/local/bin/k3s-agent-uninstall.sh; do if [ -x "$s" ]; then "$s" || exit 1; fi; done`,
          ),
          run(sh`if command -v kubeadm >/dev/null 2>&1; then kubeadm reset -f; fi`),
          run(sh`rm -rf ${[...RESET_DIRS]}`),
          run(
            sh`for t in iptables ip6tables; do if command -v "$t-save" >/dev/null 2>&1 && "$t-save" | grep -Eq ${K8S_RULES}; then "$t-save" | grep -Ev ${K8S_RULES} | "$t-restore" || exit 1; fi; done`,
          ),
        ],
        check: check(
          joinLines([
            sh`for d in ${[...RESET_DIRS]}; do if [ -e "$d" ]; then echo "$d is left from an old cluster"; exit 1; fi; done`,
            // Processes of an old cluster, as the probe names them (/proc/PID/comm). The iptables
            // rules are not checked: reading them needs root.
            sh`for p in /proc/[0-9]*; do read -r c 2>/dev/null < "$p/comm" || continue; case "$c" in kubelet|k3s*|etcd|kube-apiserver|kube-proxy) echo "$c of an old cluster is running"; exit 1 ;; esac; done`,
            sh`echo "no leftovers of an old cluster"`,
          ]),
        ),
      },
    ]
  },
}
