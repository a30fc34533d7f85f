import { describe, expect, it } from 'vitest'
import type { OpStep } from '../../../../../shared/types'
import { applyStepEvent, duration, hostsOf, mergeLines, runState, toRunStep, waitingText, oneRow } from './run-model'

const T0 = '2026-12-07T10:00:00.000Z'
const T1 = '2026-12-07T10:00:02.500Z'
const T2 = '2026-12-07T10:01:05.000Z'

/** A journal as an apply leaves it: pi1 finished, pi2 failed at its second step, pi3 never got past its first. */
const journal: OpStep[] = [
  { stepId: 'pi1/probe', hostId: 'h1', state: 'done', startedAt: T0, endedAt: T1 },
  { stepId: 'pi1/swap', hostId: 'h1', state: 'skipped', startedAt: T1, endedAt: T1 },
  { stepId: 'pi2/probe', hostId: 'h2', state: 'done', startedAt: T0, endedAt: T1 },
  {
    stepId: 'pi2/runtime',
    hostId: 'h2',
    state: 'failed',
    startedAt: T1,
    endedAt: T2,
    exitStatus: 100,
    error: { code: 'COMMAND_FAILED', message: 'pi2: step pi2/runtime failed while applying it: apt is locked.' },
  },
  { stepId: 'pi3/probe', hostId: 'h3', state: 'done', startedAt: T0, endedAt: T1 },
  { stepId: 'pi3/join', hostId: 'h3', state: 'skipped', endedAt: T2 },
]

describe('run model', () => {
  it('groups the journal per host: bars count done and already-done steps, the failed step is named', () => {
    const hosts = hostsOf(journal, undefined, 'done')
    expect(hosts.map((h) => [h.hostId, h.done, h.total, h.state])).toEqual([
      ['h1', 2, 2, 'done'],
      ['h2', 1, 2, 'failed'],
      ['h3', 1, 2, 'stopped'],
    ])
    expect(hosts[1]!.failed?.stepId).toBe('pi2/runtime')
    expect(hosts[1]!.failed?.error?.message).toContain('apt is locked')
    expect(hosts[1]!.failed?.exitStatus).toBe(100)
  })

  it('tells an already-done step (it was checked) from one the run never reached', () => {
    expect(toRunStep(journal[1]!).state).toBe('already-done')
    expect(toRunStep(journal[5]!).state).toBe('not-run')
    // The kept result's `blocked` list wins over the start time.
    expect(toRunStep(journal[1]!, new Set(['pi1/swap'])).state).toBe('not-run')
  })

  it('moves steps with live events: running starts the clock, an end state stops it, a new step is added', () => {
    let steps = applyStepEvent([], { stepId: 'pi1/probe', hostId: 'h1', state: 'pending' }, T0)
    expect(steps).toEqual([{ stepId: 'pi1/probe', hostId: 'h1', state: 'pending' }])
    steps = applyStepEvent(steps, { stepId: 'pi1/probe', hostId: 'h1', state: 'running' }, T0)
    steps = applyStepEvent(steps, { stepId: 'pi1/swap', hostId: 'h1', state: 'pending' }, T0)
    const live = hostsOf(steps, undefined, 'running')
    expect(live[0]).toMatchObject({ done: 0, total: 2, state: 'running' })
    steps = applyStepEvent(steps, { stepId: 'pi1/probe', hostId: 'h1', state: 'done' }, T1)
    expect(steps[0]).toMatchObject({ state: 'done', startedAt: T0, endedAt: T1 })
    expect(hostsOf(steps, undefined, 'running')[0]).toMatchObject({ done: 1, total: 2 })
    // The journal's steps are not changed in place (the store's snapshot stays what it was).
    expect(journal[0]!.state).toBe('done')
  })

  it('says the honest end state: done only when every host finished, cancelled and interrupted as such', () => {
    const hosts = hostsOf(journal, undefined, 'done')
    expect(runState({ state: 'done', outcome: { result: 'partial', reasons: [], summary: '' } }, hosts)).toBe('failed')
    expect(runState({ state: 'done' }, hosts)).toBe('failed')
    const fine = hostsOf(journal.slice(0, 2), undefined, 'done')
    expect(runState({ state: 'done', outcome: { result: 'succeeded', reasons: [], summary: '' } }, fine)).toBe('done')
    expect(runState({ state: 'cancelled' }, hosts)).toBe('cancelled')
    expect(runState({ state: 'interrupted' }, hosts)).toBe('interrupted')
    expect(runState({ state: 'waiting' }, hosts)).toBe('waiting')
    // An interrupted run's step that was running did not finish; its host is stopped, not running.
    const cut = hostsOf(
      [
        { stepId: 'a', hostId: 'h', state: 'running', startedAt: T0 },
        { stepId: 'b', hostId: 'h', state: 'pending' },
      ],
      undefined,
      'interrupted',
    )
    expect(cut[0]!.steps.map((s) => s.state)).toEqual(['unfinished', 'not-run'])
    expect(cut[0]!.state).toBe('stopped')
  })

  it('merges history and the live lines that came while it was read, without doubling the overlap', () => {
    const history = [{ line: 'a' }, { line: 'b', hostId: 'h1' }, { line: 'c', hostId: 'h1' }]
    expect(mergeLines(history, [{ line: 'b', hostId: 'h1' }, { line: 'c', hostId: 'h1' }, { line: 'd' }])).toEqual([
      ...history,
      { line: 'd' },
    ])
    expect(mergeLines(history, [{ line: 'd' }])).toEqual([...history, { line: 'd' }])
    // Same text from another host is another line.
    expect(mergeLines(history, [{ line: 'c', hostId: 'h2' }])).toHaveLength(4)
  })

  it('words durations and what a waiting run waits for', () => {
    expect(duration(T0, T1)).toBe('2.5 s')
    expect(duration(T0, T2)).toBe('1 min 5 s')
    expect(duration(undefined, T2)).toBeUndefined()
    expect(waitingText({ state: 'running' })).toBeUndefined()
    expect(waitingText({ state: 'waiting' })).toBe('Waiting for a password.')
    expect(
      waitingText({
        state: 'waiting',
        waitingFor: [{ hostId: 'h1', host: 'pi1', kind: 'sudo', message: 'sudo on pi1 asks for a password.' }],
      }),
    ).toBe('sudo on pi1 asks for a password.')
  })
})

describe('oneRow', () => {
  it('shows the line breaks a log line carries as ↵, so a row never draws over the next', () => {
    expect(oneRow('Reading database ... 45%\rReading database ... 100%')).toBe(
      'Reading database ... 45% ↵ Reading database ... 100%',
    )
    expect(oneRow('a\r\nb\nc')).toBe('a ↵ b ↵ c')
    expect(oneRow('plain')).toBe('plain')
  })
})
