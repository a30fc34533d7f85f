/**
 * The planner (issue 12): from a spec, the validator's resolved nodes and the recipes, the ordered
 * steps of every host. It decides nothing about a step's content (the recipes do) and changes
 * nothing anywhere; the plan it returns is the very object the engine will execute, and
 * `renderPlan` is how every transport shows it.
 */
import { createHash } from 'node:crypto'
import type { ClusterSpecDocument, NodeRole } from '../../../shared/cluster-spec'
import { AppError } from '../../../shared/errors'
import type { Host, PlanView, SpecProblem, StepCheckState } from '../../../shared/types'
import { hostName } from '../clusters/host-ref'
import { writeSpecYaml } from '../clusters/spec-yaml'
import { DEFAULT_API_PORT, parseEndpoint } from '../../../shared/channels/clusters'
import { planFingerprint } from './fingerprint'
import { externalLoadBalancerSnippet } from './recipes/haproxy-config'
import { checkText, plannedActions, type Recipe, type RecipeContext, type Step } from './step'

/** What the planner needs of the validator's answer (validate.ts returns more). */
export interface ValidationLike {
  problems: SpecProblem[]
  nodes: readonly { ref: string; path: string; host: Host; roles: NodeRole[] }[]
  endpointHost?: Host | undefined
  blocked: boolean
  /** How many failures the cluster survives, as a sentence (validate.ts's quorumSummary). */
  quorum?: string
}

export interface PlanHost {
  host: Host
  name: string
  roles: (NodeRole | 'haproxy')[]
  /** Step ids in the order they run on this host. */
  steps: string[]
}

/** The plan in the main process: what the engine executes and `renderPlan` shows. */
export interface Plan {
  cluster: string
  spec: ClusterSpecDocument
  specHash: string
  createdAt: string
  kubernetes: { minor: string; patch?: string }
  /** How many failures the cluster survives, as a sentence. */
  quorum?: string
  problems: SpecProblem[]
  blocked: boolean
  hosts: PlanHost[]
  steps: Step[]
}

export interface PlanInput {
  spec: ClusterSpecDocument
  validation: ValidationLike
  /** The recipes of the phases planned, in the order they run on a host. */
  recipes: readonly Recipe[]
  /** Runs first on a host whose leftovers the user agreed to wipe (`resetConsent`), never otherwise. */
  resetRecipe?: Recipe | undefined
  /** Host ids whose reset the user consented to. */
  resetConsent?: readonly string[]
  kubernetes: { minor: string; patch?: string }
  /** Problems found before validation (hosts that could not be re-probed, an unresolved patch). */
  extraProblems?: readonly SpecProblem[]
  now: Date
}

/** sha256 of the canonical YAML: two plans of the same spec have the same hash, whatever its source. */
export function specHash(spec: ClusterSpecDocument): string {
  return createHash('sha256').update(writeSpecYaml(spec)).digest('hex')
}

/**
 * The hosts the plan works on, in the order they come up: the HAProxy host first (the endpoint the
 * others will use), then the nodes in spec order. A host that is both keeps one entry.
 */
export function planHosts(spec: ClusterSpecDocument, validation: ValidationLike): PlanHost[] {
  const hosts = new Map<string, PlanHost>()
  const add = (host: Host, roles: (NodeRole | 'haproxy')[]) => {
    const known = hosts.get(host.id)
    if (known) known.roles.push(...roles.filter((r) => !known.roles.includes(r)))
    else hosts.set(host.id, { host, name: hostName(host), roles: [...roles], steps: [] })
  }
  if (spec.spec.endpoint.haproxy && validation.endpointHost) add(validation.endpointHost, ['haproxy'])
  for (const node of validation.nodes) add(node.host, node.roles)
  return [...hosts.values()]
}

export function buildPlan(input: PlanInput): Plan {
  const { spec, validation } = input
  const consent = new Set(input.resetConsent ?? [])
  const hosts = planHosts(spec, validation)
  const steps: Step[] = []
  const ids = new Set<string>()
  const cluster = clusterView(spec, hosts)
  for (const planHost of hosts) {
    const facts = planHost.host.identification
    // Without facts no recipe can decide; the validator has said why the host is not identified.
    if (!facts) continue
    const ctx: RecipeContext = {
      spec: spec.spec,
      clusterName: spec.metadata.name,
      host: planHost.host,
      facts,
      roles: planHost.roles,
      name: planHost.name,
      kubernetes: input.kubernetes,
      cluster,
    }
    const recipes = [
      ...(input.resetRecipe && consent.has(planHost.host.id) ? [input.resetRecipe] : []),
      ...input.recipes,
    ]
    let previous: string | undefined
    for (const recipe of recipes) {
      for (const made of recipe.steps(ctx)) {
        if (ids.has(made.id)) {
          throw new AppError(
            'INTERNAL',
            `Two steps of the plan have the same id (${made.id}); the plan cannot be made.`,
          )
        }
        ids.add(made.id)
        // One host's steps run in order: each waits for the one before it (and for what its recipe
        // says). The prepare phase needs no step of another host; later phases (joins after init)
        // will name theirs in their recipes' deps.
        const deps = previous && !made.deps.includes(previous) ? [...made.deps, previous] : [...made.deps]
        const step: Step = {
          ...made,
          deps,
          ...(recipe === input.resetRecipe && !made.consent
            ? { consent: `wiping what an old cluster left on ${planHost.name}` }
            : {}),
        }
        steps.push(step)
        planHost.steps.push(step.id)
        previous = step.id
      }
    }
  }
  refuseCycles(steps)
  const problems = [...(input.extraProblems ?? []), ...validation.problems]
  return {
    cluster: spec.metadata.name,
    spec,
    specHash: specHash(spec),
    createdAt: input.now.toISOString(),
    kubernetes: input.kubernetes,
    ...(validation.quorum ? { quorum: validation.quorum } : {}),
    problems,
    blocked: validation.blocked || problems.some((p) => p.severity === 'blocking'),
    hosts,
    steps,
  }
}

/**
 * A plan whose steps wait for each other in a circle would never run a step of that circle (the
 * runner would report them all as blocked): a recipe bug, said as such when the plan is made.
 */
function refuseCycles(steps: readonly Step[]): void {
  const byId = new Map(steps.map((s) => [s.id, s]))
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return
    if (state.get(id) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(id)), id]
      throw new AppError(
        'INTERNAL',
        `The plan's steps wait for each other in a circle (${cycle.join(' → ')}); the plan cannot be made.`,
      )
    }
    state.set(id, 'visiting')
    for (const dep of byId.get(id)?.deps ?? []) visit(dep, [...path, id])
    state.set(id, 'done')
  }
  for (const s of steps) visit(s.id, [])
}

/** What the checks found for one step. */
export interface CheckOutcome {
  state: Exclude<StepCheckState, 'not-checked'>
  detail?: string
}

/** The plan as every transport shows it; steps without a check outcome are `not-checked`. */
export function renderPlan(plan: Plan, checks: ReadonlyMap<string, CheckOutcome> = new Map()): PlanView {
  const hostsById = new Map(plan.hosts.map((h) => [h.host.id, h]))
  const steps = plan.steps.map((step) => {
    const outcome = checks.get(step.id)
    return {
      id: step.id,
      hostId: step.hostId,
      host: hostsById.get(step.hostId)?.name ?? step.hostId,
      kind: step.kind,
      title: step.title,
      deps: [...step.deps],
      actions: plannedActions(step),
      check: [checkText(step.check)],
      status: outcome?.state ?? ('not-checked' as const),
      ...(outcome?.detail ? { detail: outcome.detail } : {}),
      ...(step.consent ? { consent: step.consent } : {}),
    }
  })
  const count = (state: StepCheckState) => steps.filter((s) => s.status === state).length
  const pinned = planFingerprint(plan)
  return {
    cluster: plan.cluster,
    specHash: plan.specHash,
    factsFingerprint: pinned.fingerprint,
    createdAt: plan.createdAt,
    kubernetes: { ...plan.kubernetes },
    ...(plan.quorum ? { quorum: plan.quorum } : {}),
    ...(plan.spec.spec.endpoint.address && plan.steps.length > 0
      ? { loadBalancer: externalLoadBalancerSnippet(clusterView(plan.spec, plan.hosts)) }
      : {}),
    problems: plan.problems,
    blocked: plan.blocked,
    hosts: plan.hosts.map((h) => ({
      hostId: h.host.id,
      host: h.name,
      roles: [...h.roles],
      steps: [...h.steps],
      ...(h.host.identification ? { probedAt: h.host.identification.at } : {}),
      factsHash: pinned.hosts.get(h.host.id)!,
    })),
    steps,
    summary: {
      steps: steps.length,
      done: count('done'),
      todo: count('todo'),
      unknown: count('unknown'),
      notChecked: count('not-checked'),
    },
  }
}

/**
 * What every recipe may know of the other hosts: names, addresses, roles, and the endpoint. An
 * `address` endpoint is the spec's; an HAProxy endpoint is its host's address (as the cluster
 * record stores it).
 */
export function clusterView(spec: ClusterSpecDocument, hosts: readonly PlanHost[]): RecipeContext['cluster'] {
  const { haproxy, address } = spec.spec.endpoint
  const parsed = address ? parseEndpoint(address) : null
  const lb = haproxy ? hosts.find((h) => h.roles.includes('haproxy')) : undefined
  return {
    hosts: hosts.map((h) => ({
      hostId: h.host.id,
      name: h.name,
      address: h.host.address,
      roles: [...h.roles],
      // The name its kubelet registers (kubeadm-config.ts nodeName): its hostname, lower-cased.
      ...(h.host.identification ? { nodeName: h.host.identification.hostname.trim().toLowerCase() } : {}),
    })),
    endpoint: parsed
      ? { host: parsed.host, port: parsed.port }
      : { host: lb?.host.address ?? haproxy?.host ?? '', port: haproxy?.port ?? DEFAULT_API_PORT },
  }
}
