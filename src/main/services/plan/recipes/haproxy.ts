/**
 * The API endpoint on Flotilla's HAProxy host (issue 13 §1, domain.md §8): HAProxy installed the
 * way the OS does it, its configuration generated from the planned cluster (haproxy-config.ts),
 * validated with `haproxy -c` BEFORE it replaces the live file, and put into effect with
 * `systemctl reload` (the packaged unit runs HAProxy in master-worker mode, `-Ws`: a reload starts
 * new workers and lets the old ones finish their connections, so kubectl watches survive it).
 *
 * Only the host whose roles include `haproxy` gets steps. An `address` endpoint has no host here:
 * the plan prints externalLoadBalancerSnippet() for the user's own load balancer instead.
 *
 * MicroOS: the package goes into a new snapshot (`transactional-update pkg install`) and a reboot
 * boots it, in a step of its own before the configuration. NOT exercised in the lab (the
 * simulator's zypper has no haproxy package); the Debian path is.
 */
import { sh } from '../../ssh/shell-command'
import { stepId, type Recipe, type Step, type StepAction } from '../step'
import { check, isDebianLike, isMicroOs, joinLines, run, writeText } from './common'
import { BACKEND, controlPlanes, HAPROXY_CONFIG, haproxyConfig, STATS_TCP } from './haproxy-config'
import { REBOOT_COMMAND } from './pi-cmdline'

/** Where the new configuration is written and validated before it replaces the live one. */
export const STAGED_CONFIG = `${HAPROXY_CONFIG}.flotilla-new`
/**
 * Set while a replaced configuration has not been reloaded yet: a step interrupted between the
 * `mv` and the reload reloads on its next run (the files alone would look done). In /run: a boot
 * starts HAProxy with the live file anyway.
 */
export const RELOAD_PENDING = '/run/haproxy/flotilla-reload-pending'
const UNIT = 'haproxy.service'

const IS_ACTIVE = sh`systemctl is-active -q ${UNIT}`

/** The step's check: the live file is the generated one, HAProxy runs it, and starts at boot. */
function configCheck(config: string) {
  return check(
    joinLines([
      sh`if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then echo "HAProxy is not installed"; exit 1; fi`,
      sh`if [ "$(cat ${HAPROXY_CONFIG} 2>/dev/null)" != ${config.trimEnd()} ]; then echo ${`${HAPROXY_CONFIG} is not the configuration Flotilla generated for this cluster`}; exit 1; fi`,
      sh`if [ -e ${RELOAD_PENDING} ]; then echo "the new configuration is in place but HAProxy has not reloaded it yet"; exit 1; fi`,
      sh`if ! ${IS_ACTIVE}; then echo "HAProxy is not running"; exit 1; fi`,
      sh`if ! systemctl is-enabled -q ${UNIT}; then echo "HAProxy does not start at boot"; exit 1; fi`,
      sh`echo "HAProxy runs the generated configuration"`,
    ]),
  )
}

/**
 * The verify (as root, once the actions ran): HAProxy active, and its stats socket lists the
 * backend with every control plane. `show stat` over the loopback stats socket with bash's /dev/tcp.
 */
export function statsVerify(servers: readonly string[]) {
  const read = `exec 3<>/dev/tcp/${STATS_TCP.host}/${STATS_TCP.port} && printf 'show stat\\n' >&3 && cat <&3`
  return {
    command: joinLines([
      sh`if ! ${IS_ACTIVE}; then echo "HAProxy is not running"; exit 1; fi`,
      sh`stat=$(bash -c ${read}) || { echo ${`HAProxy's stats socket (${STATS_TCP.host}:${STATS_TCP.port}) does not answer`}; exit 1; }`,
      sh`for server in ${[...servers]}; do if ! printf '%s\n' "$stat" | grep -q "^${BACKEND},$server,"; then echo "HAProxy's stats do not list the backend server $server"; exit 1; fi; done`,
      sh`echo ${`HAProxy is running and lists ${servers.length} control plane(s) in ${BACKEND}`}`,
    ]),
    sudo: true,
  }
}

/** The server names as they appear in the generated configuration (for the verify). */
function serverNamesIn(config: string): string[] {
  return [...config.matchAll(/^ {4}server (\S+) /gm)].map((m) => m[1]!)
}

export const haproxyRecipe: Recipe = {
  name: 'haproxy',
  kind: 'haproxy',
  steps(ctx) {
    const { facts } = ctx
    if (!ctx.roles.includes('haproxy') || !(isDebianLike(facts) || isMicroOs(facts))) return []
    if (controlPlanes(ctx.cluster).length === 0) return []
    const config = haproxyConfig(ctx.clusterName, ctx.cluster)
    const steps: Step[] = []
    const actions: StepAction[] = []
    if (isMicroOs(facts)) {
      // Planned, not simulated: the package lands in a snapshot that only a reboot makes current.
      const install: Step = {
        id: stepId(ctx, 'haproxy', 'install'),
        hostId: ctx.host.id,
        kind: 'haproxy',
        title: 'Install HAProxy into a new snapshot (transactional-update) and boot it',
        deps: [],
        actions: [run(sh`transactional-update --non-interactive pkg install -y haproxy`), run(REBOOT_COMMAND)],
        check: check(
          joinLines([
            sh`if ! rpm -q haproxy >/dev/null 2>&1; then echo "HAProxy is not installed in the running snapshot"; exit 1; fi`,
            sh`echo "HAProxy is installed"`,
          ]),
        ),
      }
      steps.push(install)
    } else {
      actions.push(
        run(
          sh`if ! dpkg-query -W -f ${'${Status}'} haproxy 2>/dev/null | grep -q 'ok installed'; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y haproxy; fi`,
        ),
      )
    }
    actions.push(
      // The admin socket's directory: the package's tmpfiles.d entry makes it at boot, not before.
      run(sh`if [ ! -d /run/haproxy ]; then install -d -m 2775 -o haproxy -g haproxy /run/haproxy; fi`),
      writeText(STAGED_CONFIG, config),
      // Validate the new file first; only a valid one replaces the live file (atomically, same fs).
      run(
        sh`if ! haproxy -c -f ${STAGED_CONFIG}; then echo ${`haproxy -c refused the generated configuration (${STAGED_CONFIG}); ${HAPROXY_CONFIG} is unchanged`} >&2; exit 1; fi; if cmp -s ${STAGED_CONFIG} ${HAPROXY_CONFIG}; then rm -f ${STAGED_CONFIG}; else touch ${RELOAD_PENDING} && mv -f ${STAGED_CONFIG} ${HAPROXY_CONFIG}; fi`,
      ),
      run(sh`systemctl enable ${UNIT}`),
      // Start when stopped; reload (never restart: that would cut every connection) when replaced.
      run(
        sh`if ! ${IS_ACTIVE}; then systemctl start ${UNIT} && rm -f ${RELOAD_PENDING}; elif [ -e ${RELOAD_PENDING} ]; then systemctl reload ${UNIT} && rm -f ${RELOAD_PENDING}; fi`,
      ),
    )
    steps.push({
      id: stepId(ctx, 'haproxy'),
      hostId: ctx.host.id,
      kind: 'haproxy',
      title: `Run HAProxy for the API endpoint (port ${ctx.cluster.endpoint.port} → ${controlPlanes(ctx.cluster).length} control plane(s))`,
      deps: steps.map((s) => s.id),
      actions,
      check: configCheck(config),
      verify: statsVerify(serverNamesIn(config)),
    })
    return steps
  },
}
