/**
 * Where every contract channel and event lives in `window.api`: the one table the bridge
 * (./bridge.ts) builds both the `FlotillaApi` type and `createApi` from. `satisfies Record<Channel, …>`
 * makes it total, so a channel added to the contract without a line here fails typecheck
 * (bridge.types.test.ts proves that), and the method's parameters and result come from the
 * contract, so they cannot drift from it either.
 *
 * A line is one of:
 *   'hosts:list': { to: 'hosts.list' }
 *     a method taking exactly the channel's arguments;
 *   'hosts:check': { to: 'hosts.check', op: 1 }
 *     an operation (the channel's first argument is the opId): the method takes the arguments after
 *     the opId, then `options?: OpOptions` at index `op` (= how many arguments come before it; checked
 *     against the contract). The bridge sends OpOptions.opId or a fresh id, and an aborted signal
 *     sends `op:cancel`;
 *   'ssh:trust': { to: 'ssh.trust', adapt: (hostId: string, …, options: X = {}) => [hostId, …, options] }
 *     the method's parameters are adapt's (defaults, an options object instead of booleans) and adapt
 *     returns the channel's arguments (after the opId for an operation, whose adapt also declares the
 *     OpOptions parameter at index `op`).
 * Trailing `undefined` arguments are not sent (JSON would turn them into null).
 */
import type { OpOptions } from './bridge'
import type { ArgsOf, Channel, EventName } from './contract'
import type { ClusterImportOptions, OpLogFilter, PkiInitOptions, VaultMode } from './types'
import type { PlanComputeOptions } from './channels/plan'

/** `group.method`: `window.api[group][method]`. */
export type ApiPath = `${string}.${string}`

/** An operation channel's arguments after its leading opId. */
export type AfterOpId<A> = A extends [string, ...infer Rest] ? Rest : never

/** How many arguments a tuple has when all its optional ones are given. */
type Arity<A extends unknown[]> = Required<A>['length']

type CallRoute<C extends Channel> =
  | { to: ApiPath; op?: undefined; adapt?: undefined }
  | { to: ApiPath; op?: undefined; adapt: (...callerArgs: never[]) => ArgsOf<C> }

type OperationRoute<C extends Channel> =
  | { to: ApiPath; op: Arity<AfterOpId<ArgsOf<C>>>; adapt?: undefined }
  | { to: ApiPath; op: number; adapt: (...callerArgs: never[]) => AfterOpId<ArgsOf<C>> }

/** One line of the table; only a channel whose first argument is a string can be an operation. */
export type Route<C extends Channel> =
  ArgsOf<C> extends [string, ...unknown[]] ? CallRoute<C> | OperationRoute<C> : CallRoute<C>

/** The shape of a complete table: one route per channel, each typed by its channel. */
export type RouteTable = { [C in Channel]: Route<C> }

/** Every invoke channel's place in `window.api`. Keep a domain's lines together, in contract order. */
export const CHANNEL_ROUTES = {
  'app:info': { to: 'app.info' },
  'ops:list': { to: 'ops.list' },
  'op:cancel': { to: 'ops.cancel' },
  'ops:get': { to: 'ops.get' },
  'ops:log': { to: 'ops.log', adapt: (opId: string, filter: OpLogFilter = {}) => [opId, filter] },
  'settings:get': { to: 'settings.get' },
  'settings:set': { to: 'settings.set' },

  'hosts:list': { to: 'hosts.list' },
  'hosts:add': { to: 'hosts.add' },
  'hosts:update': { to: 'hosts.update' },
  'hosts:remove': { to: 'hosts.remove' },
  'hosts:check': { to: 'hosts.check', op: 1 },

  'clusters:list': { to: 'clusters.list' },
  'clusters:create': { to: 'clusters.create' },
  'clusters:remove': {
    to: 'clusters.remove',
    adapt: (id: string, options: { deletePki?: boolean } = {}) => [id, options],
  },
  'clusters:spec': { to: 'clusters.spec' },
  'clusters:import': {
    to: 'clusters.import',
    adapt: (source: string | Record<string, unknown>, options: ClusterImportOptions = {}) => [source, options],
  },
  'clusters:set-role': { to: 'clusters.setRole' },
  'clusters:export': { to: 'clusters.export' },
  'clusters:check': { to: 'clusters.check' },
  'clusters:check-move': { to: 'clusters.checkMove' },

  'plan:compute': {
    to: 'plan.compute',
    op: 2,
    adapt: (cluster: string, options: PlanComputeOptions = {}, _options?: OpOptions) => [cluster, options],
  },
  'plan:scripts': { to: 'plan.scripts' },

  'apply:run': { to: 'apply.run', op: 2 },
  'apply:lock': { to: 'apply.lock' },
  'apply:break-lock': { to: 'apply.breakLock' },

  'clusters:status': { to: 'clusters.status', op: 1 },
  'reset:plan': { to: 'reset.plan', op: 2 },
  'reset:run': { to: 'reset.run', op: 2 },
  'clusters:watch': { to: 'clusters.watch' },
  'clusters:unwatch': { to: 'clusters.unwatch' },
  'clusters:taint': { to: 'clusters.taint' },

  'vault:status': { to: 'vault.status' },
  // `passphrase` is required for passphrase mode and ignored (null) for keychain mode.
  'vault:setup': {
    to: 'vault.setup',
    adapt: (mode: VaultMode, passphrase?: string) => [mode, passphrase ?? null],
  },
  'vault:unlock': { to: 'vault.unlock' },
  'vault:lock': { to: 'vault.lock' },
  'vault:rotate': { to: 'vault.rotate' },
  'vault:backup': {
    to: 'vault.backup',
    adapt: (path: string, passphrase: string, options?: { overwrite?: boolean }) => [
      path,
      passphrase,
      options?.overwrite ?? false,
    ],
  },
  'vault:restore': {
    to: 'vault.restore',
    adapt: (path: string, passphrase: string, options?: { replace?: boolean }) => [
      path,
      passphrase,
      options?.replace ?? false,
    ],
  },

  // The algorithm and the OpOptions travel in one object, kept from before the table.
  'pki:init': {
    to: 'pki.init',
    op: 1,
    adapt: (clusterId: string, options: PkiInitOptions & OpOptions = {}) => {
      const { opId: _opId, signal: _signal, ...init } = options
      return [clusterId, init]
    },
  },
  'pki:show': { to: 'pki.show' },
  'pki:expiry': { to: 'pki.expiry' },
  'pki:join-token': { to: 'pki.joinToken' },

  'kubeconfig:export': { to: 'kubeconfig.export' },
  'kubeconfig:issued': {
    to: 'kubeconfig.issued',
    adapt: (clusterId?: string) => [clusterId ?? null],
  },

  'ssh:scan': { to: 'ssh.scan' },
  'ssh:trust': {
    to: 'ssh.trust',
    adapt: (hostId: string, fingerprint: string, options: { replace?: boolean } = {}) => [hostId, fingerprint, options],
  },
  'ssh:provideSecret': { to: 'ssh.provideSecret' },
  'ssh:forgetSecrets': { to: 'ssh.forgetSecrets' },
  'ssh:check': { to: 'ssh.check', op: 1 },
  'ssh:run': {
    to: 'ssh.run',
    op: 3,
    adapt: (
      hostId: string,
      words: string[],
      runOptions: { sudo?: boolean; timeoutSec?: number; stream?: boolean } = {},
      _options?: OpOptions,
    ) => [hostId, words, runOptions],
  },
  'ssh:installKey': { to: 'ssh.installKey', op: 2 },
  // Reboots and waits (default 5 minutes) until the host is back with a new boot id.
  'ssh:reboot': {
    to: 'ssh.reboot',
    op: 2,
    adapt: (hostId: string, rebootOptions: { timeoutSec?: number } = {}, _options?: OpOptions) => [
      hostId,
      rebootOptions,
    ],
  },

  // Browses mDNS for `timeoutSec` (default 10 s); hosts appear through `hosts.onChanged` meanwhile.
  'discovery:scan': {
    to: 'discovery.scan',
    op: 1,
    adapt: (scanOptions: { timeoutSec?: number } = {}, _options?: OpOptions) => [scanOptions],
  },
  'discovery:probe': { to: 'discovery.probe', op: 1 },
  'discovery:adopt': { to: 'discovery.adopt' },
  'discovery:ignore': {
    to: 'discovery.ignore',
    adapt: (hostId: string, ignored = true) => [hostId, ignored],
  },
} as const satisfies RouteTable

/** Every event's subscription method: it takes a listener and returns the unsubscribe function. */
export const EVENT_ROUTES = {
  'op:start': 'ops.onStart',
  'op:progress': 'ops.onProgress',
  'op:end': 'ops.onEnd',
  'op:secret-needed': 'ops.onSecretNeeded',
  'settings:changed': 'settings.onChanged',
  'hosts:changed': 'hosts.onChanged',
  'clusters:changed': 'clusters.onChanged',
  'vault:changed': 'vault.onChanged',
  'pki:changed': 'pki.onChanged',
  // Output of runs started with `stream` (every run's: filter by opId).
  'ssh:output': 'ssh.onOutput',
  'clusters:live': 'clusters.onLive',
} as const satisfies Record<EventName, ApiPath>
