/**
 * The minimal executor of a step: its actions in order through SshService, and its check. The
 * engine (next issue) wraps these with the journal, consent and a verify-after-run; nothing here
 * decides whether a step should run.
 *
 * - `run` actions go through SshService.run (sudo as the action says); a non-zero exit stops the
 *   step with the command's output in the error.
 * - `write` actions are skipped when the file already has exactly this content, mode and owner, so
 *   a step run twice changes nothing the second time (an upload always renames a new file in).
 * - The reboot action (REBOOT_COMMAND) is performed as an orchestrated reboot (SshService.reboot:
 *   issued detached, then waits for a new boot id and the same host key).
 * - `api` actions and checks go to the engine's ApiRunner (the desktop's admin client, apply/api-ops.ts).
 * - Secrets and template fills come from the Resolver at the moment the file is written (a bootstrap
 *   token is created just before use), never earlier and never into a log.
 */
import { createHash } from 'node:crypto'
import { AppError } from '../../../shared/errors'
import type { OperationContext } from '../operations/registry'
import type { Secret } from '../secrets/secret'
import { expectSuccess, type ExecResult } from '../ssh/exec'
import { sh } from '../ssh/shell-command'
import type { SshService } from '../ssh/ssh-service'
import { isRebootAction } from './recipes/pi-cmdline'
import { PLACEHOLDER, type ApiCall, type Step, type StepAction, type StepCheck } from './step'

export type CheckState = 'done' | 'todo' | 'unknown'

/** Runs and checks the steps' API calls (apply/api-ops.ts binds them to the cluster's client). */
export interface ApiRunner {
  run(call: ApiCall, step: Step, ctx: OperationContext): Promise<void>
  check(call: ApiCall, step: Step, ctx: OperationContext): Promise<{ state: CheckState; detail: string }>
}

/** A named value a step writes: a secret (`{ secret }`) or a template's fill, made when needed. */
export type Resolver = (name: string, step: Step, ctx: OperationContext) => Promise<Secret>

/** What a step may need beyond SSH. */
export interface StepEnv {
  resolve?: Resolver | undefined
  api?: ApiRunner | undefined
}

/** Runs a step's actions in order; throws on the first that fails. */
export async function runStepActions(
  ssh: SshService,
  step: Step,
  ctx: OperationContext,
  env: StepEnv = {},
): Promise<void> {
  for (const action of step.actions) {
    ctx.throwIfCancelled()
    if (isRebootAction(action)) {
      await ssh.reboot(step.hostId, ctx)
    } else if (action.type === 'run') {
      const result = await ssh.run(step.hostId, action.command, { sudo: action.sudo }, ctx)
      expectSuccess(withOutputTail(result), `${step.title}: ${action.command.text.split('\n')[0]}`)
    } else if (action.type === 'api') {
      if (!env.api) throw new AppError('INTERNAL', `${step.title}: the Kubernetes API is not available to the engine.`)
      await env.api.run(action.call, step, ctx)
    } else {
      await write(ssh, step, action, ctx, env.resolve)
    }
  }
}

/**
 * A failed command's error carries the tail of its stderr; a tool that reports on stdout (kubeadm's
 * preflight errors, as its log is echoed) gets its stdout's tail there instead, so the failure says why.
 */
function withOutputTail(result: ExecResult): ExecResult {
  if (result.exitCode === 0 || result.stderr.trim()) return result
  return { ...result, stderr: result.stdout.toString('utf8') }
}

/** A file's content with its secret or fills resolved (only here, just before the upload). */
async function contentOf(
  step: Step,
  action: Extract<StepAction, { type: 'write' }>,
  ctx: OperationContext,
  resolve?: Resolver,
): Promise<string> {
  const c = action.content
  if ('text' in c) return c.text
  const need = (name: string) => {
    if (!resolve) throw new AppError('INVALID_INPUT', `${step.title}: no value was given for "${name}".`)
    return resolve(name, step, ctx)
  }
  if ('secret' in c) return (await need(c.secret)).reveal()
  const names = [...new Set([...c.template.matchAll(PLACEHOLDER)].map((m) => m[1]!))]
  const values = new Map<string, string>()
  for (const name of names) values.set(name, (await need(name)).reveal())
  return c.template.replace(PLACEHOLDER, (_, name: string) => values.get(name)!)
}

async function write(
  ssh: SshService,
  step: Step,
  action: Extract<StepAction, { type: 'write' }>,
  ctx: OperationContext,
  resolve?: Resolver,
): Promise<void> {
  const content = await contentOf(step, action, ctx, resolve)
  const [owner, group] = action.owner.split(':') as [string, string | undefined]
  const mode = action.mode.toString(8)
  // Read as root: the file may be a key only root can read. Prints nothing when it does not exist.
  const current = await ssh.run(
    step.hostId,
    sh`if [ -f ${action.path} ]; then stat -c '%a %U:%G' -- ${action.path} && sha256sum < ${action.path}; fi`,
    { sudo: true },
    ctx,
  )
  const [stat, sum] = expectSuccess(current, `Reading ${action.path}`).stdout.toString().split('\n')
  const wanted = createHash('sha256').update(content).digest('hex')
  if (stat === `${mode} ${owner}:${group ?? owner}` && sum?.split(' ')[0] === wanted) {
    ctx.log(`${action.path} is already as planned`, step.hostId)
    return
  }
  await ssh.upload(
    step.hostId,
    action.path,
    content,
    { mode: action.mode, owner, ...(group ? { group } : {}), sudo: true },
    ctx,
  )
}

/**
 * Runs a step's check: exit 0 = done, 1 = to do, anything else (or no answer) = unknown. `detail`
 * is the first line the check printed, or why it could not tell.
 */
export async function runCheck(
  ssh: SshService,
  step: Step,
  ctx: OperationContext,
  env: StepEnv = {},
  check: StepCheck = step.check,
): Promise<{ state: CheckState; detail: string }> {
  try {
    if (check.api) {
      if (!env.api) return { state: 'unknown', detail: 'checked through the Kubernetes API when it is applied' }
      return await env.api.check(check.api, step, ctx)
    }
    return checkStateOf(await ssh.run(step.hostId, check.command, { sudo: check.sudo }, ctx))
  } catch (error) {
    if (error instanceof AppError && error.code === 'CANCELLED') throw error
    return { state: 'unknown', detail: error instanceof Error ? error.message : String(error) }
  }
}

/** A check's answer from its command's result (exit 0 done, 1 to do, else unknown). */
export function checkStateOf(result: ExecResult): { state: CheckState; detail: string } {
  const first = result.stdout.toString().split('\n')[0]?.trim() ?? ''
  if (result.exitCode === 0) return { state: 'done', detail: first }
  if (result.exitCode === 1) return { state: 'todo', detail: first }
  const why = first || result.stderr.trim().split('\n')[0] || ''
  return {
    state: 'unknown',
    detail: `the check failed (exit ${result.exitCode ?? result.signal})${why ? `: ${why}` : ''}`,
  }
}
