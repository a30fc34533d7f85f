/**
 * `reset:plan` and `reset:run` end to end (issue 13 §3). Plan: re-probe the hosts concerned when
 * their facts are older than a minute, ask the cluster whether it answers (drain and delete need
 * it), build the reset plan (reset-plan.ts) and run its read-only checks. Run: under the cluster's
 * apply lock (a reset and an apply of the same cluster never overlap), recompute the plan, refuse
 * it unless it is the reviewed one (apply's rule), let the runner check and apply every step, then
 * VERIFY: a re-probe of every reset host must find no leftovers. With `deletePki` (whole cluster
 * only), the cluster's CAs leave the vault only after every host was reset cleanly.
 */
import type { ResetOptions, ResetResult, ResetRunOptions } from '../../../shared/channels/reset'
import { AppError } from '../../../shared/errors'
import type { Cluster, Host } from '../../../shared/types'
import { hostName, resolveHostRef } from '../clusters/host-ref'
import { refuseUnreviewed } from '../apply/apply-service'
import type { ApplyLocks } from '../apply/apply-lock'
import { apiRunner } from '../apply/api-ops'
import '../apply/ops'
import { runPlanSteps, type RunnerSsh } from '../apply/runner'
import type { KubeClient } from '../kube/kube-client'
import type { OperationContext } from '../operations/registry'
import { runPlanChecks } from '../plan/check-runner'
import type { CheckOutcome, Plan } from '../plan/planner'
import type { SshService } from '../ssh/ssh-service'
import { buildResetPlan } from './reset-plan'

/** Facts older than this are probed again: the node name and leftovers the plan uses are the host's now. */
export const RESET_MAX_PROBE_AGE_MS = 60_000
/** How long the plan waits for the cluster's API to say whether it answers. */
const API_PROBE_MS = 10_000

export interface ResetServiceDeps {
  hosts: () => readonly Host[]
  identify: {
    probe(
      hostIds: string[],
      ctx: OperationContext,
    ): Promise<{ hostId: string; ok: boolean; error?: { message: string } }[]>
  }
  ssh: RunnerSsh & Pick<SshService, 'run'>
  kube: { kubeClient(clusterId: string): Promise<KubeClient> }
  locks: ApplyLocks
  pki: { show(clusterId: string): unknown; remove(clusterId: string): Promise<void> }
  now?: () => Date
}

export class ResetService {
  constructor(private readonly deps: ResetServiceDeps) {}

  async plan(
    cluster: Cluster,
    options: ResetOptions,
    ctx: OperationContext,
  ): Promise<{ plan: Plan; checks: Map<string, CheckOutcome> }> {
    const { plan } = await this.#build(cluster, options, ctx, (step, done) => ctx.progress({ step, done, total: 3 }))
    ctx.progress({ step: `Checking ${plan.steps.length} steps`, done: 2, total: 3 })
    const checks =
      plan.steps.length > 0 ? await runPlanChecks(this.deps.ssh, plan, ctx, this.#api(cluster.id)) : new Map()
    ctx.progress({ step: 'Planned', done: 3, total: 3 })
    return { plan, checks }
  }

  /**
   * The reset plan from fresh facts, as `plan` shows it and `run` recomputes it before running:
   * the hosts selected (none: the whole cluster), re-probed, and whether the cluster's API answers.
   */
  async #build(
    cluster: Cluster,
    options: ResetOptions,
    ctx: OperationContext,
    progress: (step: string, done: number) => void = () => undefined,
  ): Promise<{ plan: Plan }> {
    const selected = this.#selected(cluster, options.hosts ?? [])
    if (options.deletePki && selected.length > 0)
      throw new AppError('INVALID_INPUT', '--delete-pki goes with a reset of the whole cluster only (no --host).')
    progress('Refreshing host facts', 0)
    await this.#refresh(cluster, selected, ctx)
    progress("Asking the cluster's API", 1)
    const api = selected.length > 0 ? await this.#apiAnswers(cluster.id) : ({ answers: true } as const)
    const plan = buildResetPlan({
      spec: cluster.spec,
      hosts: this.deps.hosts(),
      selected,
      api,
      ...(options.deletePki ? { deletePki: true } : {}),
      kubernetes: { minor: cluster.spec.spec.kubernetesVersion },
      now: this.deps.now?.() ?? new Date(),
    })
    return { plan }
  }

  async run(cluster: Cluster, options: ResetRunOptions, ctx: OperationContext): Promise<ResetResult> {
    const lock = await this.deps.locks.acquire(cluster.name, ctx.id)
    try {
      if (lock.tookOver)
        ctx.log(
          `The apply lock of ${cluster.name} was left by process ${lock.tookOver.pid}, which is gone: taken over.`,
        )
      const { plan } = await this.#build(cluster, options, ctx)
      refuseUnreviewed(plan, options.reviewed)
      const names = new Map(plan.hosts.map((h) => [h.host.id, h.name]))
      const name = (id: string) => names.get(id) ?? id
      ctx.log(`Resetting: ${plan.steps.length} steps on ${plan.hosts.length} hosts.`)
      const run = await runPlanSteps(plan.steps, {
        ssh: this.deps.ssh,
        ctx,
        hostName: name,
        api: this.#api(cluster.id),
        ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
        afterReboot: async (hostId, c) => void (await this.deps.identify.probe([hostId], c)),
      })
      // Verify: what the probe sees on every host that was reset (not the endpoint or etcd source).
      const resetHosts = [
        ...new Set(plan.steps.filter((s) => s.kind === 'reset' && s.id.endsWith('/reset')).map((s) => s.hostId)),
      ]
      const probed = resetHosts.length ? await this.deps.identify.probe(resetHosts, ctx) : []
      const inventory = this.deps.hosts()
      const verified = resetHosts.map((hostId) => {
        const result = probed.find((p) => p.hostId === hostId)
        const leftovers = inventory.find((h) => h.id === hostId)?.identification?.leftovers ?? []
        if (!result?.ok)
          return { hostId, host: name(hostId), clean: false, leftovers, error: result?.error?.message ?? 'no answer' }
        return { hostId, host: name(hostId), clean: leftovers.length === 0, leftovers }
      })
      for (const v of verified) {
        const failure = run.failures.find((f) => f.hostId === v.hostId)
        ctx.itemResult?.(
          v.hostId,
          failure
            ? { ok: false, message: failure.error.message, code: failure.error.code }
            : v.clean
              ? { ok: true }
              : { ok: false, message: `the re-probe still finds: ${v.error ?? v.leftovers.join(', ')}` },
          v.host,
        )
      }
      const ids = (state: string) => plan.steps.filter((s) => run.outcomes.get(s.id) === state).map((s) => s.id)
      const ok = run.failures.length === 0 && ids('blocked').length === 0 && verified.every((v) => v.clean)
      let pkiDeleted = false
      if (options.deletePki && ok && this.deps.pki.show(cluster.id)) {
        await this.deps.pki.remove(cluster.id)
        pkiDeleted = true
        ctx.log(`The certificate authorities of ${cluster.name} were deleted from the vault.`)
      }
      return {
        cluster: cluster.name,
        applied: run.applied,
        skipped: ids('skipped'),
        failed: run.failures.map((f) => ({
          stepId: f.stepId,
          hostId: f.hostId,
          host: name(f.hostId),
          message: f.error.message,
        })),
        blocked: ids('blocked'),
        verified,
        pkiDeleted,
      }
    } finally {
      await lock.release()
    }
  }

  #api(clusterId: string) {
    return apiRunner({ clusterId, kube: this.deps.kube, ssh: this.deps.ssh })
  }

  /** Host references → ids; a reference that names no single host is refused. */
  #selected(cluster: Cluster, refs: readonly string[]): string[] {
    const hosts = this.deps.hosts()
    return refs.map((ref) => {
      const found = resolveHostRef(ref, hosts)
      if (found.length !== 1)
        throw new AppError(
          'HOST_NOT_FOUND',
          `"${ref}" ${found.length === 0 ? 'names no host' : 'names more than one host'} (see: flotilla hosts list); nothing of ${cluster.name} was changed.`,
        )
      return found[0]!.id
    })
  }

  /** Probes the hosts concerned (the selected ones, else all of the cluster's) whose facts are stale. */
  async #refresh(cluster: Cluster, selected: readonly string[], ctx: OperationContext): Promise<void> {
    const now = (this.deps.now?.() ?? new Date()).getTime()
    const hosts = this.deps.hosts()
    const refs = [
      ...(cluster.spec.spec.endpoint.haproxy ? [cluster.spec.spec.endpoint.haproxy.host] : []),
      ...cluster.spec.spec.nodes.map((n) => n.host),
    ]
    const ids = new Set(
      refs
        .flatMap((r) => resolveHostRef(r, hosts))
        .map((h) => h.id)
        .filter((id) => selected.length === 0 || selected.includes(id)),
    )
    const stale = hosts.filter(
      (h) => ids.has(h.id) && !(now - Date.parse(h.identification?.at ?? '') <= RESET_MAX_PROBE_AGE_MS),
    )
    if (stale.length === 0) return
    ctx.log(`Probing ${stale.map(hostName).join(', ')} again before planning the reset.`)
    await this.deps.identify.probe(
      stale.map((h) => h.id),
      ctx,
    )
  }

  async #apiAnswers(clusterId: string): Promise<{ answers: true } | { answers: false; reason: string }> {
    let timer: NodeJS.Timeout | undefined
    try {
      const client = await this.deps.kube.kubeClient(clusterId)
      await Promise.race([
        client.core.listNode({ limit: 1 }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${API_PROBE_MS / 1000} s`)), API_PROBE_MS)
        }),
      ])
      return { answers: true }
    } catch (error) {
      return {
        answers: false,
        reason: (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200),
      }
    } finally {
      clearTimeout(timer)
    }
  }
}
