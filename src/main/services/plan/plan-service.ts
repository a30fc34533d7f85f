/**
 * `plan:compute` end to end (issue 12), changing nothing anywhere: hosts whose facts are missing or
 * older than the plan allows are re-probed first (so the validator judges the machines as they are
 * now), the spec is validated, the recipes make the steps, the Kubernetes patch is resolved, and
 * the steps' read-only checks say what is already done.
 */
import { parseEndpoint } from '../../../shared/channels/clusters'
import type { ClusterSpecDocument } from '../../../shared/cluster-spec'
import type { Host, SpecProblem } from '../../../shared/types'
import { resolveHostRef, hostName } from '../clusters/host-ref'
import type { IdentifyService } from '../identify/identify-service'
import type { HostInventory } from '../inventory/host-inventory'
import type { OperationContext } from '../operations/registry'
import { runPlanChecks, type CheckRunner } from './check-runner'
import type { ApiRunner } from './step-runner'
import { resolvePatch } from './kubernetes-version'
import { buildPlan, type CheckOutcome, type Plan, type ValidationLike } from './planner'
import type { Recipe } from './step'

/** Facts older than this are probed again before planning (the issue: "fresh"). */
/** What the validator guards of a stored cluster: its endpoint, and once built its members and version. */
export interface ExistingCluster {
  endpoint: { host: string; port: number }
  built: boolean
  members?: string[]
  kubernetesVersion?: string
}

export const DEFAULT_MAX_PROBE_AGE_MS = 10 * 60_000

/** What the planner asks of the validator (validate.ts's validateSpec). */
export type Validate = (input: {
  spec: ClusterSpecDocument
  hosts: Host[]
  now: Date
  existing?: ExistingCluster
  endpointAddresses?: string[]
  resetConsent?: string[]
  maxProbeAgeMs?: number
}) => ValidationLike

export interface PlanServiceOptions {
  inventory: Pick<HostInventory, 'list'>
  identify: Pick<IdentifyService, 'probe'>
  ssh: CheckRunner
  validate: Validate
  /**
   * The Kubernetes API runner of the spec's cluster, for the steps checked through the API (only a
   * cluster with a build record has an API to ask); none: those steps are "not checked".
   */
  apiFor?: (spec: ClusterSpecDocument) => ApiRunner | undefined
  recipes: readonly Recipe[]
  resetRecipe?: Recipe | undefined
  /**
   * Logs in to hosts Flotilla never logged in to (ssh check: user, sudo) and records the result,
   * so a plan does not block on "login unchecked" for a host it can reach anyway.
   */
  checkLogins?: (hostIds: string[], ctx: OperationContext) => Promise<void>
  /** Resolves an `address` endpoint's name (validate.ts's resolveEndpointName). */
  resolveName?: (name: string) => Promise<string[]>
  now?: () => Date
}

export interface PlanRequest {
  spec: ClusterSpecDocument
  /** Host references (label, address or id) whose leftovers the user agreed to wipe. */
  resetConsent?: readonly string[]
  /** Run the steps' checks over SSH (default true). */
  checks?: boolean
  maxProbeAgeMs?: number
  /** The stored cluster, when the spec is one's (the validator guards what may not change). */
  existing?: ExistingCluster
}

export class PlanService {
  constructor(private readonly options: PlanServiceOptions) {}

  async compute(
    request: PlanRequest,
    ctx: OperationContext,
  ): Promise<{ plan: Plan; checks: Map<string, CheckOutcome> }> {
    const { spec } = request
    const now = () => this.options.now?.() ?? new Date()
    const maxAge = request.maxProbeAgeMs ?? DEFAULT_MAX_PROBE_AGE_MS
    const extraProblems: SpecProblem[] = []

    ctx.progress({ step: 'Refreshing host facts', done: 0, total: 4 })
    extraProblems.push(...(await this.#refreshStale(spec, maxAge, ctx)))
    ctx.throwIfCancelled()
    const unchecked = specHosts(spec, this.options.inventory.list()).filter((h) => h.hostKey && !h.lastLogin)
    if (unchecked.length > 0 && this.options.checkLogins) {
      ctx.log(`Logging in to ${unchecked.map(hostName).join(', ')}: Flotilla has not checked their login and sudo yet.`)
      await this.options.checkLogins(
        unchecked.map((h) => h.id),
        ctx,
      )
      ctx.throwIfCancelled()
    }

    ctx.progress({ step: 'Validating the spec', done: 1, total: 4 })
    const hosts = this.options.inventory.list()
    const consent = resolveConsent(request.resetConsent ?? [], hosts, extraProblems)
    if (consent.length > 0 && !this.options.resetRecipe) {
      // Consent unblocks leftovers only because a reset step is planned; without a reset recipe
      // there would be none, and the plan would promise what it does not show.
      extraProblems.push(noResetRecipe(consent.map((id) => hosts.find((h) => h.id === id)!)))
      consent.length = 0
    }
    const address = spec.spec.endpoint.address ? parseEndpoint(spec.spec.endpoint.address) : null
    const endpointAddresses =
      address && this.options.resolveName ? await this.options.resolveName(address.host) : undefined
    const validation = this.options.validate({
      spec,
      hosts,
      now: now(),
      resetConsent: consent,
      maxProbeAgeMs: maxAge,
      ...(request.existing ? { existing: request.existing } : {}),
      ...(endpointAddresses ? { endpointAddresses } : {}),
    })

    const minor = spec.spec.kubernetesVersion
    let kubernetes: { minor: string; patch?: string } = { minor }
    const reachable = validation.nodes.map((n) => n.host.id)
    if (request.checks !== false) {
      ctx.progress({ step: `Resolving Kubernetes ${minor}`, done: 2, total: 4 })
      const resolved = await resolvePatch(this.options.ssh, reachable, minor, ctx)
      if (resolved.patch) kubernetes = { minor, patch: resolved.patch }
      if (resolved.problem) extraProblems.push(resolved.problem)
    }

    const plan = buildPlan({
      spec,
      validation,
      recipes: this.options.recipes,
      resetRecipe: this.options.resetRecipe,
      resetConsent: consent,
      kubernetes,
      extraProblems,
      now: now(),
    })
    ctx.throwIfCancelled()
    let checks = new Map<string, CheckOutcome>()
    if (request.checks !== false && plan.steps.length > 0) {
      ctx.progress({ step: `Checking ${plan.steps.length} steps on ${plan.hosts.length} hosts`, done: 3, total: 4 })
      checks = await runPlanChecks(this.options.ssh, plan, ctx, this.options.apiFor?.(spec))
    }
    ctx.progress({ step: 'Planned', done: 4, total: 4 })
    return { plan, checks }
  }

  /** Probes the spec's hosts whose facts are missing or too old; a host that fails is a problem. */
  async #refreshStale(spec: ClusterSpecDocument, maxAgeMs: number, ctx: OperationContext): Promise<SpecProblem[]> {
    const now = (this.options.now?.() ?? new Date()).getTime()
    const hosts = this.options.inventory.list()
    const wanted = specHosts(spec, hosts)
    const stale = wanted.filter((h) => {
      const at = h.identification ? Date.parse(h.identification.at) : NaN
      return !(now - at <= maxAgeMs)
    })
    if (stale.length === 0) return []
    ctx.log(
      `Probing ${stale.map(hostName).join(', ')} again: the plan needs facts at most ${Math.round(maxAgeMs / 60_000)} min old.`,
    )
    const results = await this.options.identify.probe(
      stale.map((h) => h.id),
      ctx,
    )
    return results.flatMap((r): SpecProblem[] => {
      if (r.ok) return []
      const host = stale.find((h) => h.id === r.hostId)!
      const name = hostName(host)
      return [
        {
          code: 'host-unreachable',
          severity: 'blocking',
          message: `${name} could not be probed again, so the plan cannot rely on what it knows of it: ${r.error?.message ?? 'it did not answer'}`,
          next: `Check that ${name} is on and that you can log in (flotilla ssh check ${name}), then plan again.`,
          hostId: host.id,
          host: name,
        },
      ]
    })
  }
}

/** The inventory hosts the spec names (nodes and the HAProxy host), each once; unknown refs are the validator's. */
export function specHosts(spec: ClusterSpecDocument, hosts: readonly Host[]): Host[] {
  const refs = [
    ...(spec.spec.endpoint.haproxy ? [spec.spec.endpoint.haproxy.host] : []),
    ...spec.spec.nodes.map((n) => n.host),
  ]
  const found = new Map<string, Host>()
  for (const ref of refs) {
    const matches = resolveHostRef(ref, hosts)
    if (matches.length === 1) found.set(matches[0]!.id, matches[0]!)
  }
  return [...found.values()]
}

/** Consent given by host reference → host ids; a reference that names no host is a blocking problem. */
function resolveConsent(refs: readonly string[], hosts: readonly Host[], problems: SpecProblem[]): string[] {
  const ids: string[] = []
  for (const ref of refs) {
    const matches = resolveHostRef(ref, hosts)
    if (matches.length === 1) ids.push(matches[0]!.id)
    else
      problems.push({
        code: 'reset-consent-unknown-host',
        severity: 'blocking',
        message: `The reset was agreed for "${ref}", which ${matches.length === 0 ? 'names no host' : 'names more than one host'}.`,
        next: 'Name the host by its label, address or id, as flotilla hosts list shows it.',
      })
  }
  return ids
}

function noResetRecipe(hosts: Host[]): SpecProblem {
  const names = hosts.map(hostName).join(', ')
  return {
    code: 'reset-not-available',
    severity: 'blocking',
    message: `You agreed to wipe the leftovers on ${names}, but this version of Flotilla has no reset steps to plan yet.`,
    next: `Reset ${hosts.length === 1 ? 'it' : 'them'} by hand (e.g. sudo kubeadm reset -f, then remove /etc/kubernetes, /var/lib/etcd, /etc/cni/net.d), probe again and plan again.`,
  }
}
