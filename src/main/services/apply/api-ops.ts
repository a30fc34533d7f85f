/**
 * The engine's Kubernetes API operations (issue 13 §1): what a step's `api` action or check names
 * by `op`. They run on the desktop with an admin client minted in memory from the vault, through the
 * cluster's endpoint (services/kube/kube-client.ts), never with a kubeconfig file. A new flavour adds
 * ops here, not a second engine.
 *
 * A check that cannot reach the API server says "to do" with the reason (the cluster is not up yet,
 * or the endpoint is down): the runner then applies or keeps polling the verify until its deadline.
 * A refusal (401/403) is "unknown": the credential is wrong, which waiting does not fix.
 */
import { AppError, toAppErrorData } from '../../../shared/errors'
import type { KubeClient } from '../kube/kube-client'
import type { OperationContext } from '../operations/registry'
import type { ApiCall, Step } from '../plan/step'
import type { ApiRunner, CheckState } from '../plan/step-runner'
import type { RunnerSsh } from './runner'

export type ApiArgs = ApiCall['args']

/** What an op may use: the cluster's client, SSH (to read a file a step left on a host), the step. */
export interface ApiOpEnv {
  clusterId: string
  client(): Promise<KubeClient>
  ssh: RunnerSsh
  step: Step
  ctx: OperationContext
}

export interface ApiOp {
  /** Does the op's work; absent for a check-only op. */
  run?(args: ApiArgs, env: ApiOpEnv): Promise<void>
  check(args: ApiArgs, env: ApiOpEnv): Promise<{ state: CheckState; detail: string }>
}

const OPS = new Map<string, ApiOp>()

/** Registers an op under its name (each op module calls this once). */
export function defineApiOp(name: string, op: ApiOp): void {
  if (OPS.has(name)) throw new Error(`API op ${name} is defined twice`)
  OPS.set(name, op)
}

export function apiOp(name: string): ApiOp {
  const op = OPS.get(name)
  if (!op) throw new AppError('INTERNAL', `The engine has no Kubernetes API operation "${name}".`)
  return op
}

export interface ApiRunnerDeps {
  clusterId: string
  kube: { kubeClient(clusterId: string): Promise<KubeClient> }
  ssh: RunnerSsh
}

/** Binds the ops to one cluster: the ApiRunner the runner and the plan's checks use. */
export function apiRunner(deps: ApiRunnerDeps): ApiRunner {
  const env = (step: Step, ctx: OperationContext): ApiOpEnv => ({
    clusterId: deps.clusterId,
    client: () => deps.kube.kubeClient(deps.clusterId),
    ssh: deps.ssh,
    step,
    ctx,
  })
  return {
    async run(call, step, ctx) {
      const op = apiOp(call.op)
      if (!op.run) throw new AppError('INTERNAL', `The API operation "${call.op}" only checks.`)
      ctx.log(`through the Kubernetes API: ${call.text}`, step.hostId, step.id)
      await op.run(call.args, env(step, ctx))
    },
    async check(call, step, ctx) {
      try {
        return await apiOp(call.op).check(call.args, env(step, ctx))
      } catch (error) {
        return unreachable(error)
      }
    },
  }
}

/** A check's answer when the API call itself failed. */
export function unreachable(error: unknown): { state: CheckState; detail: string } {
  const data = toAppErrorData(error)
  if (data.code === 'CANCELLED') throw error
  const status = httpStatus(error)
  if (status === 401 || status === 403)
    return { state: 'unknown', detail: `the API server refused Flotilla's admin credential (HTTP ${status})` }
  return { state: 'todo', detail: `the cluster's API does not answer yet (${oneLine(errorText(error))})` }
}

/** The HTTP status of a client-node error, if it has one. */
export function httpStatus(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } }
  for (const v of [e?.code, e?.statusCode, e?.response?.statusCode]) if (typeof v === 'number') return v
  return undefined
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}

function oneLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 200)
}

/** Reads an array argument (the plan's args are plain data). */
export function listArg(args: ApiArgs, name: string): readonly string[] {
  const v = args[name]
  if (!Array.isArray(v)) throw new AppError('INTERNAL', `API op argument ${name} must be a list.`)
  return v as readonly string[]
}

export function stringArg(args: ApiArgs, name: string): string {
  const v = args[name]
  if (typeof v !== 'string') throw new AppError('INTERNAL', `API op argument ${name} must be text.`)
  return v
}
