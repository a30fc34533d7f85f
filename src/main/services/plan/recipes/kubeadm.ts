/**
 * The kubeadm build (issue 13 §1): kubeadm init on the first control plane, the other control
 * planes joined ONE AT A TIME (each proven before the next: its etcd member healthy and the member
 * list of the expected size, its API server ready, HAProxy's backend UP), workers joined in parallel.
 *
 * The cluster's CA is Flotilla's: each control plane gets exactly the shared CA files kubeadm needs
 * (domain-engine.md §6: ca, sa, front-proxy-ca, etcd/ca — not etcd's with external etcd) from the
 * vault before its init or join, keys root-only 0600, through the upload path (never a command
 * line). kubeadm init then signs its leaves with that CA, and control planes join without
 * `--upload-certs` and its 2-hour certificate key.
 *
 * Resumable: a marker file written right after kubeadm succeeded says the step is done (kubeadm's
 * own files appear long before it has finished). A run interrupted mid-kubeadm leaves files and no
 * marker: the next run does `kubeadm reset -f` first (which also removes a half-added etcd member
 * through the others), writes the CA files again and repeats the init or join — kubeadm cannot
 * continue an interrupted init itself (its preflight refuses the files it left).
 *
 * kubeadm's output is kept on the node in /var/log/flotilla/ (root-only: a join's output names its
 * token) and in Flotilla's per-host, per-step log; `--skip-token-print` keeps init's token out.
 */
import { sh, type ShellCommand } from '../../ssh/shell-command'
import { placeholder, stepId, type RecipeContext, type Step, type StepAction } from '../step'
import { check, joinLines, run } from './common'
import { API_SERVER_PORT, backendServerName, BACKEND, controlPlanes, hostPort, STATS_TCP } from './haproxy-config'
import {
  INIT_CONFIG,
  initConfiguration,
  JOIN_CONFIG,
  joinConfiguration,
  kubernetesVersion,
  nodeName,
} from './kubeadm-config'

export const INIT_DONE = '/etc/flotilla/kubeadm-init.done'
export const JOIN_DONE = '/etc/flotilla/kubeadm-join.done'
export const KUBEADM_LOG_DIR = '/var/log/flotilla'
const PKI = '/etc/kubernetes/pki'
/** kubeadm init or join: pulling images and starting etcd on a Pi takes minutes. */
export const KUBEADM_TIMEOUT_MS = 15 * 60_000

/** The shared CA files every control plane needs (the `pki/<file>` names of engine-env.ts). */
export function sharedCaFiles(external: boolean): { file: string; key: boolean }[] {
  return [
    { file: 'ca.crt', key: false },
    { file: 'ca.key', key: true },
    { file: 'sa.key', key: true },
    { file: 'sa.pub', key: false },
    { file: 'front-proxy-ca.crt', key: false },
    { file: 'front-proxy-ca.key', key: true },
    ...(external
      ? []
      : [
          { file: 'etcd/ca.crt', key: false },
          { file: 'etcd/ca.key', key: true },
        ]),
  ]
}

/** The CA files as write actions: certificates 0644, keys 0600, all root's. */
function caFileWrites(ctx: RecipeContext): StepAction[] {
  return [
    run(sh`install -d -m 0755 ${PKI} ${`${PKI}/etcd`} /etc/flotilla`),
    ...sharedCaFiles(ctx.spec.etcd === 'external').map(({ file, key }): StepAction => ({
      type: 'write',
      path: `${PKI}/${file}`,
      mode: key ? 0o600 : 0o644,
      owner: 'root:root',
      content: key ? { secret: `pki/${file}` } : { template: placeholder(`pki/${file}`) },
    })),
  ]
}

/**
 * The control plane's ports in /proc/net/tcp's hex (6443, 2379, 2380, 10250, 10257, 10259): after
 * a reset their listeners (static pods the kubelet started at boot) take a moment to go, and
 * kubeadm's preflight refuses a port still in use.
 */
const KUBE_PORTS_HEX = ['192B', '094B', '094C', '280A', '2811', '2813']

/**
 * Before a repeated init or join: what an interrupted one left is wiped by kubeadm itself, then
 * the step waits (up to 60 s) until nothing listens on the control plane's ports any more.
 */
function resetIfInterrupted(marker: string): StepAction {
  const listening = `:(${KUBE_PORTS_HEX.join('|')}) [0-9A-F:]+ 0A `
  return run(
    joinLines([
      sh`if [ ! -e ${marker} ] && { [ -e /etc/kubernetes/kubelet.conf ] || [ -e /etc/kubernetes/manifests/kube-apiserver.yaml ] || [ -d /var/lib/etcd/member ]; }; then`,
      sh`  echo "an interrupted kubeadm run left its files: kubeadm reset -f first"; kubeadm reset -f || exit 1`,
      sh`  i=0; while cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -Eq ${listening}; do i=$((i + 1)); if [ "$i" -gt 60 ]; then echo "the control plane's ports are still in use 60 s after kubeadm reset"; exit 1; fi; sleep 1; done`,
      sh`fi`,
    ]),
  )
}

/** Runs kubeadm with its output kept on the node (root-only) and echoed into Flotilla's log. */
function kubeadm(args: ShellCommand, log: string, marker: string): StepAction {
  const file = `${KUBEADM_LOG_DIR}/${log}`
  return run(
    joinLines([
      // One line, kubeadm's: it is what a failure names ("kubeadm join … failed (exit 1): …").
      sh`umask 077; mkdir -p ${KUBEADM_LOG_DIR}; ${args} >${file} 2>&1; rc=$?`,
      sh`cat ${file}`,
      sh`if [ "$rc" = 0 ]; then date -u +%FT%TZ >${marker}; fi`,
      sh`exit "$rc"`,
    ]),
  )
}

/** A kubeadm configuration file: root-only, it holds a bootstrap token once written. */
function configFile(path: string, template: string): StepAction {
  return { type: 'write', path, mode: 0o600, owner: 'root:root', content: { template } }
}

/** `kubeadm join` with the written configuration, for a control plane and a worker alike. */
const kubeadmJoin = () => kubeadm(sh`kubeadm join --config ${JOIN_CONFIG}`, 'kubeadm-join.log', JOIN_DONE)

const markerCheck = (marker: string, what: string) =>
  check(
    sh`if [ -e ${marker} ]; then echo ${`${what} finished`}; else echo ${`${what} has not run to its end here`}; exit 1; fi`,
  )

/** The local API server answers /readyz (kubectl with the node's admin.conf, pointed at itself). */
function apiReady(ctx: RecipeContext): ShellCommand {
  const server = `https://${ctx.host.address.includes(':') ? `[${ctx.host.address}]` : ctx.host.address}:${API_SERVER_PORT}`
  return sh`if ! out=$(kubectl --kubeconfig /etc/kubernetes/admin.conf --server ${server} get --raw /readyz 2>&1); then echo "the API server here is not ready: $(printf '%s' "$out" | head -n1)"; exit 1; fi`
}

/**
 * The stacked etcd member here is healthy and the cluster has `expected` members (etcd's v3 JSON
 * gateway, with kubeadm's healthcheck client certificate).
 */
function etcdMembers(expected: number): ShellCommand {
  const curl = sh`curl -sS --max-time 5 --cacert ${`${PKI}/etcd/ca.crt`} --cert ${`${PKI}/etcd/healthcheck-client.crt`} --key ${`${PKI}/etcd/healthcheck-client.key`}`
  return joinLines([
    sh`health=$(${curl} https://127.0.0.1:2379/health 2>&1) || { echo "etcd here does not answer: $health"; exit 1; }`,
    sh`case "$health" in *'"health":"true"'*) ;; *) echo "etcd here is not healthy: $health"; exit 1;; esac`,
    sh`members=$(${curl} -X POST -d '{}' https://127.0.0.1:2379/v3/cluster/member/list 2>&1) || { echo "etcd's member list did not answer: $members"; exit 1; }`,
    sh`n=$(printf '%s' "$members" | grep -o '"peerURLs"' | wc -l)`,
    sh`if [ "$n" != ${String(expected)} ]; then echo "etcd has $n members, ${`${expected}`} expected"; exit 1; fi`,
  ])
}

function buildsKubeadm(ctx: RecipeContext): boolean {
  return ctx.spec.flavour === 'kubeadm' && kubernetesVersion(ctx) !== undefined
}

/** The host's place in the build: first control plane, a later one (with its index), or a worker. */
function placeOf(
  ctx: RecipeContext,
): { kind: 'init' } | { kind: 'join-cp'; index: number } | { kind: 'worker' } | undefined {
  const planes = controlPlanes(ctx.cluster)
  const index = planes.findIndex((h) => h.hostId === ctx.host.id)
  if (index === 0) return { kind: 'init' }
  if (index > 0) return { kind: 'join-cp', index }
  if (ctx.roles.includes('worker')) return { kind: 'worker' }
  return undefined
}

/** Step ids other hosts' steps wait for. */
export const initStepId = (ctx: RecipeContext) => {
  const first = controlPlanes(ctx.cluster)[0]
  return first ? stepId({ name: first.name }, 'kubeadm-init') : undefined
}
const haproxyHost = (ctx: RecipeContext) => ctx.cluster.hosts.find((h) => h.roles.includes('haproxy'))
/** The step after which control plane `index` (0 = the first) counts as up: its backend UP, else its join. */
function controlPlaneUpId(ctx: RecipeContext, index: number): string {
  const plane = controlPlanes(ctx.cluster)[index]!
  const lb = haproxyHost(ctx)
  if (lb) return stepId({ name: lb.name }, 'haproxy-backend-up', plane.name)
  return stepId({ name: plane.name }, index === 0 ? 'kubeadm-init' : 'kubeadm-join')
}
/**
 * What init waits for: the HAProxy host's configuration step, or for an `address` endpoint (the
 * user's load balancer) the first control plane's check that it accepts connections.
 */
function endpointStepId(ctx: RecipeContext): string | undefined {
  const lb = haproxyHost(ctx)
  if (lb) return stepId({ name: lb.name }, 'haproxy')
  return ctx.spec.endpoint.address ? stepId(ctx, 'endpoint-reachable') : undefined
}

/**
 * For an `address` endpoint, on the first control plane before kubeadm init: the user's load
 * balancer accepts TCP connections on the endpoint (before init it has no live backend, so a TCP
 * connect is all it can prove). Check-only: the apply waits, polling, until the user has set it up
 * as the plan shows (PlanView.loadBalancer), and fails with that sentence when the time is up.
 */
export const endpointReachableRecipe = {
  name: 'endpoint-reachable',
  kind: 'wait' as const,
  steps(ctx: RecipeContext): Step[] {
    if (!buildsKubeadm(ctx) || !ctx.spec.endpoint.address || placeOf(ctx)?.kind !== 'init') return []
    const { host, port } = ctx.cluster.endpoint
    const where = hostPort(host, port)
    const connect = `exec 3<>/dev/tcp/${host}/${port}`
    return [
      {
        id: stepId(ctx, 'endpoint-reachable'),
        hostId: ctx.host.id,
        kind: 'wait',
        title: `Wait until the load balancer at ${where} accepts connections (set it up as the plan shows)`,
        deps: [],
        actions: [],
        check: check(
          sh`if timeout 5 bash -c ${connect} 2>/dev/null; then echo ${`${where} accepts connections`}; else echo ${`${where} does not accept connections: set up your load balancer as the plan shows`}; exit 1; fi`,
        ),
        timeoutMs: 15 * 60_000,
      },
    ]
  },
}

export const kubeadmRecipe = {
  name: 'kubeadm',
  kind: 'init' as const,
  steps(ctx: RecipeContext): Step[] {
    if (!buildsKubeadm(ctx)) return []
    const place = placeOf(ctx)
    if (!place) return []
    const name = nodeName(ctx)
    if (place.kind === 'init') {
      const endpoint = endpointStepId(ctx)
      return [
        {
          id: stepId(ctx, 'kubeadm-init'),
          hostId: ctx.host.id,
          kind: 'init',
          title: `Copy the cluster CA files from Flotilla's vault and run kubeadm init (${name}, the first control plane)`,
          deps: endpoint ? [endpoint] : [],
          actions: [
            resetIfInterrupted(INIT_DONE),
            ...caFileWrites(ctx),
            configFile(INIT_CONFIG, initConfiguration(ctx)),
            kubeadm(sh`kubeadm init --config ${INIT_CONFIG} --skip-token-print`, 'kubeadm-init.log', INIT_DONE),
          ],
          check: markerCheck(INIT_DONE, 'kubeadm init'),
          verify: {
            command: joinLines([
              markerCheck(INIT_DONE, 'kubeadm init').command!,
              apiReady(ctx),
              sh`echo "kubeadm init finished and the API server is ready"`,
            ]),
            sudo: true,
          },
          timeoutMs: KUBEADM_TIMEOUT_MS,
        },
      ]
    }
    const cni = cniStepIdOf(ctx)
    if (place.kind === 'join-cp') {
      return [
        {
          id: stepId(ctx, 'kubeadm-join'),
          hostId: ctx.host.id,
          kind: 'join-control-plane',
          title: `Copy the cluster CA files from Flotilla's vault and join ${name} as control plane ${place.index + 1}`,
          // One at a time: the previous control plane must be proven up (HAProxy's backend UP).
          deps: [controlPlaneUpId(ctx, place.index - 1), ...(cni ? [cni] : [])],
          actions: [
            resetIfInterrupted(JOIN_DONE),
            ...caFileWrites(ctx),
            configFile(JOIN_CONFIG, joinConfiguration(ctx)),
            kubeadmJoin(),
          ],
          check: markerCheck(JOIN_DONE, 'kubeadm join'),
          verify: {
            command: joinLines([
              markerCheck(JOIN_DONE, 'kubeadm join').command!,
              ...(ctx.spec.etcd === 'external' ? [] : [etcdMembers(place.index + 1)]),
              apiReady(ctx),
              sh`echo ${`joined: ${ctx.spec.etcd === 'external' ? '' : `etcd has ${place.index + 1} healthy members, `}the API server here is ready`}`,
            ]),
            sudo: true,
          },
          timeoutMs: KUBEADM_TIMEOUT_MS,
        },
      ]
    }
    return [
      {
        id: stepId(ctx, 'kubeadm-join'),
        hostId: ctx.host.id,
        kind: 'join-worker',
        title: `Join ${name} as a worker`,
        deps: cni ? [cni] : [],
        actions: [
          resetIfInterrupted(JOIN_DONE),
          run(sh`install -d -m 0755 /etc/flotilla`),
          configFile(JOIN_CONFIG, joinConfiguration(ctx)),
          kubeadmJoin(),
        ],
        check: markerCheck(JOIN_DONE, 'kubeadm join'),
        verify: {
          command: joinLines([
            markerCheck(JOIN_DONE, 'kubeadm join').command!,
            sh`if [ ! -s /etc/kubernetes/kubelet.conf ]; then echo "the kubelet has no credential yet"; exit 1; fi`,
            sh`echo "joined; the kubelet has its credential"`,
          ]),
          sudo: true,
        },
        timeoutMs: KUBEADM_TIMEOUT_MS,
      },
    ]
  },
}

/** The CNI step every join waits for (cni.ts), on the first control plane. */
export function cniStepIdOf(ctx: RecipeContext): string | undefined {
  const first = controlPlanes(ctx.cluster)[0]
  return first ? stepId({ name: first.name }, 'cni') : undefined
}

/**
 * On the HAProxy host, per control plane: wait until HAProxy's health check marks its backend
 * server UP (its API server answers /readyz through the balancer's own check). Check-only.
 */
export const haproxyBackendUpRecipe = {
  name: 'haproxy-backend-up',
  kind: 'wait' as const,
  steps(ctx: RecipeContext): Step[] {
    if (!ctx.roles.includes('haproxy') || ctx.spec.flavour !== 'kubeadm' || !kubernetesVersion(ctx)) return []
    const planes = controlPlanes(ctx.cluster)
    return planes.map((plane, index): Step => {
      const server = backendServerName(ctx.cluster, plane.hostId)!
      const read = `exec 3<>/dev/tcp/${STATS_TCP.host}/${STATS_TCP.port} && printf 'show stat\\n' >&3 && cat <&3`
      const up = check(
        joinLines([
          sh`stat=$(bash -c ${read} 2>&1) || { echo ${`HAProxy's stats do not answer`}; exit 1; }`,
          sh`srv=${server}; line=$(printf '%s\n' "$stat" | grep "^${BACKEND},$srv,")`,
          sh`status=$(printf '%s' "$line" | cut -d, -f18)`,
          sh`if [ "$status" != UP ]; then echo "HAProxy has $srv \${status:-not listed}"; exit 1; fi`,
          sh`echo "HAProxy has ${server} UP"`,
        ]),
      )
      return {
        id: stepId(ctx, 'haproxy-backend-up', plane.name),
        hostId: ctx.host.id,
        kind: 'wait',
        title: `Wait until HAProxy marks ${plane.name}'s API server UP`,
        deps: [stepId({ name: plane.name }, index === 0 ? 'kubeadm-init' : 'kubeadm-join')],
        actions: [],
        check: up,
        timeoutMs: 5 * 60_000,
      }
    })
  },
}
