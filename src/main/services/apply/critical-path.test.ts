import { describe, expect, it } from 'vitest'
import type { OpStep } from '../../../shared/types'
import { criticalPath, journalDurations } from './critical-path'

describe('criticalPath', () => {
  // A hand-made plan: prepare on three hosts, init after the first, joins after init and their own
  // prepare, a final check after every join.
  //   a/prepare 5 ─┬─ a/init 20 ─┬─ b/join 7 ──┬─ a/ready 2
  //   b/prepare 30 ┘(b/join)     └─ c/join 4 ──┘
  //   c/prepare 1 ──────────────── (c/join)
  const steps = [
    { id: 'a/prepare', deps: [], durationMs: 5 },
    { id: 'b/prepare', deps: [], durationMs: 30 },
    { id: 'c/prepare', deps: [], durationMs: 1 },
    { id: 'a/init', deps: ['a/prepare'], durationMs: 20 },
    { id: 'b/join', deps: ['a/init', 'b/prepare'], durationMs: 7 },
    { id: 'c/join', deps: ['a/init', 'c/prepare'], durationMs: 4 },
    { id: 'a/ready', deps: ['b/join', 'c/join'], durationMs: 2 },
  ]

  it('follows the heaviest chain, not the longest one by count or the heaviest single step', () => {
    // Through b/prepare (30) + b/join (7) + a/ready (2) = 39 beats a/prepare + a/init + b/join + a/ready = 34.
    expect(criticalPath(steps)).toEqual({ steps: ['b/prepare', 'b/join', 'a/ready'], totalMs: 39 })
  })

  it('changes path when a duration changes', () => {
    const slowInit = steps.map((s) => (s.id === 'a/init' ? { ...s, durationMs: 40 } : s))
    expect(criticalPath(slowInit)).toEqual({ steps: ['a/prepare', 'a/init', 'b/join', 'a/ready'], totalMs: 54 })
  })

  it('takes the heaviest end when the DAG has several sinks, and is empty for no steps', () => {
    expect(
      criticalPath([
        { id: 'x', deps: [], durationMs: 3 },
        { id: 'y', deps: [], durationMs: 8 },
        { id: 'z', deps: ['x'], durationMs: 4 },
      ]),
    ).toEqual({ steps: ['y'], totalMs: 8 })
    expect(criticalPath([])).toEqual({ steps: [], totalMs: 0 })
  })

  it('refuses a cycle and a dependency the plan lacks', () => {
    expect(() =>
      criticalPath([
        { id: 'x', deps: ['y'], durationMs: 1 },
        { id: 'y', deps: ['x'], durationMs: 1 },
      ]),
    ).toThrow(/cycle/)
    expect(() => criticalPath([{ id: 'x', deps: ['gone'], durationMs: 1 }])).toThrow(/gone/)
  })
})

describe('journalDurations', () => {
  it('is running → done/skipped per finished step; unfinished steps are left out', () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString()
    const journal: OpStep[] = [
      { stepId: 'a', hostId: 'h', state: 'done', startedAt: at(1), endedAt: at(4) },
      { stepId: 'b', hostId: 'h', state: 'skipped', startedAt: at(4), endedAt: at(5) },
      { stepId: 'c', hostId: 'h', state: 'failed', startedAt: at(5), endedAt: at(9) },
      { stepId: 'd', hostId: 'h', state: 'running', startedAt: at(9) },
      { stepId: 'e', hostId: 'h', state: 'pending' },
    ]
    expect([...journalDurations(journal)]).toEqual([
      ['a', 3000],
      ['b', 1000],
    ])
  })
})
