import { useEffect, useMemo, useState } from 'react'
import type { Cluster, Host } from '../../../../../shared/types'
import { EmptyState } from '../../../components/EmptyState'
import { Icon } from '../../../components/Icon'
import { useHosts } from '../../../stores/hosts.store'
import { useNav } from '../../../stores/nav.store'
import { isStalePlan, usePlan } from '../../../stores/plan.store'
import { useRun } from '../../../stores/run.store'
import { LogView } from './LogView'
import {
  duration,
  hostsOf,
  runState,
  waitingText,
  type HostRunState,
  type RunEndState,
  type RunHost,
  type RunStep,
  type RunStepState,
} from './run-model'
import './run.css'

/**
 * The run view: one apply operation (the route's, else the cluster's newest) as it runs or as it
 * ended — a bar and a step timeline per host, the logs per host and step, and the honest end state
 * with the one next action it allows (cancel, retry, resume, re-plan).
 */
export function RunView({ cluster }: { cluster: Cluster }) {
  const routeOpId = useNav((s) => s.opId)
  // undefined: still looking; null: this cluster has no apply operation.
  const [latest, setLatest] = useState<string | null>()
  useEffect(() => {
    if (routeOpId) return
    let live = true
    useRun
      .getState()
      .latestApply(cluster.id)
      .then((op) => live && setLatest(op?.id ?? null))
      .catch(() => live && setLatest(null))
    return () => {
      live = false
    }
  }, [routeOpId, cluster.id])
  const opId = routeOpId ?? latest
  if (opId === undefined) return <p className="muted run-looking">Looking for the last run of {cluster.name}…</p>
  if (opId === null)
    return (
      <EmptyState icon="clusters" title="Nothing has run yet">
        <p>Review the plan of {cluster.name}, then apply it: its progress and logs show here.</p>
        <button
          className="button button-primary"
          onClick={() => useNav.getState().open({ screen: 'clusters', cluster: cluster.name, view: 'plan' })}
        >
          Review the plan
        </button>
      </EmptyState>
    )
  return <Run key={opId} opId={opId} cluster={cluster} />
}

const END_WORD: Record<RunEndState, string> = {
  running: 'Running',
  waiting: 'Waiting for a password',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
}
const END_CLASS: Record<RunEndState, string> = {
  running: 'status-running',
  waiting: 'status-running',
  done: 'status-done',
  failed: 'status-failed',
  cancelled: 'status-cancelled',
  interrupted: 'status-cancelled',
}

function Run({ opId, cluster }: { opId: string; cluster: Cluster }) {
  const run = useRun((s) => s.runs[opId])
  const hostList = useHosts((s) => s.hosts)
  const hostsLoaded = useHosts((s) => s.loaded)
  const replanning = usePlan((s) => s.plans[cluster.name]?.state === 'computing')
  const [selected, setSelected] = useState<{ hostId?: string; stepId?: string }>({})
  useEffect(() => {
    void useRun.getState().watch(opId)
  }, [opId])
  useEffect(() => {
    if (!hostsLoaded) void useHosts.getState().load()
  }, [hostsLoaded])

  const op = run?.op
  const steps = run?.steps
  const hosts = useMemo(() => (steps ? hostsOf(steps, run?.result, op?.state) : []), [steps, run?.result, op?.state])
  const names = useMemo(() => new Map(hostList.map((h) => [h.id, h])), [hostList])
  // A host no longer in the inventory still has its name in its step ids (`<host>/<recipe>`).
  const nameOf = (hostId: string) =>
    hostLabel(names.get(hostId)) ?? hostPart(hosts.find((h) => h.hostId === hostId)?.steps[0]?.stepId) ?? hostId
  // The log of what is selected: one host, one step of it, or every line of the run.
  const version = run?.version ?? 0
  const lines = run?.lines
  const shown = useMemo(
    () =>
      !lines
        ? []
        : selected.hostId === undefined
          ? lines
          : lines.filter(
              (l) =>
                (l.hostId === selected.hostId || (l.hostId === undefined && selected.stepId === undefined)) &&
                (selected.stepId === undefined || l.stepId === selected.stepId),
            ),
    // `version` changes when the store appended to `lines` in place.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [lines, version, selected.hostId, selected.stepId],
  )

  if (!run || !run.loaded) return <p className="muted run-looking">Reading the run’s journal…</p>
  if (!op) {
    if (run.error) return <StartFailed cluster={cluster} message={run.error.message} code={run.error.code} />
    return (
      <div className="run-looking" role="status">
        <p className="muted">
          Waiting for the operation to start. (An old link’s operation may no longer be kept: Flotilla keeps the newest
          ones.)
        </p>
        <button
          className="button"
          onClick={() => useNav.getState().open({ screen: 'clusters', cluster: cluster.name, view: 'run' })}
        >
          Show the last run of {cluster.name}
        </button>
      </div>
    )
  }

  const state = runState(op, hosts)
  const failedHosts = hosts.filter((h) => h.failed)
  const replan = () =>
    void usePlan.getState().replanAndApply(
      cluster.name,
      hosts.flatMap((h) => h.steps.map((s) => s.stepId)),
    )
  const stale = state === 'failed' && isStalePlan(op.error)
  const waiting = waitingText(op)

  return (
    <section className="run" aria-label="Run">
      <header className="run-head">
        <div className="run-title">
          <span className={`status ${END_CLASS[state]}`} data-testid="run-state">
            {END_WORD[state]}
          </span>
          <strong>{op.title}</strong>
          <span className="muted">
            started {new Date(op.startedAt).toLocaleString()}
            {op.endedAt ? ` · took ${duration(op.startedAt, op.endedAt) ?? '—'}` : ''}
          </span>
        </div>
        <div className="run-actions">
          {(state === 'running' || state === 'waiting') && (
            <button className="button button-danger" onClick={() => void window.api.ops.cancel(op.id)}>
              Cancel
            </button>
          )}
          {state === 'failed' && !stale && (
            <button className="button button-primary" onClick={replan} disabled={replanning}>
              {replanning ? 'Re-planning…' : 'Retry failed steps'}
            </button>
          )}
          {(state === 'interrupted' || state === 'cancelled') && (
            <button className="button button-primary" onClick={replan} disabled={replanning}>
              {replanning ? 'Re-planning…' : 'Resume'}
            </button>
          )}
          {stale && (
            <button className="button button-primary" onClick={() => openNewPlan(cluster.name)}>
              Re-plan
            </button>
          )}
        </div>
      </header>

      <EndSentence state={state} summary={op.outcome?.summary} stale={stale} />
      {waiting && (
        <p className="banner banner-warn" role="status">
          <strong>Waiting for a password.</strong> {waiting} Give it in the dialog; the run goes on by itself.
        </p>
      )}
      {stale && (
        <p className="banner banner-bad" role="alert">
          <strong>The plan changed since you reviewed it.</strong> {op.error!.message.replace(/^re-plan: /, '')}
        </p>
      )}
      {failedHosts.length > 0 && (
        <ul className="stack-list" aria-label="Failed steps">
          {failedHosts.map((h) => (
            <li key={h.hostId} className="banner banner-bad">
              <strong>
                {nameOf(h.hostId)}: {stepName(h.failed!.stepId)} failed.
              </strong>{' '}
              {h.failed!.error?.message ?? 'No reason was recorded.'}
              {h.failed!.error?.code && <code className="banner-code">{h.failed!.error.code}</code>}
            </li>
          ))}
        </ul>
      )}
      {state === 'failed' && failedHosts.length === 0 && op.error && !stale && (
        <p className="banner banner-bad" role="alert">
          {op.error.message} <code className="banner-code">{op.error.code}</code>
        </p>
      )}

      <div className="run-body">
        <div className="run-hosts" aria-label="Hosts">
          {hosts.length === 0 && <p className="muted">No steps yet: the apply is planning (fresh facts first).</p>}
          {hosts.map((h) => (
            <HostRun
              key={h.hostId}
              host={h}
              name={nameOf(h.hostId)}
              selectedStep={selected.hostId === h.hostId ? selected.stepId : undefined}
              onSelect={(stepId) => setSelected({ hostId: h.hostId, ...(stepId ? { stepId } : {}) })}
            />
          ))}
        </div>
        <div className="run-logs">
          <div className="run-log-head">
            <h2>Log</h2>
            <label className="run-log-filter">
              <span className="muted">Show</span>
              <select
                value={selected.hostId ?? ''}
                onChange={(e) => setSelected(e.target.value ? { hostId: e.target.value } : {})}
                aria-label="Log of"
              >
                <option value="">every host</option>
                {hosts.map((h) => (
                  <option key={h.hostId} value={h.hostId}>
                    {nameOf(h.hostId)}
                  </option>
                ))}
              </select>
            </label>
            {selected.stepId && (
              <span className="run-log-step">
                step <code>{stepName(selected.stepId)}</code>
                <button
                  className="link-button"
                  onClick={() => setSelected(selected.hostId ? { hostId: selected.hostId } : {})}
                >
                  all steps
                </button>
              </span>
            )}
          </div>
          <LogView
            lines={shown}
            version={version}
            label={`Log of ${selected.hostId ? nameOf(selected.hostId) : 'every host'}${selected.stepId ? `, step ${stepName(selected.stepId)}` : ''}`}
            {...(selected.hostId === undefined ? { hostName: nameOf } : {})}
          />
        </div>
      </div>
    </section>
  )
}

function EndSentence({ state, summary, stale }: { state: RunEndState; summary: string | undefined; stale: boolean }) {
  if (stale) return null
  const text: Record<RunEndState, string> = {
    running: 'Steps run in order on each host; every step is checked first and only done when needed.',
    waiting: '',
    done: 'Every step on every host is done.',
    failed: 'The run ended with failed steps. Fix the cause, then retry: finished steps are only re-checked.',
    cancelled: 'You cancelled the run. Every host is left where a new apply continues.',
    interrupted: 'What was done is listed below. Resume plans again and continues: finished steps are only re-checked.',
  }
  if (!text[state] && !summary) return null
  return (
    <p className="run-sentence" data-testid="run-sentence">
      {summary && <strong>{summary} </strong>}
      {text[state]}
    </p>
  )
}

function StartFailed({ cluster, message, code }: { cluster: Cluster; message: string; code: string }) {
  const stale = isStalePlan({ message })
  return (
    <section className="run" aria-label="Run">
      <p className="banner banner-bad" role="alert">
        <strong>{stale ? 'The plan changed since you reviewed it.' : 'The apply did not start.'}</strong>{' '}
        {message.replace(/^re-plan: /, '')} <code className="banner-code">{code}</code>
      </p>
      <button className="button button-primary" onClick={() => openNewPlan(cluster.name)}>
        {stale ? 'Re-plan' : 'Back to the plan'}
      </button>
    </section>
  )
}

const HOST_WORD: Record<HostRunState, string> = {
  waiting: 'Waiting',
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  stopped: 'Stopped',
}
const HOST_CLASS: Record<HostRunState, string> = {
  waiting: 'status-idle',
  running: 'status-running',
  done: 'status-done',
  failed: 'status-failed',
  cancelled: 'status-cancelled',
  stopped: 'status-cancelled',
}

function HostRun({
  host,
  name,
  selectedStep,
  onSelect,
}: {
  host: RunHost
  name: string
  selectedStep: string | undefined
  onSelect(stepId?: string): void
}) {
  const [open, setOpen] = useState(host.state !== 'done')
  const percent = host.total ? Math.round((host.done / host.total) * 100) : 0
  return (
    <article className={`run-host run-host-${host.state}`} data-testid="run-host" aria-label={name}>
      <header className="run-host-head">
        <button
          className="run-host-toggle"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
          aria-label={`${open ? 'Hide' : 'Show'} the steps of ${name}`}
        >
          <span className={`run-chevron${open ? ' run-chevron-open' : ''}`} aria-hidden="true">
            ›
          </span>
        </button>
        <Icon name="server" size={18} />
        <button className="link-button run-host-name" onClick={() => onSelect()}>
          {name}
        </button>
        <span className="muted run-host-count" data-testid="run-host-count">
          {host.done} of {host.total} steps
        </span>
        <span className={`status ${HOST_CLASS[host.state]}`}>{HOST_WORD[host.state]}</span>
      </header>
      <div
        className="run-bar"
        role="progressbar"
        aria-label={`${name}: ${host.done} of ${host.total} steps`}
        aria-valuemin={0}
        aria-valuemax={host.total}
        aria-valuenow={host.done}
      >
        <div className="run-bar-fill" style={{ width: `${percent}%` }} />
      </div>
      {open && (
        <ol className="run-steps">
          {host.steps.map((s) => (
            <StepRow key={s.stepId} step={s} selected={selectedStep === s.stepId} onSelect={() => onSelect(s.stepId)} />
          ))}
        </ol>
      )}
    </article>
  )
}

const STEP_WORD: Record<RunStepState, string> = {
  pending: 'to do',
  running: 'running',
  done: 'done',
  'already-done': 'already done',
  failed: 'failed',
  'not-run': 'not run',
  cancelled: 'cancelled',
  unfinished: 'did not finish',
}
const STEP_MARK: Record<RunStepState, string> = {
  pending: '○',
  running: '◔',
  done: '✓',
  'already-done': '✓',
  failed: '✕',
  'not-run': '–',
  cancelled: '–',
  unfinished: '!',
}

function StepRow({ step, selected, onSelect }: { step: RunStep; selected: boolean; onSelect(): void }) {
  // A step without an end has no duration to show (a live one would need a ticking clock).
  const took = step.endedAt ? duration(step.startedAt, step.endedAt) : undefined
  return (
    <li className={`run-step run-step-${step.state}${selected ? ' run-step-selected' : ''}`} data-testid="run-step">
      <button className="run-step-button" onClick={onSelect} aria-pressed={selected}>
        <span className="run-step-mark" aria-hidden="true">
          {STEP_MARK[step.state]}
        </span>
        <span className="run-step-name">{stepName(step.stepId)}</span>
        <span className="run-step-state">{STEP_WORD[step.state]}</span>
        <span className="muted run-step-time">{took ?? ''}</span>
      </button>
      {step.state === 'failed' && (
        <p className="run-step-error">
          {step.error?.message ?? 'No reason was recorded.'}
          {step.exitStatus !== undefined && <span className="muted"> (exit {step.exitStatus})</span>}
        </p>
      )}
    </li>
  )
}

/** The review of a plan made now (the one reviewed before is no longer what apply would run). */
function openNewPlan(cluster: string): void {
  void usePlan.getState().compute(cluster)
  useNav.getState().open({ screen: 'clusters', cluster, view: 'plan' })
}

/** A step id is `<host>/<recipe>[/<part>]`: under its host, the recipe part says enough. */
function stepName(stepId: string): string {
  const slash = stepId.indexOf('/')
  return slash > 0 ? stepId.slice(slash + 1) : stepId
}

function hostPart(stepId: string | undefined): string | undefined {
  const slash = stepId?.indexOf('/') ?? -1
  return slash > 0 ? stepId!.slice(0, slash) : undefined
}

function hostLabel(host: Host | undefined): string | undefined {
  return host ? (host.label ?? host.address) : undefined
}
