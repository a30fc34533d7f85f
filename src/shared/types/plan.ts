/**
 * The plan as every transport shows it (issue 12): the problems the validator found, and per host
 * the ordered steps with exactly the commands they run and the files they write, each with the
 * read-only check that tells whether it is already done. The engine executes the main-process
 * form of these same steps (services/plan/step.ts); this is their rendering, secrets as
 * `<secret: name>` placeholders, never values.
 */

/** `blocking` stops the plan; `warning` is listed and the plan goes on. */
export type ProblemSeverity = 'blocking' | 'warning'

/** One finding of the validator: the same code and sentences in the UI, the CLI and the API. */
export interface SpecProblem {
  /** Stable identifier, e.g. "quorum-even", "subnet-overlap", "host-unknown". */
  code: string
  severity: ProblemSeverity
  /** What is wrong, as a sentence. */
  message: string
  /** What to do about it, as a sentence. */
  next: string
  /** Where in the spec, e.g. "spec.nodes[2].roles" (absent for cluster-wide findings). */
  path?: string
  /** The inventory host it concerns, when it concerns one. */
  hostId?: string
  /** That host as the user knows it (label or address). */
  host?: string
}

export const STEP_KINDS = [
  'probe',
  'prepare',
  'reboot',
  'runtime',
  'packages',
  'haproxy',
  'pki',
  'init',
  'cni',
  'join-control-plane',
  'join-worker',
  'wait',
  'reset',
] as const
export type StepKind = (typeof STEP_KINDS)[number]

/** A command as it will be sent: the exact shell text (secrets as placeholders), and whether as root. */
export interface PlannedCommand {
  text: string
  sudo: boolean
  /** Not a command on the host: done by Flotilla through the Kubernetes API (text says what). */
  api?: true
}

/** A file a step writes: path, octal mode ("0644"), owner ("root:root") and its whole content. */
export interface PlannedFile {
  path: string
  mode: string
  owner: string
  /**
   * The content; a secret is `<secret: name>` (the whole file, e.g. a CA key); `{{flotilla: name}}`
   * marks a value Flotilla fills in when it writes the file (a fresh bootstrap token).
   */
  content: string
}

/**
 * What the check found: `done` (nothing to do), `todo`, `unknown` (the check could not tell, e.g.
 * the host did not answer: `detail` says why), `not-checked` (checks were not run, or the step
 * depends on an earlier step that is still to do, so its check would be meaningless).
 */
export type StepCheckState = 'done' | 'todo' | 'unknown' | 'not-checked'

export interface PlanStepView {
  /** Stable across plans of the same spec: `<host label or address>/<recipe>[/<part>]`. */
  id: string
  hostId: string
  /** The host as the user knows it. */
  host: string
  kind: StepKind
  /** One line, e.g. "Turn swap off and keep it off". */
  title: string
  /** Ids of the steps that must be done first (any host). */
  deps: string[]
  /** In order: the commands and the files (a file is written where its action stands). */
  actions: PlannedAction[]
  /** Read-only commands: exit 0 = done, 1 = to do (stdout says why), anything else = unknown. */
  check: PlannedCommand[]
  status: StepCheckState
  /** Why the check decided so, one line (e.g. "swap is on: /var/swap"). */
  detail?: string
  /** The step runs only with the user's explicit consent (e.g. a reset of leftovers): say to what. */
  consent?: string
}

export type PlannedAction =
  | ({ type: 'run' } & PlannedCommand)
  | ({ type: 'write' } & PlannedFile)
  /** Done by Flotilla through the Kubernetes API (an in-memory admin client), not on the host. */
  | { type: 'api'; text: string }

export interface PlanHostView {
  hostId: string
  host: string
  /** The spec's roles, plus "haproxy" for the endpoint host. */
  roles: string[]
  /** Step ids in the order they run on this host. */
  steps: string[]
  /** When the facts the plan used were probed (ISO). */
  probedAt?: string
  /** sha256 of the host's facts (volatile ones left out) and its steps: apply names a host whose hash changed. */
  factsHash: string
}

export interface PlanView {
  cluster: string
  /** sha256 of the canonical spec the plan was made from (apply refuses a plan whose spec changed). */
  specHash: string
  /**
   * sha256 over the steps (ids, deps, commands, files) and each host's facts: what apply compares
   * with the plan it recomputes, so it runs exactly what was reviewed (issue 13 §2).
   */
  factsFingerprint: string
  createdAt: string
  /** The minor the spec asks for and the patch the plan resolved (absent when it could not). */
  kubernetes: { minor: string; patch?: string }
  /** How many failures the cluster survives, e.g. "3 control planes: survives 1 failure." */
  quorum?: string
  /**
   * For an `address` endpoint (a load balancer the user runs): the HAProxy sections it needs, to
   * put there by hand; the apply waits until the endpoint accepts connections before kubeadm init.
   */
  loadBalancer?: string
  problems: SpecProblem[]
  /** True when a blocking problem stops the plan (steps are then still listed, for review). */
  blocked: boolean
  hosts: PlanHostView[]
  steps: PlanStepView[]
  summary: { steps: number; done: number; todo: number; unknown: number; notChecked: number }
}
