/**
 * What a reviewed plan is pinned to (issue 13 §2): per host, a hash of the facts the plan was made
 * from and of the exact steps it shows for that host; over all hosts, one fingerprint. Apply
 * recomputes the plan and compares, so it never runs a plan the host has outgrown ("re-plan:
 * kitchen-pi changed since you reviewed it").
 */
import { createHash } from 'node:crypto'
import type { HostIdentification } from '../../../shared/types'
import type { Plan } from './planner'
import { checkText, plannedActions } from './step'

/**
 * Facts that change between two probes of an unchanged host: the probe's time, the clock offset
 * (round-trip noise), free disk space, and the readiness verdicts derived from them.
 */
const VOLATILE = new Set<keyof HostIdentification>(['at', 'clockOffsetMs', 'diskFreeMiB', 'readiness'])

export interface PlanFingerprint {
  /** sha256 over every host's hash, in plan order. */
  fingerprint: string
  /** Host id → sha256 of its stable facts and its steps. */
  hosts: Map<string, string>
}

export function planFingerprint(plan: Plan): PlanFingerprint {
  const hosts = new Map<string, string>()
  for (const h of plan.hosts) {
    const facts = h.host.identification
    const stable = facts
      ? Object.fromEntries(
          Object.entries(facts)
            .filter(([key]) => !VOLATILE.has(key as keyof HostIdentification))
            .sort(([a], [b]) => a.localeCompare(b)),
        )
      : null
    const steps = plan.steps
      .filter((s) => s.hostId === h.host.id)
      .map((s) => ({
        id: s.id,
        deps: s.deps,
        actions: plannedActions(s),
        check: checkText(s.check).text,
        verify: s.verify && checkText(s.verify).text,
        consent: s.consent,
      }))
    hosts.set(h.host.id, sha256(JSON.stringify({ address: h.host.address, roles: h.roles, stable, steps })))
  }
  return { fingerprint: sha256([...hosts].map(([id, hash]) => `${id} ${hash}`).join('\n')), hosts }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
