/**
 * Resetting a host (domain.md §5, issue 13 §3): what `kubeadm reset -f` does and what it leaves
 * behind, used in two places:
 * - the `reset` recipe: the leftovers of an OLD cluster, only for a host whose probe found some
 *   (facts.leftovers) and only with the user's consent (the planner includes it only when given);
 * - `flotilla reset` of Flotilla's own cluster (services/reset/reset-plan.ts), whose per-host step
 *   is the same cleanup, plus the kubeconfigs that name the cluster's endpoint.
 * What the cleanup does, in order:
 * - k3s's own uninstall scripts, when the k3s install script left them (they stop k3s, remove its
 *   data and units);
 * - `kubeadm reset -f` when kubeadm is installed (`-f`: without it kubeadm asks [y/N], and over a
 *   non-interactive SSH command it refuses); it removes the static pods, the kubelet's state and the
 *   certificates (and tries to remove the etcd member: see reset-plan.ts for why Flotilla does that
 *   itself first), but leaves what follows;
 * - the CNI configuration (`/etc/cni/net.d`: a different CNI later would conflict with it), and the
 *   directories an old cluster fills, removed whole, so the check can tell without reading them
 *   (/var/lib/kubelet and /var/lib/etcd are 0700: a Pi's user cannot look inside without sudo);
 * - the iptables rules Kubernetes and its CNIs made (chains and rules naming KUBE-, CNI-, cali-,
 *   FLANNEL), filtered out of iptables-save and restored: kubeadm's older advice to flush every
 *   table would also delete the owner's own firewall. kubernetes.io says leaving them "should not
 *   cause any issues"; they go because a new cluster's kube-proxy starts cleaner without them;
 * - kube-proxy's IPVS tables (`ipvsadm --clear`, what kubeadm's reset message advises), when
 *   ipvsadm is installed (without it nobody made IPVS rules by hand, and kube-proxy's own go with
 *   the reboot below, when one is needed).
 * The leftovers recipe does not touch a user's ~/.kube (it may hold other clusters' configs; the
 * desktop holds Flotilla's). A reset of Flotilla's cluster removes the kubeconfigs (root's and each
 * user's `~/.kube/config`) whose server IS this cluster's endpoint, and nothing else.
 *
 * A reboot, where the field guide (seed 000) says it is needed: "Der Reboot ist notwendig, damit
 * ggf. noch alte iptables oder Routing Einträge verschwinden". The rules go above; the routes come
 * with the CNI's network interfaces (cni0, flannel.1, cali*, vxlan.calico, weave, kube-ipvs0), which
 * only the CNI or a reboot removes. So the reboot step's check is "no such interface is left": a
 * host whose CNI never ran (or a lab node) is not rebooted.
 */
import { LEFTOVER_DIRS } from '../../identify/probe-script'
import { sh } from '../../ssh/shell-command'
import { stepId, type Recipe, type StepAction, type StepCheck } from '../step'
import { check, isKnownFamily, joinLines, run } from './common'
import { hostPort } from './haproxy-config'
import { REBOOT_COMMAND } from './pi-cmdline'

/** The directories an old cluster fills: exactly those whose contents the probe reports as leftovers. */
export const RESET_DIRS = LEFTOVER_DIRS
/** What marks an iptables chain or rule as Kubernetes' or a CNI's. */
const K8S_RULES = 'KUBE-|CNI-|cali-|FLANNEL'
/**
 * Network interfaces a CNI or kube-proxy made (`ip -o link` names, `@peer` suffix included).
 * Not tunl0: the kernel makes it in every network namespace once the ipip module is loaded.
 */
const CNI_LINKS = '^(cni0|flannel[.]|cali|vxlan[.]calico|weave|vethwe|kube-ipvs0|kube-bridge)'

/** `kubeadm reset -f` and the cleanup of what it leaves; `endpoint`: also the kubeconfigs naming it. */
export function hostResetActions(options: { endpoint?: { host: string; port: number } } = {}): StepAction[] {
  const actions = [
    run(
      sh`for s in /usr/local/bin/k3s-uninstall.sh /usr/local/bin/k3s-agent-uninstall.sh; do if [ -x "$s" ]; then "$s" || exit 1; fi; done`,
    ),
    run(sh`if command -v kubeadm >/dev/null 2>&1; then kubeadm reset -f; fi`),
    run(sh`rm -rf ${[...RESET_DIRS]}`),
    run(
      sh`for t in iptables ip6tables; do if command -v "$t-save" >/dev/null 2>&1 && "$t-save" | grep -Eq ${K8S_RULES}; then "$t-save" | grep -Ev ${K8S_RULES} | "$t-restore" || exit 1; fi; done`,
    ),
    run(sh`if command -v ipvsadm >/dev/null 2>&1; then ipvsadm --clear; fi`),
  ]
  if (options.endpoint) {
    const server = `https://${hostPort(options.endpoint.host, options.endpoint.port)}`
    actions.push(
      // Only a kubeconfig whose server is this cluster's endpoint (kubeadm's advice copies
      // admin.conf there); one naming any other server is someone else's and stays.
      run(
        sh`for f in /root/.kube/config /home/*/.kube/config; do if [ -f "$f" ] && awk -v u=${server} '$1 == "server:" && ($2 == u || $2 == u "/") { found = 1 } END { exit !found }' "$f"; then rm -f "$f" && echo "removed $f (it named this cluster's endpoint)"; fi; done`,
      ),
    )
  }
  return actions
}

/** Done when no directory of an old cluster is left and none of its processes runs (as the probe sees them). */
export const NO_LEFTOVERS_CHECK: StepCheck = check(
  joinLines([
    sh`for d in ${[...RESET_DIRS]}; do if [ -e "$d" ]; then echo "$d is left from an old cluster"; exit 1; fi; done`,
    // Processes of an old cluster, as the probe names them (/proc/PID/comm). The iptables
    // rules are not checked: reading them needs root.
    sh`for p in /proc/[0-9]*; do read -r c 2>/dev/null < "$p/comm" || continue; case "$c" in kubelet|k3s*|etcd|kube-apiserver|kube-proxy) echo "$c of an old cluster is running"; exit 1 ;; esac; done`,
    sh`echo "no leftovers of an old cluster"`,
  ]),
)

/** The reboot's check: done when no CNI network interface (and so none of its routes) is left. */
export const NO_CNI_LINKS_CHECK: StepCheck = check(
  joinLines([
    sh`links=$(ip -o link show 2>/dev/null | awk -F': ' '{ print $2 }' | grep -E ${CNI_LINKS} | tr '\\n' ' ')`,
    sh`if [ -n "$links" ]; then echo "network interfaces of the old cluster's CNI are left ($links): a reboot removes them and their routes"; exit 1; fi`,
    sh`echo "no network interface of a CNI is left: no reboot needed"`,
  ]),
)

/** The reboot step's actions (the engine performs REBOOT_COMMAND as an orchestrated reboot). */
export const RESET_REBOOT_ACTIONS: StepAction[] = [run(REBOOT_COMMAND)]

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
        actions: hostResetActions(),
        check: NO_LEFTOVERS_CHECK,
      },
    ]
  },
}
