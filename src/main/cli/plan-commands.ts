/**
 * `flotilla plan NAME [-f FILE] [--json] [--script DIR] [--reset-leftovers HOST]… [--no-checks]`
 * (issue 12): the complete plan of a cluster, computed without changing anything. Problems come
 * first, then per host its steps in order with what the checks found, and for every step still to
 * do its exact commands and files. Exit 0 when the plan can go ahead, 1 when a problem blocks it.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import type { PlanStepView, PlanView, SpecProblem } from '../../shared/types'
import { readSpecYaml } from '../services/clusters/spec-yaml'
import { hostScript, scriptFileName } from '../services/plan/script-writer'
import type { CliContext } from './hosts-commands'
import { readSpecFile, toNumber } from './cli-helpers'
import { CliExit, jsonText, terminalSafe } from './output'

/**
 * Said once, honestly, when the plan stops before Kubernetes itself: a k3s spec (not built yet), or
 * a Kubernetes patch version that could not be resolved (a problem above says why).
 */
export const LATER_PHASES =
  'This plan stops before Kubernetes itself: Flotilla builds kubeadm clusters (once the Kubernetes patch version is resolved); k3s is not built yet.'

export function registerPlanCommands(program: Command, ctx: CliContext): void {
  program
    .command('plan <cluster>')
    .description('show every step on every host, exactly, and what is already done (changes nothing)')
    .option('-f, --file <file>', 'plan this spec file instead of the stored spec (it is not stored)')
    .option('--script <dir>', 'also write one reviewable shell script per host into DIR (<host>.sh)')
    .option(
      '--reset-leftovers <host>',
      'agree to wipe what an old cluster left on HOST (repeatable)',
      (value: string, list: string[]) => [...list, value],
      [] as string[],
    )
    .option('--no-checks', 'do not log in to run the read-only checks (steps show as not checked)')
    .option('--max-probe-age <sec>', 'probe hosts again whose facts are older than this (default 600)')
    .action(
      async (
        cluster: string,
        o: { file?: string; script?: string; resetLeftovers: string[]; checks: boolean; maxProbeAge?: string },
      ) => {
        let specYaml: string | undefined
        if (o.file !== undefined) {
          specYaml = await readSpecFile(ctx, o.file)
          // Read here too, so that a problem names the file and its line.
          readSpecYaml(specYaml, o.file)
        }
        const view = await ctx.app().api.plan.compute(cluster, {
          ...(specYaml !== undefined ? { specYaml } : {}),
          ...(o.resetLeftovers.length ? { resetConsent: o.resetLeftovers } : {}),
          checks: o.checks,
          ...(o.maxProbeAge !== undefined
            ? { maxProbeAgeSec: toNumber(o.maxProbeAge, '--max-probe-age', 'a whole number of seconds') }
            : {}),
        })
        const written = o.script !== undefined ? writeScripts(view, o.script) : []
        if (ctx.json()) ctx.out.stdout(jsonText(view))
        else {
          ctx.out.stdout(planText(view))
          for (const path of written) ctx.out.stdout(`wrote ${terminalSafe(path)}\n`)
        }
        if (view.blocked) throw new CliExit(1)
      },
    )
}

/** The plan as text: problems first, then each host's steps; secrets are placeholders already. */
export function planText(view: PlanView): string {
  const out: string[] = []
  const version = view.kubernetes.patch ?? `${view.kubernetes.minor} (patch not resolved)`
  out.push(`Plan for ${view.cluster}: Kubernetes ${version}, spec sha256 ${view.specHash.slice(0, 12)}`)
  if (view.quorum) out.push(view.quorum)
  out.push('')
  if (view.loadBalancer) {
    out.push('Your load balancer: Flotilla changes nothing there. It needs this (HAProxy syntax):')
    for (const line of view.loadBalancer.replace(/\n$/, '').split('\n')) out.push(`  | ${line}`)
    out.push('')
  }
  if (view.problems.length > 0) {
    out.push('Problems:')
    for (const p of sortProblems(view.problems)) out.push(...problemLines(p))
    out.push('')
  }
  const steps = new Map(view.steps.map((s) => [s.id, s]))
  for (const host of view.hosts) {
    const probed = host.probedAt ? `, facts of ${host.probedAt}` : ', not identified'
    out.push(
      `${host.host} (${host.roles.join(', ') || 'no roles'}${probed}): ${host.steps.length} ${host.steps.length === 1 ? 'step' : 'steps'}`,
    )
    for (const id of host.steps) {
      const step = steps.get(id)
      if (step) out.push(...stepLines(step))
    }
    out.push('')
  }
  if (view.steps.length > 0 && !view.steps.some((s) => s.kind === 'init')) out.push(LATER_PHASES, '')
  const s = view.summary
  const counts = [
    `${s.done} done`,
    `${s.todo} to do`,
    `${s.unknown} unknown`,
    ...(s.notChecked ? [`${s.notChecked} not checked`] : []),
  ]
  out.push(`${s.steps} steps: ${counts.join(', ')}.`)
  const blocking = view.problems.filter((p) => p.severity === 'blocking').length
  if (view.blocked) {
    out.push(
      `The plan is blocked by ${blocking} problem${blocking === 1 ? '' : 's'}: fix ${blocking === 1 ? 'it' : 'them'} (see above), then plan again.`,
    )
  } else if (s.steps > 0 && s.done === s.steps) out.push('Nothing to do: every step is already done.')
  return terminalSafe(out.join('\n') + '\n')
}

function sortProblems(problems: SpecProblem[]): SpecProblem[] {
  return [...problems.filter((p) => p.severity === 'blocking'), ...problems.filter((p) => p.severity !== 'blocking')]
}

function problemLines(p: SpecProblem): string[] {
  const where = [p.host, p.path].filter(Boolean).join(', ')
  return [
    `  ${p.severity === 'blocking' ? 'BLOCKING' : 'warning '} ${p.code}${where ? ` (${where})` : ''}: ${oneLine(p.message)}`,
    `           next: ${oneLine(p.next)}`,
  ]
}

const STATE: Record<PlanStepView['status'], string> = {
  done: 'done',
  todo: 'to do',
  unknown: 'unknown',
  'not-checked': 'not checked',
}

function stepLines(step: PlanStepView): string[] {
  const lines = [
    `  [${STATE[step.status]}] ${step.id}: ${oneLine(step.title)}${step.detail ? ` (${oneLine(step.detail)})` : ''}`,
  ]
  if (step.consent) lines.push(`      needs your consent: ${oneLine(step.consent)}`)
  if (step.status === 'done') return lines
  for (const c of step.check)
    lines.push(`      check${c.api ? ' (Kubernetes API)' : c.sudo ? ' (as root)' : ''}: ${indent(c.text, 8)}`)
  for (const a of step.actions) {
    if (a.type === 'run') lines.push(`      run${a.sudo ? ' (as root)' : ''}: ${indent(a.text, 8)}`)
    else if (a.type === 'api') lines.push(`      through the Kubernetes API: ${indent(a.text, 8)}`)
    else {
      lines.push(`      write ${a.path} (mode ${a.mode}, owner ${a.owner}):`)
      for (const line of a.content.replace(/\n$/, '').split('\n')) lines.push(`        | ${line}`)
    }
  }
  return lines
}

/** Writes DIR/<host>.sh for every host: the directory 0700, the scripts 0700 (they are to be run). */
export function writeScripts(view: PlanView, dir: string): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  return view.hosts.map((host) => {
    const path = join(dir, `${fileName(host.host)}.sh`)
    writeFileSync(path, hostScript(view, host.hostId), { mode: 0o700 })
    chmodSync(path, 0o700)
    return path
  })
}

/** A host's name as a file name: labels and addresses are safe already; anything else becomes "_". */
export function fileName(host: string): string {
  return scriptFileName(host).slice(0, -'.sh'.length)
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ')
}

/** A multi-line command, its continuation lines indented under the first. */
function indent(text: string, spaces: number): string {
  return text.replace(/\n/g, `\n${' '.repeat(spaces)}`)
}
