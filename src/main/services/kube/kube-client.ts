/**
 * Kubernetes API clients (@kubernetes/client-node) for Flotilla's own work on a cluster, built from
 * a kubeconfig minted in memory from the cluster's vault CA (KubeconfigService.mint): no kubeconfig
 * file, no `$KUBECONFIG`, no `~/.kube`, nothing written anywhere. One credential per cluster and
 * user is kept while it has more than REFRESH_MARGIN_MS left, so a busy engine does not mint a key
 * per request.
 *
 * client-node is imported on first use: loading it takes a second or more, which every CLI command
 * and the app's start-up would otherwise pay.
 */
import type * as ClientNode from '@kubernetes/client-node'
import type {
  ApiConstructor,
  ApiType,
  Cluster,
  Context,
  CoreV1Api,
  KubeConfig,
  User,
  VersionApi,
} from '@kubernetes/client-node'
import type { EventBus } from '../events'
import type { KubeconfigService, MintedKubeconfig, MintOptions } from '../kubeconfig/kubeconfig-service'
import type { Logger } from '../log/logger'
import type { Redactor, Registration } from '../secrets/secret'

/** A cached credential is replaced once less than this is left of its validity. */
export const REFRESH_MARGIN_MS = 10 * 60_000

/** Typed API clients of one cluster, sharing one in-memory credential. */
export interface KubeClient {
  /** The client-node configuration (cluster, user with the inline key, context). */
  readonly config: KubeConfig
  readonly core: CoreV1Api
  readonly version: VersionApi
  /** Any other API group's client, e.g. `api(AppsV1Api)`. */
  api<T extends ApiType>(apiClass: ApiConstructor<T>): T
  /** When the credential expires (ISO 8601); a later `kubeClient()` call mints a fresh one. */
  readonly notAfter: string
}

/**
 * A client-node KubeConfig holding the minted kubeconfig, built from options: loadFromOptions reads
 * no file and no environment variable. The base64 form of the key (how client-node holds it) is
 * registered with the redactor, so the KubeConfig object leaks nothing if it reaches a log.
 */
export async function kubeConfigFrom(
  minted: MintedKubeconfig,
  redactor: Redactor,
): Promise<{ config: KubeConfig; redaction: Registration }> {
  const k8s = await clientNode()
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')
  const keyData = b64(minted.key.reveal())
  const redaction = redactor.register(keyData)
  const cluster: Cluster = { name: minted.name, server: minted.server, caData: b64(minted.caPem), skipTLSVerify: false }
  const user: User = { name: minted.name, certData: b64(minted.certPem), keyData }
  const context: Context = { name: minted.name, cluster: minted.name, user: minted.name }
  const config = new k8s.KubeConfig()
  config.loadFromOptions({ clusters: [cluster], users: [user], contexts: [context], currentContext: minted.name })
  return { config, redaction }
}

interface Cached {
  clusterId: string
  client: KubeClient
  notAfterMs: number
  redactions: Registration[]
}

export interface KubeClientsDeps {
  kubeconfigs: KubeconfigService
  events: EventBus
  redactor: Redactor
  log: Logger
  now?: () => Date
}

/** Hands out KubeClients per cluster (and user), minting their credentials in memory. */
export class KubeClients {
  readonly #d: KubeClientsDeps
  readonly #cache = new Map<string, Cached>()
  /** Replaced credentials: a caller may still hold their client, so their keys stay redacted until they expire. */
  #retired: Cached[] = []
  readonly #unsubscribe: () => void

  constructor(deps: KubeClientsDeps) {
    this.#d = deps
    // A new CA set (PKI re-created, a backup restored) or a changed endpoint makes the credential stale.
    const offPki = deps.events.on('pki:changed', ({ clusterId }) => this.#drop((c) => c.clusterId === clusterId))
    const offClusters = deps.events.on('clusters:changed', () => this.#drop(() => true))
    this.#unsubscribe = () => {
      offPki()
      offClusters()
    }
  }

  /** Clients for the cluster's API server as Flotilla's admin user (or `options.user`). */
  async kubeClient(clusterId: string, options: Omit<MintOptions, 'minutes'> = {}): Promise<KubeClient> {
    const now = this.#now()
    this.#releaseExpired(now)
    const key = JSON.stringify([clusterId, options.user ?? null, options.breakGlass === true])
    const cached = this.#cache.get(key)
    if (cached && cached.notAfterMs - now > REFRESH_MARGIN_MS) return cached.client
    if (cached) this.#retire(key, cached)

    const minted = await this.#d.kubeconfigs.mint(clusterId, options)
    const { config, redaction } = await kubeConfigFrom(minted, this.#d.redactor)
    const { CoreV1Api, VersionApi } = await clientNode()
    const client: KubeClient = {
      config,
      core: config.makeApiClient(CoreV1Api),
      version: config.makeApiClient(VersionApi),
      api: (apiClass) => config.makeApiClient(apiClass),
      notAfter: minted.notAfter,
    }
    this.#cache.set(key, {
      clusterId,
      client,
      notAfterMs: Date.parse(minted.notAfter),
      redactions: [minted.redaction, redaction],
    })
    this.#d.log.info(
      `Minted an in-memory kubeconfig for ${minted.server} (user ${minted.user}, ${minted.groups.join(',')}; serial ${minted.serial}; until ${minted.notAfter})`,
    )
    return client
  }

  /** Stops listening for changes and lets the redactor forget every key (the app is closing). */
  close(): void {
    this.#unsubscribe()
    for (const entry of [...this.#cache.values(), ...this.#retired]) for (const r of entry.redactions) r.release()
    this.#cache.clear()
    this.#retired = []
  }

  #drop(which: (entry: Cached) => boolean): void {
    for (const [key, entry] of this.#cache) if (which(entry)) this.#retire(key, entry)
  }

  #retire(key: string, entry: Cached): void {
    this.#cache.delete(key)
    this.#retired.push(entry)
  }

  #releaseExpired(now: number): void {
    const [expired, live] = partition(this.#retired, (e) => e.notAfterMs <= now)
    for (const entry of expired) for (const r of entry.redactions) r.release()
    this.#retired = live
  }

  #now(): number {
    return (this.#d.now?.() ?? new Date()).getTime()
  }
}

let loading: Promise<typeof ClientNode> | undefined
function clientNode(): Promise<typeof ClientNode> {
  loading ??= import('@kubernetes/client-node')
  return loading
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((i) => !test(i))]
}
