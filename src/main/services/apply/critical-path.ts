/**
 * The critical path of an apply (issue 13 benchmark): the longest path through the plan's step DAG
 * when each step weighs what it took in the journal. No run can be faster than this path with the
 * plan's dependencies, so wall time over it is what the engine adds (probe, plan, scheduling, SSH
 * set-up between steps). Pure: the journal and the plan are read by the caller.
 */
import type { OpStep } from '../../../shared/types'

export interface TimedStep {
  id: string
  deps: readonly string[]
  durationMs: number
}

export interface CriticalPath {
  /** Step ids from the first step to the last, each depending on the one before. */
  steps: string[]
  totalMs: number
}

/** The longest path by summed duration; ties go to the step listed first. Empty input: empty path. */
export function criticalPath(steps: readonly TimedStep[]): CriticalPath {
  const byId = new Map(steps.map((s) => [s.id, s]))
  // Longest path ending at each step (including it), and the dep it came through.
  const best = new Map<string, { totalMs: number; via?: string }>()
  const visiting = new Set<string>()
  const longestTo = (id: string): number => {
    const known = best.get(id)
    if (known) return known.totalMs
    const step = byId.get(id)
    if (!step) throw new Error(`a step depends on ${id}, which is not in the plan`)
    if (visiting.has(id)) throw new Error(`the steps form a cycle through ${id}`)
    visiting.add(id)
    let before = 0
    let via: string | undefined
    for (const dep of step.deps) {
      const t = longestTo(dep)
      if (via === undefined || t > before) {
        before = t
        via = dep
      }
    }
    visiting.delete(id)
    const totalMs = before + step.durationMs
    best.set(id, via === undefined ? { totalMs } : { totalMs, via })
    return totalMs
  }
  let end: string | undefined
  let endMs = 0
  for (const s of steps) {
    const t = longestTo(s.id)
    if (end === undefined || t > endMs) {
      end = s.id
      endMs = t
    }
  }
  const path: string[] = []
  for (let at = end; at !== undefined; at = best.get(at)!.via) path.unshift(at)
  return { steps: path, totalMs: endMs }
}

/**
 * Each finished step's duration from the journal: running → done/skipped. Steps that did not
 * finish (failed, cancelled, pending) or lack a timestamp are left out.
 */
export function journalDurations(steps: readonly OpStep[]): Map<string, number> {
  const durations = new Map<string, number>()
  for (const s of steps) {
    if ((s.state !== 'done' && s.state !== 'skipped') || !s.startedAt || !s.endedAt) continue
    durations.set(s.stepId, Date.parse(s.endedAt) - Date.parse(s.startedAt))
  }
  return durations
}
