import type { PlanInvoke } from '../../shared/channels/plan'
import type { ClusterSpecDocument } from '../../shared/cluster-spec'
import { AppError } from '../../shared/errors'
import type { Cluster, PlanView } from '../../shared/types'
import type { Services } from '../app'
import { readSpecYaml } from '../services/clusters/spec-yaml'
import { recordLastResults } from '../services/inventory/last-results'
import { PlanService, type PlanRequest } from '../services/plan/plan-service'
import { renderPlan } from '../services/plan/planner'
import { planScripts } from '../services/plan/script-writer'
import { BUILD_RECIPES, resetRecipe } from '../services/plan/recipes'
import { engineEnv } from '../services/apply/engine-env'
import { resolveEndpointName, validateSpec } from '../services/plan/validate'
import type { HandlersOf } from '../transport/dispatcher'

/** The plan service as every handler builds it (plan:compute, apply:run plan the same way). */
export function createPlanService(services: Services): PlanService {
  const { inventory, identify, ssh, clusters } = services
  return new PlanService({
    inventory,
    identify,
    ssh,
    apiFor: (spec) => {
      const cluster = clusters.find(spec.metadata.name)
      return cluster?.build ? engineEnv(services, cluster.id).api : undefined
    },
    validate: validateSpec,
    recipes: BUILD_RECIPES,
    resetRecipe,
    resolveName: resolveEndpointName,
    checkLogins: async (hostIds, ctx) =>
      recordLastResults(inventory, 'lastLogin', await ssh.check(hostIds, ctx), new Date().toISOString()),
  })
}

/**
 * The spec to plan: the file's (`specYaml`), else the stored cluster's; that stored cluster; and
 * what the validator must guard of it (`guard`, absent for a new cluster).
 */
export function specFor(
  clusters: Services['clusters'],
  ref: string,
  specYaml: string | undefined,
): { spec: ClusterSpecDocument; existing: Cluster | undefined; guard: ExistingCluster | undefined } {
  const existing = clusters.find(ref)
  const spec = specYaml !== undefined ? readSpecYaml(specYaml) : existing?.spec
  if (!spec)
    throw new AppError(
      'CLUSTER_NOT_FOUND',
      `No cluster "${ref}" (see: flotilla clusters list), and no spec file was given.`,
    )
  if (specYaml !== undefined && spec.metadata.name !== ref.trim().toLowerCase() && existing?.id !== ref) {
    throw new AppError(
      'INVALID_INPUT',
      `The spec file is for cluster "${spec.metadata.name}", not "${ref}": plan it as ${spec.metadata.name}, or fix metadata.name.`,
    )
  }
  return { spec, existing, guard: existing && existingCluster(existing) }
}

type ExistingCluster = NonNullable<PlanRequest['existing']>

/**
 * What may not change about a stored cluster. A cluster being built counts as built: what its
 * member hosts carry is its own (a resumed apply must not see its own work as old leftovers).
 */
function existingCluster(cluster: Cluster): ExistingCluster {
  return {
    endpoint: { host: cluster.endpointHost, port: cluster.endpointPort },
    built: cluster.build !== undefined,
    ...(cluster.build ? { members: [...cluster.build.members] } : {}),
    ...(cluster.build?.kubernetesVersion ? { kubernetesVersion: cluster.build.kubernetesVersion } : {}),
  }
}

/** How many computed plans `plan:scripts` can still find (the newest; a review needs only its own). */
const KEPT_PLANS = 20

/**
 * `plan:compute`: an operation that changes nothing (re-probes, validation, read-only checks);
 * `plan:scripts`: a plan it made, as scripts. Plans are kept here, not in the operation's result:
 * the registry keeps only small results, and a plan with its files is not small.
 */
export function planHandlers(services: Services): HandlersOf<PlanInvoke> {
  const { ops, clusters } = services
  const service = createPlanService(services)
  const kept = new Map<string, PlanView>()
  const keep = (opId: string, view: PlanView) => {
    kept.set(opId, view)
    for (const old of kept.keys()) if (kept.size > KEPT_PLANS) kept.delete(old)
    return view
  }
  return {
    'plan:scripts': (planOpId, ref) => {
      const view = kept.get(planOpId)
      if (!view)
        throw new AppError(
          'OPERATION_NOT_FOUND',
          'That plan is no longer kept (Flotilla keeps the newest plans while it runs): plan again, then download its scripts.',
        )
      const name = clusters.find(ref)?.name ?? ref.trim().toLowerCase()
      if (view.cluster !== name)
        throw new AppError('INVALID_INPUT', `That plan is of cluster "${view.cluster}", not "${name}".`)
      return planScripts(view)
    },
    'plan:compute': (opId, ref, options) => {
      const { spec, existing, guard } = specFor(clusters, ref, options.specYaml)
      return ops.run(
        {
          id: opId,
          kind: 'plan:compute',
          title: `Planning ${spec.metadata.name}`,
          total: 4,
          // The journal files the operation under its cluster (a spec from a file may have none yet).
          ...(existing ? { clusterId: existing.id } : {}),
        },
        async (ctx) => {
          const { plan, checks } = await service.compute(
            {
              spec,
              ...(options.resetConsent ? { resetConsent: options.resetConsent } : {}),
              checks: options.checks !== false,
              ...(guard ? { existing: guard } : {}),
              ...(options.maxProbeAgeSec !== undefined ? { maxProbeAgeMs: options.maxProbeAgeSec * 1000 } : {}),
            },
            ctx,
          )
          return keep(opId, renderPlan(plan, checks))
        },
      )
    },
  }
}
