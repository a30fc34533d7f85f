/**
 * The runner (issue 13 §2): executes a plan's steps as a DAG over SSH. Per step: check → (already
 * done: nothing runs) → actions → verify, polled until the step's deadline. Every state change goes
 * to the operation journal, so a crash, a kill -9 or a cancel leaves a record the next apply can
 * continue from: the next apply re-CHECKS every step (finished or interrupted) and applies only
 * what the check says is still to do, so no finished step is ever applied twice.
 *
 * Journal states (OpStep.state): `running` while checked/applied; `skipped` = the check said it
 * was already done, nothing was applied; `done` = applied and verified in this run; `failed`;
 * `cancelled`. Steps whose deps did not finish stay `pending` (the registry ends them `skipped`).
 */
import { AppError, toAppErrorData, type ErrorCode } from '../../../shared/errors'
import type { OperationContext } from '../operations/registry'
import type { SshService } from '../ssh/ssh-service'
import { runStepActions, checkStateOf, type ApiRunner, type CheckState, type Resolver } from '../plan/step-runner'
import type { Step, StepCheck } from '../plan/step'

/** What the runner needs of SshService (tests give a fake). */
export type RunnerSsh = Pick<SshService, 'run' | 'upload' | 'reboot' | 'readFile'>

export interface RunnerOptions {
  ssh: RunnerSsh
  ctx: OperationContext
  /** The host's name in messages (default: its id). */
  hostName?: (hostId: string) => string
  /** Steps running at once, across hosts (one host runs one step at a time). Default 4. */
  parallel?: number
  /** A step without its own `timeoutMs` must finish (actions + verify) within this. Default 10 min. */
  defaultTimeoutMs?: number
  /** Pause between two polls of a verify that does not say done yet. Default 2 s. */
  verifyPollMs?: number
  /** Pause before re-checking a step after a transient SSH failure. Default 3 s. */
  retryDelayMs?: number
  /** How many times a step is tried when SSH fails transiently. Default 4. */
  attempts?: number
  /** Ids of steps with `consent` the user agreed to; any other consent step is refused. */
  consented?: ReadonlySet<string>
  /** Resolves secrets and template fills (PKI keys, fresh bootstrap tokens) when a step writes them. */
  resolve?: Resolver
  /** Runs and checks the steps' Kubernetes API calls (CNI manifest, waiting for nodes). */
  api?: ApiRunner
  /** Called after a reboot step was applied (e.g. re-probe the host's facts). */
  afterReboot?: (hostId: string, ctx: OperationContext) => Promise<void>
}

export type StepOutcome = 'done' | 'skipped' | 'failed' | 'cancelled' | 'blocked'

export interface RunResult {
  /** Per step id. `blocked`: not run because a step it depends on did not finish. */
  outcomes: Map<string, StepOutcome>
  /** Steps this run applied (their actions ran), in the order they finished. */
  applied: string[]
  /** The failures, each a sentence naming host, step, command, output tail and what to do next. */
  failures: { stepId: string; hostId: string; error: AppError }[]
}

/** SSH failures that say nothing about the step itself: the connection or the host was away. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set(['CONNECTION_LOST', 'UNREACHABLE', 'TIMEOUT'])
/** Failures of this computer's own vault or keychain (a step's CA files come from there), not of the host. */
const LOCAL: ReadonlySet<ErrorCode> = new Set([
  'VAULT_LOCKED',
  'VAULT_PASSPHRASE',
  'VAULT_CORRUPT',
  'VAULT_KEY_MISSING',
  'KEYCHAIN_UNAVAILABLE',
])
const BLOCKING: ReadonlySet<StepOutcome | undefined> = new Set(['failed', 'blocked', 'cancelled'])

export async function runPlanSteps(steps: readonly Step[], options: RunnerOptions): Promise<RunResult> {
  const { ctx } = options
  const parallel = Math.max(1, options.parallel ?? 4)
  const byId = new Map(steps.map((s) => [s.id, s]))
  for (const step of steps)
    for (const dep of step.deps)
      if (!byId.has(dep)) throw new AppError('INTERNAL', `Step ${step.id} depends on ${dep}, which the plan lacks.`)
  ctx.steps?.(steps.map((s) => ({ stepId: s.id, hostId: s.hostId })))

  const outcomes = new Map<string, StepOutcome>()
  const applied: string[] = []
  const failures: RunResult['failures'] = []
  const busyHosts = new Set<string>()
  const running = new Set<Promise<void>>()
  let cancelled = false
  let ended = 0

  const finished = (id: string) => outcomes.get(id) === 'done' || outcomes.get(id) === 'skipped'
  const started = new Set<string>()
  const next = (): Step | undefined =>
    cancelled ? undefined : steps.find((s) => !started.has(s.id) && !busyHosts.has(s.hostId) && s.deps.every(finished))

  for (;;) {
    // A step whose dependency failed (or was blocked) cannot run in this apply.
    for (const s of steps) {
      if (!started.has(s.id) && s.deps.some((d) => BLOCKING.has(outcomes.get(d)))) {
        started.add(s.id)
        outcomes.set(s.id, 'blocked')
      }
    }
    let step: Step | undefined
    while (running.size < parallel && (step = next())) {
      const s = step
      busyHosts.add(s.hostId)
      started.add(s.id)
      const task = runOne(s, options).then(
        (outcome) => {
          outcomes.set(s.id, outcome.state)
          if (outcome.applied) applied.push(s.id)
        },
        (error: unknown) => {
          const data = toAppErrorData(error)
          if (data.code === 'CANCELLED') {
            cancelled = true
            outcomes.set(s.id, 'cancelled')
          } else {
            outcomes.set(s.id, 'failed')
            failures.push({
              stepId: s.id,
              hostId: s.hostId,
              error: error instanceof AppError ? error : new AppError(data.code, data.message),
            })
          }
        },
      )
      const tracked = task.finally(() => {
        busyHosts.delete(s.hostId)
        running.delete(tracked)
        // The operation's bar: steps ended of all steps (the tray shows per-host steps from the journal events).
        ctx.progress({ step: `${s.id}: ${outcomes.get(s.id)}`, done: ++ended, total: steps.length })
      })
      running.add(tracked)
    }
    if (running.size === 0) break
    await Promise.race(running)
    if (ctx.signal.aborted) cancelled = true
  }
  if (cancelled || ctx.signal.aborted) throw new AppError('CANCELLED', 'The operation was cancelled.')
  for (const s of steps) if (!outcomes.has(s.id)) outcomes.set(s.id, 'blocked')
  return { outcomes, applied, failures }
}

/** One step: check, apply when needed, verify; retried from its check after a transient SSH failure. */
async function runOne(step: Step, options: RunnerOptions): Promise<{ state: 'done' | 'skipped'; applied: boolean }> {
  const { ctx } = options
  const name = options.hostName?.(step.hostId) ?? step.hostId
  const log = (line: string) => ctx.log(line, step.hostId, step.id)
  const attempts = Math.max(1, options.attempts ?? 4)
  ctx.step?.(step.id, step.hostId, 'running')
  let applied = false
  for (let attempt = 1; ; attempt++) {
    // The deadline runs per attempt: a host that was away for a while gets its full time back.
    // Everything logged while the step works (its commands and their output) is filed under it, so
    // `flotilla logs --step` shows kubeadm's output next to the runner's lines.
    const stepCtx: OperationContext = {
      ...ctx,
      log: (line, nodeId, stepId) => ctx.log(line, nodeId ?? step.hostId, stepId ?? step.id),
    }
    const deadline = new Deadline(stepCtx, step.timeoutMs ?? options.defaultTimeoutMs ?? 10 * 60_000)
    let phase = 'checking whether it is already done'
    try {
      const check = await checkStep(options, step, step.check, deadline.ctx)
      if (check.state === 'done') {
        log(
          applied
            ? `done (${check.detail || 'the check says so'})`
            : `already done: ${check.detail || 'the check says so'}`,
        )
        ctx.step?.(step.id, step.hostId, applied ? 'done' : 'skipped')
        return { state: applied ? 'done' : 'skipped', applied }
      }
      if (check.state === 'unknown') {
        throw new AppError(
          'COMMAND_FAILED',
          `The check of ${step.id} could not tell whether it is done: ${check.detail}`,
        )
      }
      if (step.consent && !options.consented?.has(step.id)) {
        throw new AppError('INVALID_INPUT', `This step needs your consent (${step.consent}), which was not given.`)
      }
      phase = 'applying it'
      log(`applying (${check.detail || 'the check says it is to do'})`)
      applied = true
      await runStepActions(options.ssh as SshService, step, deadline.ctx, {
        resolve: options.resolve,
        api: options.api,
      })
      if (step.kind === 'reboot' && options.afterReboot) await options.afterReboot(step.hostId, deadline.ctx)
      phase = 'verifying it'
      const verify = step.verify ?? step.check
      for (;;) {
        const state = await checkStep(options, step, verify, deadline.ctx)
        if (state.state === 'done') {
          log(`done (${state.detail || 'verified'})`)
          ctx.step?.(step.id, step.hostId, 'done')
          return { state: 'done', applied: true }
        }
        log(`not verified yet: ${state.detail}`)
        await deadline.sleep(options.verifyPollMs ?? 2000)
      }
    } catch (error) {
      const data = toAppErrorData(deadline.reason(error))
      if (data.code === 'CANCELLED') {
        ctx.step?.(step.id, step.hostId, 'cancelled')
        throw error
      }
      if (TRANSIENT.has(data.code) && !deadline.expired && attempt < attempts) {
        // Never re-apply blindly: the next attempt starts with the check, which sees what landed.
        log(`${data.message} — checking the step again (attempt ${attempt + 1} of ${attempts})`)
        await sleep(options.retryDelayMs ?? 3000, ctx)
        continue
      }
      const next = LOCAL.has(data.code)
        ? `Next: this is about Flotilla's vault on this computer, not about ${name}: fix it as the message says, then run flotilla apply again; finished steps are only re-checked.`
        : `Next: fix the cause on ${name} (flotilla logs --host ${name} --step ${step.id} shows its output), then run flotilla apply again; finished steps are only re-checked.`
      const failure = new AppError(
        data.code,
        `${name}: step ${step.id} (${step.title}) failed while ${phase}: ${data.message} ${next}`,
        data.details,
      )
      ctx.step?.(step.id, step.hostId, 'failed', {
        error: failure,
        ...(typeof data.details?.exitCode === 'number' ? { exitStatus: data.details.exitCode } : {}),
      })
      throw failure
    } finally {
      deadline.clear()
    }
  }
}

/** Runs a check, throwing SSH failures (a transient one is retried by the caller) instead of "unknown". */
async function checkStep(
  options: RunnerOptions,
  step: Step,
  check: StepCheck,
  ctx: OperationContext,
): Promise<{ state: CheckState; detail: string }> {
  if (check.api) {
    if (!options.api)
      throw new AppError('INTERNAL', `${step.id} needs the Kubernetes API, which the engine was not given.`)
    return options.api.check(check.api, step, ctx)
  }
  const result = await options.ssh.run(step.hostId, check.command, { sudo: check.sudo }, ctx)
  return checkStateOf(result)
}

/**
 * A step's deadline: a context whose signal aborts on the user's cancel or when the time is up, so
 * the SSH layer stops the remote work either way; `reason` turns the abort into a TIMEOUT that says so.
 */
class Deadline {
  readonly ctx: OperationContext
  readonly #controller = new AbortController()
  readonly #timer: NodeJS.Timeout
  expired = false

  constructor(
    private readonly parent: OperationContext,
    private readonly ms: number,
  ) {
    this.#timer = setTimeout(() => {
      this.expired = true
      this.#controller.abort()
    }, ms)
    const signal = AbortSignal.any([parent.signal, this.#controller.signal])
    this.ctx = {
      ...parent,
      signal,
      throwIfCancelled: () => {
        parent.throwIfCancelled()
        if (this.expired) throw this.#timeout()
      },
    }
  }

  /** The user's cancel wins; else an abort caused by the deadline is a TIMEOUT that says so. */
  reason(error: unknown): unknown {
    if (this.parent.signal.aborted) return new AppError('CANCELLED', 'The operation was cancelled.')
    return this.expired ? this.#timeout() : error
  }

  #timeout(): AppError {
    return new AppError('TIMEOUT', `It did not finish within ${Math.round(this.ms / 1000)} s (the step's time limit).`)
  }

  sleep(ms: number): Promise<void> {
    return sleep(ms, this.ctx).then(() => this.ctx.throwIfCancelled())
  }

  clear(): void {
    clearTimeout(this.#timer)
  }
}

/** Waits, or rejects CANCELLED at once when the context's signal aborts. */
function sleep(ms: number, ctx: OperationContext): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ctx.signal.aborted) return reject(new AppError('CANCELLED', 'The operation was cancelled.'))
    const onAbort = () => {
      clearTimeout(timer)
      reject(new AppError('CANCELLED', 'The operation was cancelled.'))
    }
    const timer = setTimeout(() => {
      ctx.signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    ctx.signal.addEventListener('abort', onAbort, { once: true })
  })
}
