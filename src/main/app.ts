/**
 * The composition root: builds every service once. The Electron shell, the web server and the CLI
 * each call `createApp` and put their transport in front of the same dispatcher. No Electron here.
 */
import { join } from 'node:path'
import { createApi, type FlotillaApi } from '../shared/bridge'
import type { AppInfo } from '../shared/types'
import { createHandlers } from './handlers/index'
import { applyDiscovery } from './services/discovery/discovery-sync'
import { DiscoveryService, type DiscoveryOptions } from './services/discovery/discovery-service'
import { EventBus } from './services/events'
import { IdentifyService } from './services/identify/identify-service'
import { HostInventory } from './services/inventory/host-inventory'
import { createLogger, fileSink, type Logger, type LogSink } from './services/log/logger'
import { OperationJournal } from './services/operations/journal'
import { OperationRegistry } from './services/operations/registry'
import { createSecurityServices, type SecurityOptions, type SecurityServices } from './services/pki/security-services'
import { takeEnvSecrets } from './services/secrets/env-secrets'
import { Redactor } from './services/secrets/secret'
import { SettingsService } from './services/settings/settings-service'
import { SshService } from './services/ssh/ssh-service'
import { defaultSshEnvironment, type SshEnvironment } from './services/ssh/ssh-environment'
import type { StoreFactory } from './services/store/key-value-store'
import { createDispatcher, type Dispatch } from './transport/dispatcher'
import { localTransport } from './transport/local-transport'
import { securePrivateDir } from './data-dir'

export interface AppOptions {
  dataDir: string
  transport: AppInfo['transport']
  version: string
  /** electron-store in Electron, conf elsewhere. */
  createStore: StoreFactory
  /** Extra log sinks (stderr for the web server); the data directory's log file is always written. */
  logSinks?: LogSink[]
  /** Vault passphrase, keychain, kubeconfig location (defaults: environment and OS). */
  security?: SecurityOptions
  /** The desktop user's SSH setup (home for ~/.ssh, agent socket); tests point it elsewhere. */
  sshEnvironment?: SshEnvironment
  /** mDNS timings and interfaces (tests shorten the stale/gone waits). */
  discovery?: DiscoveryOptions
}

export interface Services extends SecurityServices {
  events: EventBus
  redactor: Redactor
  log: Logger
  ops: OperationRegistry
  inventory: HostInventory
  settings: SettingsService
  ssh: SshService
  discovery: DiscoveryService
  identify: IdentifyService
}

export interface App extends Services {
  info: AppInfo
  /** Answers contract requests; every transport calls this. */
  dispatch: Dispatch
  /** The bridge API over an in-process transport (CLI, benchmarks). */
  api: FlotillaApi
  /** Cancels running operations; call on quit. */
  close(): void
}

export function createApp(options: AppOptions): App {
  // Secrets given through the environment leave it before anything can spawn a child.
  takeEnvSecrets()
  // Owner only, also for folders and files an older Flotilla (or a loose umask) left readable.
  securePrivateDir(options.dataDir)
  const events = new EventBus()
  const redactor = new Redactor()
  const log = createLogger(
    [fileSink(join(options.dataDir, 'logs', 'flotilla.log')), ...(options.logSinks ?? [])],
    redactor,
  )
  // Every operation is journaled, so its outcome outlives a reload, a lost socket or a restart.
  const ops = new OperationRegistry(events, redactor, undefined, undefined, {
    journal: new OperationJournal(join(options.dataDir, 'operations')),
    warn: (message) => log.warn(message),
    // A window that reloads reconnects within this: its dialog asks again for what is waited for.
    answerGraceMs: 15_000,
  })
  const inventory = new HostInventory(options.createStore('inventory'), events)
  const settings = new SettingsService(options.createStore('settings'), events)
  const security = createSecurityServices(
    { ...options, events, redactor, log, hosts: () => inventory.list() },
    options.security,
  )
  // A window learns of cluster changes the CLI makes; the CLI itself lives too briefly to care.
  const stopWatchingClusters = options.transport === 'cli' ? () => undefined : security.clusters.watch()
  const ssh = new SshService({
    inventory,
    redactor,
    log,
    environment: options.sshEnvironment ?? defaultSshEnvironment(),
  })
  const discovery = new DiscoveryService(log, options.discovery)
  // What mDNS sees lands in the host list in batches (one save per batch, not per packet).
  discovery.onChange((changed, gone) =>
    inventory.mutate((hosts) =>
      applyDiscovery(hosts, changed, gone, new Date().toISOString(), () => globalThis.crypto.randomUUID()),
    ),
  )
  const identify = new IdentifyService(ssh, inventory)
  const services: Services = { events, redactor, log, ops, inventory, settings, ssh, discovery, identify, ...security }
  const info: AppInfo = {
    version: options.version,
    dataDir: options.dataDir,
    transport: options.transport,
    platform: process.platform,
  }
  const dispatch = createDispatcher(createHandlers(services, info), log, redactor)
  return {
    ...services,
    info,
    dispatch,
    api: createApi(localTransport(dispatch, events)),
    close: () => {
      ops.close()
      stopWatchingClusters()
      discovery.close()
      ssh.close()
      security.kube.close()
    },
  }
}
