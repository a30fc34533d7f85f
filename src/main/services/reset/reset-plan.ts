/**
 * The reset plan of Flotilla's own cluster (issue 13 §3, `flotilla reset NAME [--host H]…`): Steps
 * the runner executes like an apply's, shown first. It decides the order and nothing else; the
 * per-host cleanup is the reset recipe's (recipes/reset.ts), the endpoint's configuration the
 * HAProxy generator's (recipes/haproxy-config.ts).
 *
 * Some hosts (the cluster stays), per host:
 *   1. `<h>/reset/node`: drain and delete its Node through the API, when the cluster answers (else
 *      the plan says so with a warning: a Node of a host that is gone stays NotReady until deleted);
 *   2. a control plane's HAProxy backend leaves first (`<lb>/reset/endpoint`, one step for all the
 *      control planes reset: the config re-rendered without them, `haproxy -c`, reload), so no
 *      client is sent to an API server about to lose its etcd;
 *   3. a control plane's etcd member is removed (`<h>/reset/etcd-member`, run on a control plane that
 *      stays) BEFORE the host is reset. Why not trust `kubeadm reset`'s own remove-etcd-member phase
 *      (kubeadm 1.32, cmd/kubeadm/app/cmd/phases/reset/removeetcdmember.go): it needs the cluster's
 *      kubeadm-config through the API (no config, no removal), finds etcd through the API server's
 *      pods, and when anything fails it only logs a warning ("please manually remove this etcd
 *      member using etcdctl") and exits 0. A member left behind counts against quorum forever: with
 *      3 members and one stale, the next failure stops the cluster. Flotilla removes it through a
 *      remaining member (etcd's v3 JSON gateway, the healthcheck client certificate), and the step's
 *      check proves it is gone; kubeadm's phase then finds nothing to remove;
 *      control planes go one at a time (one membership change at a time, as etcd advises);
 *   4. `<h>/reset`: `kubeadm reset -f` and what it leaves (recipes/reset.ts), its check the probe's
 *      view of leftovers;
 *   5. `<h>/reset/reboot`: only when CNI interfaces (and their routes) are left (seed 000).
 * The whole cluster (no --host): nothing to drain to and no etcd to keep, so no node or etcd steps;
 * workers first (in parallel), then the control planes one at a time, the first (kubeadm init's)
 * last, then HAProxy stopped on its host. The cluster's CAs stay in the vault unless asked.
 */
import type { ClusterSpecDocument, NodeRole } from '../../../shared/cluster-spec'
import type { Host, SpecProblem } from '../../../shared/types'
import { hostName, resolveHostRef } from '../clusters/host-ref'
import { nodeArgs } from '../apply/ops/nodes'
import { clusterView, specHash, type Plan, type PlanHost } from '../plan/planner'
import { check, joinLines, run, writeText } from '../plan/recipes/common'
import { BACKEND, HAPROXY_CONFIG, haproxyConfig, hostPort, STATS_TCP } from '../plan/recipes/haproxy-config'
import { RELOAD_PENDING, STAGED_CONFIG } from '../plan/recipes/haproxy'
import { hostResetActions, NO_CNI_LINKS_CHECK, NO_LEFTOVERS_CHECK, RESET_REBOOT_ACTIONS } from '../plan/recipes/reset'
import { sh, type ShellCommand } from '../ssh/shell-command'
import type { Step } from '../plan/step'

/** kubeadm's etcd client files on a control plane (the healthcheck client: read-only in spirit, allowed to manage members). */
export const ETCD_PKI = {
  ca: '/etc/kubernetes/pki/etcd/ca.crt',
  cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt',
  key: '/etc/kubernetes/pki/etcd/healthcheck-client.key',
} as const
export const ETCD_LOCAL = 'https://127.0.0.1:2379'
export const ETCD_PEER_PORT = 2380

/** A POST to etcd's v3 JSON gateway on this control plane (run as root: the key is root's). */
export function etcdPost(path: string, body: ShellCommand): ShellCommand {
  return sh`curl -sS --max-time 10 --cacert ${ETCD_PKI.ca} --cert ${ETCD_PKI.cert} --key ${ETCD_PKI.key} -X POST -d ${body} ${`${ETCD_LOCAL}${path}`}`
}

/** The peer URL a kubeadm control plane's etcd member advertises. */
export function peerUrl(address: string): string {
  return `https://${hostPort(address, ETCD_PEER_PORT)}`
}

/** What the reset plan is made from. */
export interface ResetPlanInput {
  spec: ClusterSpecDocument
  /** The inventory (hosts with their facts). */
  hosts: readonly Host[]
  /** Host ids to reset; empty: the whole cluster. */
  selected: readonly string[]
  /** Whether the cluster's API answered when the plan was made (drain and delete need it). */
  api: { answers: true } | { answers: false; reason: string }
  /** The whole cluster's CAs are to be deleted from the vault afterwards. */
  deletePki?: boolean
  kubernetes: { minor: string; patch?: string }
  now: Date
}

interface Member {
  host: Host
  name: string
  roles: (NodeRole | 'haproxy')[]
}

/** The cluster's hosts as the spec names them (HAProxy host first, then the nodes), with their roles. */
function clusterMembers(spec: ClusterSpecDocument, hosts: readonly Host[], problems: SpecProblem[]): Member[] {
  const members = new Map<string, Member>()
  const add = (ref: string, roles: (NodeRole | 'haproxy')[], path: string) => {
    const found = resolveHostRef(ref, hosts)
    if (found.length !== 1) {
      problems.push({
        code: 'host-unknown',
        severity: 'blocking',
        message: `The spec's host "${ref}" ${found.length === 0 ? 'names no host Flotilla knows' : 'names more than one host'}, so it cannot be reset.`,
        next: 'Fix the spec (flotilla clusters import) or the inventory (flotilla hosts list), then reset again.',
        path,
      })
      return
    }
    const host = found[0]!
    const known = members.get(host.id)
    if (known) known.roles.push(...roles.filter((r) => !known.roles.includes(r)))
    else members.set(host.id, { host, name: hostName(host), roles: [...roles] })
  }
  if (spec.spec.endpoint.haproxy) add(spec.spec.endpoint.haproxy.host, ['haproxy'], 'spec.endpoint.haproxy.host')
  spec.spec.nodes.forEach((n, i) => add(n.host, n.roles, `spec.nodes[${i}].host`))
  return [...members.values()]
}

const isControlPlane = (m: Member) => m.roles.includes('control-plane')
const isNode = (m: Member) => m.roles.some((r) => r !== 'haproxy')

/** The Node a host registered as: kubeadm's default node name is the lower-cased host name. */
function nodeName(m: Member): string {
  return (m.host.identification?.hostname ?? m.name).toLowerCase()
}

export function buildResetPlan(input: ResetPlanInput): Plan {
  const { spec } = input
  const problems: SpecProblem[] = []
  const members = clusterMembers(spec, input.hosts, problems)
  const whole = input.selected.length === 0
  const selected = new Set(whole ? members.map((m) => m.host.id) : input.selected)
  const cluster = clusterView(
    spec,
    members.map((m): PlanHost => ({ host: m.host, name: m.name, roles: m.roles, steps: [] })),
  )
  const endpoint = cluster.endpoint
  const lb = members.find((m) => m.roles.includes('haproxy'))
  const planes = members.filter(isControlPlane)
  const steps: Step[] = []
  const add = (step: Step) => steps.push(step)

  for (const id of selected) {
    const m = members.find((x) => x.host.id === id)
    if (!m) {
      const host = input.hosts.find((h) => h.id === id)
      problems.push({
        code: 'reset-host-not-in-cluster',
        severity: 'blocking',
        message: `${host ? hostName(host) : id} is not a host of ${spec.metadata.name}.`,
        next: `Name hosts of the cluster (see: flotilla clusters show ${spec.metadata.name}).`,
        hostId: id,
      })
    } else if (!m.host.identification) {
      problems.push({
        code: 'host-unidentified',
        severity: 'blocking',
        message: `${m.name} could not be probed, so its reset cannot be planned.`,
        next: `Check that ${m.name} is on and that you can log in (flotilla ssh check ${m.name}), then reset again.`,
        hostId: id,
        host: m.name,
      })
    }
  }

  const resetHost = (m: Member, deps: string[]): string => {
    const id = `${m.name}/reset`
    add({
      id,
      hostId: m.host.id,
      kind: 'reset',
      title:
        "kubeadm reset -f, then what it leaves: CNI config, iptables and IPVS rules, Kubernetes' directories, kubeconfigs of this cluster",
      deps,
      actions: hostResetActions({ endpoint }),
      check: NO_LEFTOVERS_CHECK,
      timeoutMs: 5 * 60_000,
    })
    const reboot = `${m.name}/reset/reboot`
    add({
      id: reboot,
      hostId: m.host.id,
      kind: 'reboot',
      title:
        "Reboot, only if the CNI's network interfaces and routes are left (the field guide's reboot after a reset)",
      deps: [id],
      actions: RESET_REBOOT_ACTIONS,
      check: NO_CNI_LINKS_CHECK,
    })
    return reboot
  }

  if (whole) {
    // Workers in parallel; control planes one at a time, kubeadm init's (the first) last, each after every worker.
    const workerEnds = members.filter((m) => isNode(m) && !isControlPlane(m)).map((m) => resetHost(m, []))
    let previous: string[] = workerEnds
    for (const m of [...planes.slice(1), ...planes.slice(0, 1)]) previous = [resetHost(m, previous)]
    if (lb && !isNode(lb)) {
      add({
        id: `${lb.name}/reset/endpoint`,
        hostId: lb.host.id,
        kind: 'haproxy',
        title: "Stop HAProxy, the cluster's endpoint, and keep it from starting at boot (its configuration stays)",
        deps: previous,
        actions: [run(sh`systemctl disable --now haproxy.service`)],
        check: check(
          joinLines([
            sh`if systemctl is-active -q haproxy.service; then echo "HAProxy is running"; exit 1; fi`,
            sh`if systemctl is-enabled -q haproxy.service 2>/dev/null; then echo "HAProxy starts at boot"; exit 1; fi`,
            sh`echo "HAProxy is stopped and does not start at boot"`,
          ]),
        ),
      })
    }
    if (input.deletePki) {
      problems.push({
        code: 'reset-delete-pki',
        severity: 'warning',
        message: `The certificate authorities of ${spec.metadata.name} will be deleted from the vault once every host is reset cleanly: kubeconfigs issued for it stop working for good.`,
        next: 'Back the vault up first (flotilla vault backup) if you may want them again.',
      })
    }
  } else {
    const chosen = members.filter((m) => selected.has(m.host.id))
    const leaving = chosen.filter(isControlPlane)
    const staying = planes.filter((p) => !selected.has(p.host.id))
    if (leaving.length > 0 && staying.length === 0) {
      problems.push({
        code: 'reset-no-control-plane-left',
        severity: 'blocking',
        message: `Resetting ${leaving.map((m) => m.name).join(', ')} leaves ${spec.metadata.name} without a control plane while other hosts still belong to it.`,
        next: `Reset the whole cluster instead: flotilla reset ${spec.metadata.name}`,
      })
    }
    if (lb && selected.has(lb.host.id)) {
      problems.push({
        code: 'reset-endpoint-host',
        severity: 'blocking',
        message: `${lb.name} is the cluster's endpoint (HAProxy): every node reaches the API through it.`,
        next: `Reset the whole cluster instead (flotilla reset ${spec.metadata.name}), or move the endpoint first.`,
        hostId: lb.host.id,
        host: lb.name,
      })
    }
    if (!input.api.answers) {
      problems.push({
        code: 'reset-cluster-unreachable',
        severity: 'warning',
        message: `The cluster's API does not answer (${input.api.reason}): the Nodes of ${chosen.map((m) => m.name).join(', ')} are not drained or deleted.`,
        next: 'Once the cluster answers again, delete them (kubectl delete node NAME), or reset again then.',
      })
    }
    const nodeStep = (m: Member, deps: string[]): string[] => {
      if (!input.api.answers || !isNode(m)) return deps
      const id = `${m.name}/reset/node`
      const args = nodeArgs({ name: nodeName(m), address: m.host.address })
      add({
        id,
        hostId: m.host.id,
        kind: 'reset',
        title: `Drain the Node ${nodeName(m)} and delete it from the cluster`,
        deps,
        actions: [
          {
            type: 'api',
            call: {
              op: 'drain-node',
              text: `drain the Node ${nodeName(m)} (cordon, evict its pods but DaemonSets' and static pods)`,
              args,
            },
          },
          { type: 'api', call: { op: 'delete-node', text: `delete the Node ${nodeName(m)}`, args } },
        ],
        check: { api: { op: 'delete-node', text: `the cluster has no Node ${nodeName(m)} (${m.host.address})`, args } },
      })
      return [id]
    }
    for (const m of chosen.filter((x) => !isControlPlane(x))) resetHost(m, nodeStep(m, []))

    if (leaving.length > 0 && !lb && spec.spec.endpoint.address) {
      problems.push({
        code: 'reset-external-load-balancer',
        severity: 'warning',
        message: `The endpoint ${spec.spec.endpoint.address} is a load balancer Flotilla does not manage: it still sends to ${leaving.map((m) => `${m.host.address}:6443`).join(', ')}.`,
        next: `Take ${leaving.map((m) => m.name).join(', ')} out of its backend (see flotilla plan ${spec.metadata.name} for the snippet without them).`,
      })
    }
    if (leaving.length > 0 && staying.length > 0) {
      let previous: string[] = []
      if (lb) previous = [endpointWithout(lb, leaving)]
      const source = staying[0]!
      for (const m of leaving) {
        const afterNode = nodeStep(m, previous)
        const etcd = `${m.name}/reset/etcd-member`
        add(etcdMemberStep(etcd, m, source, afterNode))
        previous = [resetHost(m, [etcd])]
      }
    }
  }

  /** The endpoint's configuration re-rendered without the leaving control planes, validated, reloaded. */
  function endpointWithout(lb: Member, leaving: readonly Member[]): string {
    const gone = new Set(leaving.map((m) => m.host.id))
    const full = haproxyConfig(spec.metadata.name, cluster)
    const config = haproxyConfig(spec.metadata.name, {
      ...cluster,
      hosts: cluster.hosts.filter((h) => !gone.has(h.hostId)),
    })
    // The removed servers' names as the full configuration calls them (the generator's naming).
    const addresses = new Set(leaving.map((m) => `${hostPort(m.host.address, 6443)}`))
    const removed = [...full.matchAll(/^ {4}server (\S+) (\S+) /gm)]
      .filter((x) => addresses.has(x[2]!))
      .map((x) => x[1]!)
    const id = `${lb.name}/reset/endpoint`
    const read = `exec 3<>/dev/tcp/${STATS_TCP.host}/${STATS_TCP.port} && printf 'show stat\\n' >&3 && cat <&3`
    add({
      id,
      hostId: lb.host.id,
      kind: 'haproxy',
      title: `Take ${leaving.map((m) => m.name).join(', ')} out of HAProxy's backend (the configuration re-rendered, checked with haproxy -c, reloaded)`,
      deps: [],
      actions: [
        writeText(STAGED_CONFIG, config),
        run(
          sh`if ! haproxy -c -f ${STAGED_CONFIG}; then echo ${`haproxy -c refused the generated configuration (${STAGED_CONFIG}); ${HAPROXY_CONFIG} is unchanged`} >&2; exit 1; fi; if cmp -s ${STAGED_CONFIG} ${HAPROXY_CONFIG}; then rm -f ${STAGED_CONFIG}; else touch ${RELOAD_PENDING} && mv -f ${STAGED_CONFIG} ${HAPROXY_CONFIG}; fi`,
        ),
        run(sh`if [ -e ${RELOAD_PENDING} ]; then systemctl reload haproxy.service && rm -f ${RELOAD_PENDING}; fi`),
      ],
      check: check(
        joinLines([
          sh`if [ "$(cat ${HAPROXY_CONFIG} 2>/dev/null)" != ${config.trimEnd()} ]; then echo ${`${HAPROXY_CONFIG} still sends to ${removed.join(', ')}`}; exit 1; fi`,
          sh`if [ -e ${RELOAD_PENDING} ]; then echo "the new configuration is in place but HAProxy has not reloaded it yet"; exit 1; fi`,
          sh`echo ${`HAProxy's configuration has no backend server for ${removed.join(', ')}`}`,
        ]),
      ),
      // The running HAProxy, not only its file: its stats no longer list the removed servers.
      verify: {
        command: joinLines([
          sh`stat=$(bash -c ${read}) || { echo ${`HAProxy's stats socket (${STATS_TCP.host}:${STATS_TCP.port}) does not answer`}; exit 1; }`,
          sh`for server in ${removed}; do if printf '%s\\n' "$stat" | grep -q "^${BACKEND},$server,"; then echo "HAProxy still lists $server"; exit 1; fi; done`,
          sh`echo ${`HAProxy no longer lists ${removed.join(', ')}`}`,
        ]),
        sudo: true,
      },
    })
    return id
  }

  const stepHosts = new Set(steps.map((s) => s.hostId))
  const hosts: PlanHost[] = members
    .filter((m) => stepHosts.has(m.host.id))
    .map((m) => ({
      host: m.host,
      name: m.name,
      roles: [...m.roles],
      steps: steps.filter((s) => s.hostId === m.host.id).map((s) => s.id),
    }))
  return {
    cluster: spec.metadata.name,
    spec,
    specHash: specHash(spec),
    createdAt: input.now.toISOString(),
    kubernetes: input.kubernetes,
    problems,
    blocked: problems.some((p) => p.severity === 'blocking'),
    hosts,
    steps,
  }
}

/**
 * The etcd member of a leaving control plane, removed through a control plane that stays (`source`):
 * its ID found by peer URL in the member list, then `member/remove`, retried while etcd says the
 * cluster is not ready for it (a member counts as started only after a few seconds connected).
 */
function etcdMemberStep(id: string, m: Member, source: Member, deps: string[]): Step {
  const url = peerUrl(m.host.address)
  const quoted = `"${url}"`
  const list = etcdPost('/v3/cluster/member/list', sh`{}`)
  return {
    id,
    hostId: source.host.id,
    kind: 'reset',
    title: `Remove ${m.name}'s etcd member (${url}) through ${source.name}'s etcd, before ${m.name} is reset`,
    deps,
    actions: [
      run(
        joinLines([
          sh`list=$(${list}) || exit 1`,
          // The gateway's JSON is one line; one member object per line after splitting at "{".
          sh`member=$(printf '%s' "$list" | tr '{' '\\n' | grep -F ${quoted} | grep -o '"ID":"*[0-9]*' | head -n 1 | tr -dc 0-9)`,
          sh`if [ -z "$member" ]; then echo ${`${url} is not an etcd member`}; exit 0; fi`,
          sh`body=$(printf '{"ID":"%s"}' "$member")`,
          sh`n=0; until out=$(${etcdPost('/v3/cluster/member/remove', sh`"$body"`)}) && ! printf '%s' "$out" | grep -q '"error"'; do n=$((n + 1)); if [ "$n" -ge 15 ]; then echo "etcd did not remove member $member: $out" >&2; exit 1; fi; sleep 2; done`,
          sh`echo ${`removed the etcd member of ${url}`}" (ID $member)"`,
        ]),
      ),
    ],
    check: {
      command: joinLines([
        sh`list=$(${list}) || { echo ${`etcd on ${source.name} does not answer`}; exit 2; }`,
        sh`case "$list" in *'"members"'*) ;; *) echo "etcd answered without a member list: $list"; exit 2 ;; esac`,
        sh`if printf '%s' "$list" | grep -qF ${quoted}; then echo ${`${url} (${m.name}) is still an etcd member`}; exit 1; fi`,
        sh`echo ${`${url} (${m.name}) is not an etcd member`}`,
      ]),
      sudo: true,
    },
  }
}
