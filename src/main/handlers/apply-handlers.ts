import { join } from 'node:path'
import type { ApplyInvoke } from '../../shared/channels/apply'
import type { AppInfo } from '../../shared/types'
import type { Services } from '../app'
import { ApplyLocks } from '../services/apply/apply-lock'
import { ApplyService } from '../services/apply/apply-service'
import { engineEnv } from '../services/apply/engine-env'
import type { HandlersOf } from '../transport/dispatcher'
import { createPlanService, specFor } from './plan-handlers'

/** `apply:run` (an operation under the cluster's apply lock), and the lock itself: who holds it, break it. */
export function applyHandlers(services: Services, info: AppInfo): HandlersOf<ApplyInvoke> {
  const { ops, clusters, ssh, identify } = services
  const locks = new ApplyLocks(join(info.dataDir, 'apply'))
  const service = new ApplyService({
    plans: createPlanService(services),
    locks,
    env: (clusterId) => engineEnv(services, clusterId),
    afterRun: async (hostIds, ctx) => void (await identify.probe(hostIds, ctx)),
    builds: clusters,
    runner: {
      ssh,
      // The orchestrated reboot changed the host (a Pi's memory cgroup): what Flotilla knows follows.
      afterReboot: async (hostId, ctx) => void (await identify.probe([hostId], ctx)),
    },
  })
  const nameOf = (ref: string) => clusters.find(ref)?.name ?? ref.trim().toLowerCase()
  return {
    'apply:run': async (opId, ref, options) => {
      const found = specFor(clusters, ref, options.specYaml)
      const { spec, guard } = found
      // A spec from a file that is no stored cluster yet becomes one: its CAs, its build record and
      // its kubeconfigs hang on the record's id. (Stored as it is; the plan has already validated it.)
      const existing =
        found.existing ?? clusters.get((await clusters.import(spec as unknown as Record<string, unknown>)).id)
      return ops.run(
        {
          id: opId,
          kind: 'apply:run',
          title: `Applying ${spec.metadata.name}`,
          clusterId: existing.id,
          durableResult: true,
        },
        (ctx) =>
          service.apply(
            {
              spec,
              reviewed: options.reviewed,
              ...(options.resetConsent ? { resetConsent: options.resetConsent } : {}),
              ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
              ...(guard ? { existing: guard } : {}),
              clusterId: existing.id,
            },
            ctx,
          ),
      )
    },
    'apply:lock': (ref) => locks.read(nameOf(ref)),
    'apply:break-lock': (ref) => locks.break(nameOf(ref)),
  }
}
