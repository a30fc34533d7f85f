/**
 * `flotilla plan --script DIR` (issue 12): one POSIX sh script per host with exactly the plan's
 * commands, for a sceptical user to read or run by hand. Per step: a comment with its id and title,
 * then `if <check>; then echo already done; else <actions>; fi`. Files are written with a quoted
 * here-document into a temporary file and `install` (mode and owner in one go). A step that needs a
 * secret refuses with a message: the secret's value is never in a plan.
 */
import { randomBytes } from 'node:crypto'
import type { PlanScript } from '../../../shared/channels/plan'
import type { PlanStepView, PlanView, PlannedAction, PlannedCommand } from '../../../shared/types'
import { quote } from '../ssh/shell-command'

/** A file whose whole content is a secret placeholder (how plannedActions shows a secret). */
const SECRET = /^<secret: ([^>\n]+)>$/
/** A value Flotilla fills in when it writes the file (a fresh bootstrap token): not in a plan either. */
const FILLED = /\{\{flotilla: ([a-z0-9./:-]+)\}\}/

/** The script for one host of the plan. */
export function hostScript(plan: PlanView, hostId: string): string {
  const host = plan.hosts.find((h) => h.hostId === hostId)
  if (!host) throw new Error(`host ${hostId} is not in the plan`)
  const steps = new Map(plan.steps.map((s) => [s.id, s]))
  const out: string[] = [
    '#!/bin/sh',
    `# Flotilla plan for cluster ${oneLine(plan.cluster)}, host ${oneLine(host.host)} (${host.roles.join(', ') || 'no roles'}).`,
    `# Spec sha256 ${plan.specHash}, planned ${plan.createdAt}, Kubernetes ${plan.kubernetes.patch ?? `${plan.kubernetes.minor} (patch not resolved)`}.`,
    '# Each step first runs its read-only check and does its actions only when the check says it is',
    '# not done. Run it as root, or as a user with sudo: sh <this file>.',
    'set -e',
    'if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi',
    '',
  ]
  for (const id of host.steps) {
    const step = steps.get(id)
    if (step) out.push(...stepLines(step), '')
  }
  out.push(`echo ${quote(`Flotilla plan for ${oneLine(host.host)}: all ${host.steps.length} steps done.`)}`, '')
  return out.join('\n')
}

function stepLines(step: PlanStepView): string[] {
  const lines = [`# ${oneLine(step.id)}: ${oneLine(step.title)}`]
  if (step.consent) lines.push(`# Needs your consent: ${oneLine(step.consent)}.`)
  const api = step.actions.find((a) => a.type === 'api') ?? step.check.find((c) => c.api)
  if (api) {
    // Done from the desktop through the Kubernetes API: nothing a shell on this host could run.
    lines.push(
      `# Flotilla does this through the Kubernetes API, not on this host: ${oneLine(api.text)}`,
      `echo ${quote(`${step.id} is done by Flotilla through the Kubernetes API: run it from Flotilla.`)}`,
    )
    return lines
  }
  const check = step.check.map(command).join(' && ') || 'false'
  lines.push(`if ( ${check} ) >/dev/null 2>&1; then`, `  echo ${quote(`${step.id}: already done`)}`, 'else')
  lines.push(`  echo ${quote(`${step.id}: ${oneLine(step.title)}`)}`)
  const secret = step.actions.map(secretOf).find(Boolean)
  if (secret) {
    lines.push(
      `  echo ${quote(`${step.id} needs "${secret}" from Flotilla (its vault, or a token made just before use), which is never in a plan: run this step from Flotilla.`)} >&2`,
      '  exit 1',
    )
  } else {
    // Not indented: a here-document's lines and its end tag must stand exactly as written.
    for (const action of step.actions) lines.push(...actionLines(action))
    // The host goes down here: the steps after this one run when the script runs again.
    if (step.kind === 'reboot')
      lines.push(
        `echo ${quote(`${step.host} is rebooting: run this script again once it is back (steps already done are skipped).`)}`,
        'exit 0',
      )
  }
  lines.push('fi')
  return lines
}

function actionLines(action: PlannedAction): string[] {
  if (action.type === 'run') return [command(action)]
  if (action.type === 'api') return [`# through the Kubernetes API: ${oneLine(action.text)}`]
  const [user, group] = action.owner.split(':')
  const tag = delimiter(action.content)
  const install = `$SUDO install -m ${quote(action.mode)} -o ${quote(user ?? 'root')} -g ${quote(group ?? user ?? 'root')} "$tmp" ${quote(action.path)}`
  const write = action.content.endsWith('\n')
    ? // A quoted delimiter: the content is literal, nothing in it is expanded.
      [`cat > "$tmp" <<'${tag}'`, ...action.content.slice(0, -1).split('\n'), tag]
    : [`printf '%s' ${quote(action.content)} > "$tmp"`]
  return ['tmp=$(mktemp)', ...write, install, 'rm -f "$tmp"']
}

/** A command as the script runs it: as root through sudo when the plan says so. */
function command(c: PlannedCommand): string {
  return c.sudo ? `$SUDO sh -c ${quote(c.text)}` : c.text
}

function secretOf(action: PlannedAction): string | undefined {
  if (action.type !== 'write') return undefined
  return SECRET.exec(action.content)?.[1] ?? FILLED.exec(action.content)?.[1]
}

/** A here-document delimiter that is no line of the content. */
function delimiter(content: string): string {
  const lines = new Set(content.split('\n'))
  let tag: string
  do tag = `FLOTILLA_EOF_${randomBytes(4).toString('hex')}`
  while (lines.has(tag))
  return tag
}

/** Text from hosts and specs in a comment or message: one line, no control characters. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ')
}

/** A host's name as a script's file name: labels and addresses are safe already; anything else becomes "_". */
export function scriptFileName(host: string): string {
  const safe = host.replace(/[^A-Za-z0-9._:-]/g, '_').replace(/^\.+/, '_')
  return `${safe || 'host'}.sh`
}

/** Every host's script of the plan (what `plan --script DIR` writes), as text: the UI downloads them. */
export function planScripts(plan: PlanView): PlanScript[] {
  return plan.hosts.map((h) => ({
    hostId: h.hostId,
    host: h.host,
    fileName: scriptFileName(h.host),
    text: hostScript(plan, h.hostId),
  }))
}
