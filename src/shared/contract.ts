/**
 * The one contract between the UI (or a script) and Flotilla's services. Electron IPC, the loopback
 * WebSocket of `npm run web` and the in-process CLI all carry exactly these channels and events.
 * Channels are named `domain:action`; each has a doc line and an input schema in ./channels.
 */
import type { AppEvents, AppInvoke } from './channels/app'
import type { HostsEvents, HostsInvoke } from './channels/hosts'
import type { SshEvents, SshInvoke } from './channels/ssh'
import type { DiscoveryInvoke } from './channels/discovery'
import type { ClustersEvents, ClustersInvoke } from './channels/clusters'
import type { KubeconfigInvoke } from './channels/kubeconfig'
import type { PkiEvents, PkiInvoke } from './channels/pki'
import type { VaultEvents, VaultInvoke } from './channels/vault'
import type { PlanInvoke } from './channels/plan'
import type { ApplyInvoke } from './channels/apply'
import type { LiveEvents, LiveInvoke, StatusInvoke } from './channels/status'
import type { ResetInvoke } from './channels/reset'
import type { AppErrorData } from './errors'

/** Every invoke channel: `domain:action` → positional args and result. Domains live in ./channels. */
export interface InvokeContract
  extends
    AppInvoke,
    HostsInvoke,
    ClustersInvoke,
    VaultInvoke,
    PkiInvoke,
    KubeconfigInvoke,
    SshInvoke,
    DiscoveryInvoke,
    PlanInvoke,
    ApplyInvoke,
    StatusInvoke,
    ResetInvoke,
    LiveInvoke {}

/** Every event pushed from the services to the UI. */
export interface EventContract
  extends AppEvents, HostsEvents, ClustersEvents, VaultEvents, PkiEvents, SshEvents, LiveEvents {}

export type Channel = keyof InvokeContract
export type EventName = keyof EventContract
export type ArgsOf<C extends Channel> = InvokeContract[C]['args']
export type ResultOf<C extends Channel> = InvokeContract[C]['result']
export type PayloadOf<E extends EventName> = EventContract[E]

/** Every invoke answer is an envelope, so errors keep their code across any transport. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: AppErrorData }
