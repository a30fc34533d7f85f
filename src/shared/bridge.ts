/**
 * The `window.api` bridge, written once. Preload builds it over Electron IPC, the browser build over
 * the loopback WebSocket, the CLI over an in-process transport: same code, different `Transport`.
 *
 * Failures reject with plain AppErrorData objects rather than Error instances on purpose: Electron's
 * contextBridge keeps only the message of an Error, while a plain object arrives intact.
 */
import type { ArgsOf, Channel, Envelope, EventName, PayloadOf, ResultOf } from './contract'
import type { AppErrorData } from './errors'
import type {
  AppInfo,
  Cluster,
  ClusterInput,
  ClusterPki,
  ClusterRemoveOptions,
  ExpiryItem,
  IssuedKubeconfig,
  JoinToken,
  KubeconfigExportRequest,
  KubeconfigExportResult,
  PkiInitOptions,
  VaultBackupResult,
  VaultMode,
  VaultRestoreResult,
  VaultStatus,
  Host,
  HostInput,
  HostPatch,
  OperationDetail,
  OperationInfo,
  OpEnd,
  OpLogFilter,
  OpLogLine,
  OpProgress,
  ReachabilityResult,
  Settings,
  HostKeyScan,
  RebootResult,
  RunResult,
  SshCheckResult,
  SshSecretKind,
  AdoptInput,
  DiscoveryScanResult,
  ProbeResult,
} from './types'

/** What a transport must provide: request/response with envelopes, and event subscription. */
export interface Transport {
  invoke(channel: Channel, args: unknown[]): Promise<Envelope<unknown>>
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void
}

/** Options for channels that run as operations. */
export interface OpOptions {
  /** Use this id instead of a generated one (so the caller can cancel by id). */
  opId?: string
  /** Aborting sends `op:cancel` (works in Node and the browser; not across contextBridge). */
  signal?: AbortSignal
}

type Listener<E extends EventName> = (payload: PayloadOf<E>) => void

export interface FlotillaApi {
  app: {
    info(): Promise<AppInfo>
  }
  hosts: {
    list(): Promise<Host[]>
    add(input: HostInput): Promise<Host>
    update(id: string, patch: HostPatch): Promise<Host>
    remove(id: string): Promise<void>
    check(ids: string[], options?: OpOptions): Promise<ReachabilityResult[]>
    onChanged(listener: Listener<'hosts:changed'>): () => void
  }
  ssh: {
    scan(hostId: string): Promise<HostKeyScan>
    trust(hostId: string, fingerprint: string, options?: { replace?: boolean }): Promise<Host>
    provideSecret(hostId: string, kind: SshSecretKind, secret: string, keyPath?: string): Promise<void>
    forgetSecrets(hostId: string): Promise<void>
    check(hostIds: string[], options?: OpOptions): Promise<SshCheckResult[]>
    run(
      hostId: string,
      words: string[],
      runOptions?: { sudo?: boolean; timeoutSec?: number; stream?: boolean },
      options?: OpOptions,
    ): Promise<RunResult>
    /** Output of runs started with `stream` (every run's: filter by opId). */
    onOutput(listener: Listener<'ssh:output'>): () => void
    installKey(hostId: string, publicKey?: string, options?: OpOptions): Promise<{ added: boolean }>
    reboot(hostId: string, rebootOptions?: { timeoutSec?: number }, options?: OpOptions): Promise<RebootResult>
  }
  discovery: {
    /** Browse mDNS for `timeoutSec` (default 10 s); hosts appear through `hosts.onChanged` meanwhile. */
    scan(scanOptions?: { timeoutSec?: number }, options?: OpOptions): Promise<DiscoveryScanResult>
    /** Identify hosts over SSH, one round trip each. */
    probe(hostIds: string[], options?: OpOptions): Promise<ProbeResult[]>
    adopt(hostId: string, input: AdoptInput): Promise<Host>
    ignore(hostId: string, ignored?: boolean): Promise<Host>
  }
  ops: {
    list(): Promise<OperationInfo[]>
    cancel(opId: string): Promise<void>
    /** A fresh operation id, for callers that want to know it before starting. */
    newId(): string
    onStart(listener: Listener<'op:start'>): () => void
    onProgress(listener: (payload: OpProgress) => void): () => void
    onEnd(listener: (payload: OpEnd) => void): () => void
    /** One operation with its steps and small result, also after a reload or restart. */
    get(opId: string): Promise<OperationDetail>
    /** Its redacted log; `filter` narrows to one host and/or step. */
    log(opId: string, filter?: OpLogFilter): Promise<OpLogLine[]>
    /** An operation paused for a secret: answer with ssh.provideSecret (or cancel it). */
    onSecretNeeded(listener: Listener<'op:secret-needed'>): () => void
  }
  clusters: {
    list(): Promise<Cluster[]>
    create(input: ClusterInput): Promise<Cluster>
    remove(id: string, options?: ClusterRemoveOptions): Promise<void>
    onChanged(listener: Listener<'clusters:changed'>): () => void
  }
  vault: {
    status(): Promise<VaultStatus>
    /** `passphrase` is required for passphrase mode and ignored (null) for keychain mode. */
    setup(mode: VaultMode, passphrase?: string): Promise<VaultStatus>
    unlock(passphrase: string): Promise<VaultStatus>
    lock(): Promise<VaultStatus>
    rotate(): Promise<VaultStatus>
    backup(path: string, passphrase: string, options?: { overwrite?: boolean }): Promise<VaultBackupResult>
    restore(path: string, passphrase: string, options?: { replace?: boolean }): Promise<VaultRestoreResult>
    onChanged(listener: Listener<'vault:changed'>): () => void
  }
  pki: {
    init(clusterId: string, options?: PkiInitOptions & OpOptions): Promise<ClusterPki>
    show(clusterId: string): Promise<ClusterPki | null>
    expiry(): Promise<ExpiryItem[]>
    joinToken(clusterId: string): Promise<JoinToken>
    onChanged(listener: Listener<'pki:changed'>): () => void
  }
  kubeconfig: {
    export(clusterId: string, request: KubeconfigExportRequest): Promise<KubeconfigExportResult>
    issued(clusterId?: string): Promise<IssuedKubeconfig[]>
  }
  settings: {
    get(): Promise<Settings>
    set(patch: Partial<Settings>): Promise<Settings>
    onChanged(listener: Listener<'settings:changed'>): () => void
  }
}

/** Builds the API over a transport. */
export function createApi(transport: Transport): FlotillaApi {
  async function call<C extends Channel>(channel: C, ...args: ArgsOf<C>): Promise<ResultOf<C>> {
    let envelope: Envelope<unknown>
    try {
      envelope = await transport.invoke(channel, args)
    } catch {
      throw disconnected()
    }
    if (envelope.ok) return envelope.value as ResultOf<C>
    throw envelope.error
  }

  function on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    return transport.subscribe(event, (payload) => listener(payload as PayloadOf<E>))
  }

  /** Starts an operation channel, wiring an AbortSignal to `op:cancel`. */
  async function operation<C extends Channel>(
    channel: C,
    options: OpOptions | undefined,
    rest: (opId: string) => ArgsOf<C>,
  ): Promise<ResultOf<C>> {
    const opId = options?.opId ?? newOpId()
    const signal = options?.signal
    const cancel = () => void call('op:cancel', opId).catch(() => undefined)
    if (signal?.aborted) throw cancelled()
    signal?.addEventListener('abort', cancel, { once: true })
    try {
      return await call(channel, ...rest(opId))
    } finally {
      signal?.removeEventListener('abort', cancel)
    }
  }

  return {
    app: { info: () => call('app:info') },
    hosts: {
      list: () => call('hosts:list'),
      add: (input) => call('hosts:add', input),
      update: (id, patch) => call('hosts:update', id, patch),
      remove: (id) => call('hosts:remove', id),
      check: (ids, options) => operation('hosts:check', options, (opId) => [opId, ids]),
      onChanged: (listener) => on('hosts:changed', listener),
    },
    ssh: {
      scan: (hostId) => call('ssh:scan', hostId),
      trust: (hostId, fingerprint, options = {}) => call('ssh:trust', hostId, fingerprint, options),
      provideSecret: (hostId, kind, secret, keyPath) =>
        keyPath === undefined
          ? call('ssh:provideSecret', hostId, kind, secret)
          : call('ssh:provideSecret', hostId, kind, secret, keyPath),
      forgetSecrets: (hostId) => call('ssh:forgetSecrets', hostId),
      check: (hostIds, options) => operation('ssh:check', options, (opId) => [opId, hostIds]),
      run: (hostId, words, runOptions = {}, options) =>
        operation('ssh:run', options, (opId) => [opId, hostId, words, runOptions]),
      onOutput: (listener) => on('ssh:output', listener),
      installKey: (hostId, publicKey, options) =>
        operation('ssh:installKey', options, (opId) =>
          publicKey === undefined ? [opId, hostId] : [opId, hostId, publicKey],
        ),
      reboot: (hostId, rebootOptions = {}, options) =>
        operation('ssh:reboot', options, (opId) => [opId, hostId, rebootOptions]),
    },
    discovery: {
      scan: (scanOptions = {}, options) => operation('discovery:scan', options, (opId) => [opId, scanOptions]),
      probe: (hostIds, options) => operation('discovery:probe', options, (opId) => [opId, hostIds]),
      adopt: (hostId, input) => call('discovery:adopt', hostId, input),
      ignore: (hostId, ignored = true) => call('discovery:ignore', hostId, ignored),
    },
    ops: {
      list: () => call('ops:list'),
      cancel: (opId) => call('op:cancel', opId),
      newId: newOpId,
      onStart: (listener) => on('op:start', listener),
      onProgress: (listener) => on('op:progress', listener),
      onEnd: (listener) => on('op:end', listener),
      get: (opId) => call('ops:get', opId),
      log: (opId, filter = {}) => call('ops:log', opId, filter),
      onSecretNeeded: (listener) => on('op:secret-needed', listener),
    },
    clusters: {
      list: () => call('clusters:list'),
      create: (input) => call('clusters:create', input),
      remove: (id, options = {}) => call('clusters:remove', id, options),
      onChanged: (listener) => on('clusters:changed', listener),
    },
    vault: {
      status: () => call('vault:status'),
      setup: (mode, passphrase) => call('vault:setup', mode, passphrase ?? null),
      unlock: (passphrase) => call('vault:unlock', passphrase),
      lock: () => call('vault:lock'),
      rotate: () => call('vault:rotate'),
      backup: (path, passphrase, options) => call('vault:backup', path, passphrase, options?.overwrite ?? false),
      restore: (path, passphrase, options) => call('vault:restore', path, passphrase, options?.replace ?? false),
      onChanged: (listener) => on('vault:changed', listener),
    },
    pki: {
      init: (clusterId, options = {}) => {
        const { opId, signal, ...init } = options
        const op: OpOptions = { ...(opId !== undefined ? { opId } : {}), ...(signal !== undefined ? { signal } : {}) }
        return operation('pki:init', op, (id) => [id, clusterId, init])
      },
      show: (clusterId) => call('pki:show', clusterId),
      expiry: () => call('pki:expiry'),
      joinToken: (clusterId) => call('pki:join-token', clusterId),
      onChanged: (listener) => on('pki:changed', listener),
    },
    kubeconfig: {
      export: (clusterId, request) => call('kubeconfig:export', clusterId, request),
      issued: (clusterId) => call('kubeconfig:issued', clusterId ?? null),
    },
    settings: {
      get: () => call('settings:get'),
      set: (patch) => call('settings:set', patch),
      onChanged: (listener) => on('settings:changed', listener),
    },
  }
}

/** Operation ids are random UUIDs (they pass `idSchema`). */
export function newOpId(): string {
  return globalThis.crypto.randomUUID()
}

function disconnected(): AppErrorData {
  return { code: 'DISCONNECTED', message: 'Lost the connection to Flotilla’s services. Reload to reconnect.' }
}

function cancelled(): AppErrorData {
  return { code: 'CANCELLED', message: 'The operation was cancelled.' }
}
