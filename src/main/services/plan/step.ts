/**
 * The step model the engine executes and the plan shows (issue 12). A step is what one recipe does
 * on one host: its actions in order (commands built with `sh`, files with mode and owner) and its
 * check, a read-only command whose exit status says whether the step is already done. The plan view
 * (shared/types/plan.ts) is rendered from these objects, so the engine can run nothing the plan did
 * not show.
 */
import type { ClusterSpecDocument, NodeRole } from '../../../shared/cluster-spec'
import type { Host, HostIdentification, PlannedAction, StepKind } from '../../../shared/types'
import type { ShellCommand } from '../ssh/shell-command'

/**
 * A file's content: text; a secret resolved only when the engine writes it (shown as a
 * placeholder: a CA key, from the vault); or a template whose `{{flotilla: NAME}}` placeholders the
 * engine fills when it writes the file (a bootstrap token created just before use, the CA
 * certificate, the discovery hash). The plan shows the template as it is: every other byte is exact.
 */
export type FileContent = { text: string } | { secret: string } | { template: string }

/** A placeholder of a template: `{{flotilla: NAME}}`. */
export const PLACEHOLDER = /\{\{flotilla: ([a-z0-9./:-]+)\}\}/g

export function placeholder(name: string): string {
  return `{{flotilla: ${name}}}`
}

/**
 * Work the desktop does through the Kubernetes API (an admin client minted in memory from the
 * vault, through the cluster's endpoint), not a command on the host: applying the CNI manifest,
 * waiting for nodes. `op` names a handler the engine knows (apply/api-ops.ts); `args` are plain
 * data; `text` is the one line the plan shows, e.g. "server-side apply of /etc/flotilla/cni.yaml".
 */
export interface ApiCall {
  op: string
  text: string
  args: Readonly<Record<string, string | number | boolean | readonly string[]>>
}

export type StepAction =
  | { type: 'run'; command: ShellCommand; sudo: boolean }
  | { type: 'write'; path: string; mode: number; owner: string; content: FileContent }
  | { type: 'api'; call: ApiCall }

/**
 * Exit status of a check: 0 = done, 1 = to do, anything else = the check itself failed (unknown).
 * The first line of stdout is the reason shown next to the step ("swap is on: /var/swap"). An API
 * check (`api`) answers the same three states from the desktop instead of a command on the host.
 */
export type StepCheck = ShellCheck | { api: ApiCall; command?: undefined; sudo?: undefined }
export interface ShellCheck {
  command: ShellCommand
  sudo: boolean
  api?: undefined
}

/** The one line the plan shows for a check. */
export function checkText(check: StepCheck): { text: string; sudo: boolean; api?: true } {
  return check.api ? { text: check.api.text, sudo: false, api: true } : { text: check.command.text, sudo: check.sudo }
}

export interface Step {
  /** Stable across plans of the same spec: `<host name>/<recipe>[/<part>]`. */
  id: string
  hostId: string
  kind: StepKind
  title: string
  /** Ids of steps that must be done first. */
  deps: string[]
  actions: StepAction[]
  check: StepCheck
  /**
   * What proves the step worked once its actions ran (default: the check, which must then say
   * done). A step whose effect shows only later or elsewhere (a reboot, a join seen from the API)
   * gives its own; the engine polls it until `timeoutMs`.
   */
  verify?: StepCheck
  /** How long the actions and the verify may take together before the step fails (engine default otherwise). */
  timeoutMs?: number
  /** Runs only with the user's explicit consent: says to what. */
  consent?: string
}

/** One host of the planned cluster, as every recipe sees it (e.g. HAProxy's backends, join targets). */
export interface ClusterHost {
  hostId: string
  name: string
  address: string
  roles: (NodeRole | 'haproxy')[]
  /** The Node name its kubelet registers (its hostname, lower-cased); absent when not identified. */
  nodeName?: string
}

/** Everything a recipe may look at to decide its steps for one host. Read-only. */
export interface RecipeContext {
  spec: ClusterSpecDocument['spec']
  clusterName: string
  host: Host
  /** The host's fresh identification (the planner re-probes stale ones first). */
  facts: HostIdentification
  /** The host's roles in the spec; `haproxy` for the endpoint host. */
  roles: (NodeRole | 'haproxy')[]
  /** The host's name in step ids and messages (label, else address). */
  name: string
  /** The Kubernetes version the plan installs: the spec's minor and, when resolved, the patch. */
  kubernetes: { minor: string; patch?: string }
  /**
   * The whole cluster as planned: every host in plan order (the HAProxy host first, then the nodes
   * in spec order; the first control plane is the one kubeadm init runs on), and the API endpoint
   * every node and kubeconfig uses (the HAProxy host's address or the spec's `address`).
   */
  cluster: { hosts: readonly ClusterHost[]; endpoint: { host: string; port: number } }
}

/** One recipe: the steps it contributes for one host (none when it does not apply to that host). */
export interface Recipe {
  /** Short stable name, used in step ids: "swap", "kernel-modules", … */
  name: string
  kind: StepKind
  steps(ctx: RecipeContext): Step[]
}

/** The step id convention: `<host name>/<recipe>[/<part>]`. */
export function stepId(ctx: Pick<RecipeContext, 'name'>, recipe: string, part?: string): string {
  return part ? `${ctx.name}/${recipe}/${part}` : `${ctx.name}/${recipe}`
}

/** A step's actions as the plan shows them: exact text, secrets as placeholders. */
export function plannedActions(step: Step): PlannedAction[] {
  return step.actions.map((action): PlannedAction => {
    if (action.type === 'run') return { type: 'run', text: action.command.text, sudo: action.sudo }
    if (action.type === 'api') return { type: 'api', text: action.call.text }
    const c = action.content
    return {
      type: 'write',
      path: action.path,
      mode: action.mode.toString(8).padStart(4, '0'),
      owner: action.owner,
      content: 'text' in c ? c.text : 'template' in c ? c.template : `<secret: ${c.secret}>`,
    }
  })
}
