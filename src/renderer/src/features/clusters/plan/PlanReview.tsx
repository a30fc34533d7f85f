import { useEffect, useMemo, useState } from 'react'
import type { PlanScript } from '../../../../../shared/channels/plan'
import type {
  Cluster,
  PlanHostView,
  PlannedAction,
  PlanStepView,
  PlanView,
  SpecProblem,
} from '../../../../../shared/types'
import { Icon } from '../../../components/Icon'
import { asError } from '../../../errors'
import { usePlan } from '../../../stores/plan.store'
import { useToasts } from '../../../stores/toasts.store'
import { Placeholders } from './Placeholders'
import './plan.css'

/** A plan younger than this is shown as it is when the view opens again (else it is made afresh). */
const FRESH_MS = 30_000

/**
 * Plan review ("show, then do"): per host, the steps in order with their exact commands and files
 * (secrets as placeholders), what is already done, the problems and warnings — and one primary
 * action, Apply, which runs exactly this plan (apply refuses a plan that changed since).
 */
export function PlanReview({ cluster }: { cluster: Cluster }) {
  const entry = usePlan((s) => s.plans[cluster.name])
  useEffect(() => {
    const current = usePlan.getState().plans[cluster.name]
    const fresh =
      current?.state === 'computing' ||
      (current?.plan && Date.now() - Date.parse(current.plan.createdAt) < FRESH_MS && current.state === 'ready')
    if (!fresh) void usePlan.getState().compute(cluster.name)
  }, [cluster.name])
  const replan = () => void usePlan.getState().compute(cluster.name)

  if (!entry || entry.state === 'computing') {
    const percent = entry && entry.total ? Math.round((entry.done / entry.total) * 100) : 0
    return (
      <section className="plan" aria-label="Plan" aria-busy="true">
        <div className="plan-computing" role="status">
          <p>
            <strong>Planning {cluster.name}…</strong> Fresh facts from every host, then each step’s read-only check.
            Nothing is changed.
          </p>
          <div
            className="plan-bar"
            role="progressbar"
            aria-label="Planning"
            aria-valuemin={0}
            aria-valuemax={entry?.total ?? 4}
            aria-valuenow={entry?.done ?? 0}
          >
            <div className="plan-bar-fill" style={{ width: `${percent}%` }} />
          </div>
          <p className="muted">{entry?.step ?? 'Starting'}</p>
        </div>
      </section>
    )
  }
  if (entry.state === 'failed' || !entry.plan)
    return (
      <section className="plan" aria-label="Plan">
        <p className="banner banner-bad" role="alert">
          <strong>The plan could not be made.</strong> {entry.error?.message}{' '}
          {entry.error?.code && <code className="banner-code">{entry.error.code}</code>}
        </p>
        <button className="button button-primary" onClick={replan}>
          Plan again
        </button>
      </section>
    )
  return <Review cluster={cluster} plan={entry.plan} planOpId={entry.opId} onReplan={replan} />
}

function Review({
  cluster,
  plan,
  planOpId,
  onReplan,
}: {
  cluster: Cluster
  plan: PlanView
  planOpId: string
  onReplan(): void
}) {
  const steps = useMemo(() => new Map(plan.steps.map((s) => [s.id, s])), [plan])
  const blocking = plan.problems.filter((p) => p.severity === 'blocking')
  const warnings = plan.problems.filter((p) => p.severity === 'warning')
  const [scripts, setScripts] = useState<{ files: PlanScript[]; urls: string[] }>()
  useEffect(() => () => scripts?.urls.forEach((u) => URL.revokeObjectURL(u)), [scripts])
  const { summary } = plan

  const download = async () => {
    try {
      const files = await window.api.plan.scripts(planOpId, cluster.name)
      const urls = files.map((f) => URL.createObjectURL(new Blob([f.text], { type: 'text/x-sh' })))
      setScripts({ files, urls })
      // Each file as its own download; the links stay below for one that the browser held back.
      files.forEach((f, i) => {
        const a = document.createElement('a')
        a.href = urls[i]!
        a.download = f.fileName
        a.click()
      })
    } catch (error) {
      useToasts.getState().error(asError(error))
    }
  }

  const blockedReason = plan.blocked
    ? `Apply is not possible: ${blocking[0]?.message ?? 'the plan is blocked.'}`
    : undefined

  return (
    <section className="plan" aria-label="Plan">
      <header className="plan-head">
        <div className="plan-summary" data-testid="plan-summary">
          <strong>
            {summary.steps} steps on {plan.hosts.length} {plan.hosts.length === 1 ? 'host' : 'hosts'}
          </strong>
          <span>
            <Icon name="check" size={14} /> {summary.done} already done
          </span>
          <span>{summary.todo} to do</span>
          {summary.unknown > 0 && <span>{summary.unknown} unknown</span>}
          {summary.notChecked > 0 && <span>{summary.notChecked} not checked</span>}
          <span className="muted">
            Kubernetes {plan.kubernetes.patch ?? `${plan.kubernetes.minor} (patch not resolved)`}
            {plan.quorum ? ` · ${plan.quorum}` : ''} · planned {new Date(plan.createdAt).toLocaleTimeString()}
          </span>
        </div>
        <div className="plan-actions">
          <button className="button" onClick={onReplan}>
            Re-plan
          </button>
          <button className="button" onClick={() => void download()}>
            Download scripts
          </button>
          <button
            className="button button-primary"
            disabled={plan.blocked}
            aria-describedby={blockedReason ? 'plan-blocked-reason' : undefined}
            onClick={() => usePlan.getState().apply(cluster.name, plan)}
          >
            Apply
          </button>
        </div>
      </header>
      {blockedReason && (
        <p id="plan-blocked-reason" className="banner banner-bad" role="alert">
          {blockedReason}
        </p>
      )}
      {scripts && (
        <p className="plan-scripts">
          <span className="muted">Scripts (one per host, each step checked before it runs):</span>
          {scripts.files.map((f, i) => (
            <a key={f.fileName} href={scripts.urls[i]} download={f.fileName}>
              {f.fileName}
            </a>
          ))}
        </p>
      )}
      {(blocking.length > 0 || warnings.length > 0) && (
        <ul className="stack-list" aria-label="Problems and warnings">
          {[...blocking, ...warnings].map((p, i) => (
            <Problem key={`${p.code}-${i}`} problem={p} />
          ))}
        </ul>
      )}
      {plan.steps.length > 0 && !plan.steps.some((s) => s.kind === 'init') && (
        <p className="muted" data-testid="plan-later">
          This plan stops before Kubernetes itself: Flotilla plans kubeadm’s steps once the Kubernetes patch version is
          resolved (k3s is not built yet).
        </p>
      )}
      {plan.loadBalancer && (
        <details className="plan-lb">
          <summary>Your load balancer needs these HAProxy sections (apply waits until it answers)</summary>
          <pre>{plan.loadBalancer}</pre>
        </details>
      )}
      <div className="plan-hosts">
        {plan.hosts.map((h, i) => (
          <HostPlan key={h.hostId} host={h} steps={steps} openAtStart={i === 0 || plan.hosts.length <= 2} />
        ))}
      </div>
    </section>
  )
}

function Problem({ problem }: { problem: SpecProblem }) {
  const bad = problem.severity === 'blocking'
  return (
    <li className={`banner ${bad ? 'banner-bad' : 'banner-warn'}`} data-testid="plan-problem">
      <strong>{bad ? 'Blocks the plan:' : 'Warning:'}</strong> {problem.host ? `${problem.host}: ` : ''}
      {problem.message} <span className="muted">{problem.next}</span>
      <code className="banner-code">{problem.code}</code>
    </li>
  )
}

function HostPlan({
  host,
  steps,
  openAtStart,
}: {
  host: PlanHostView
  steps: ReadonlyMap<string, PlanStepView>
  openAtStart: boolean
}) {
  const [open, setOpen] = useState(openAtStart)
  const list = host.steps.map((id) => steps.get(id)).filter((s): s is PlanStepView => !!s)
  const done = list.filter((s) => s.status === 'done').length
  const id = `plan-host-${host.hostId}`
  return (
    <section className="plan-host" aria-label={host.host} data-testid="plan-host">
      <h3 className="plan-host-head">
        <button className="plan-host-toggle" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
          <span className={`plan-chevron${open ? ' plan-chevron-open' : ''}`} aria-hidden="true">
            ›
          </span>
          <Icon name="server" size={18} />
          <span className="plan-host-name">{host.host}</span>
          <span className="plan-roles">
            {host.roles.map((r) => (
              <span key={r} className="plan-role">
                {r}
              </span>
            ))}
          </span>
          <span className="muted plan-host-count">
            {list.length} steps · {done} already done
          </span>
        </button>
      </h3>
      {open && (
        <ol id={id} className="plan-steps">
          {list.map((s) => (
            <StepPlan key={s.id} step={s} />
          ))}
        </ol>
      )}
    </section>
  )
}

const STATUS_WORD: Record<PlanStepView['status'], string> = {
  done: 'already done',
  todo: 'to do',
  unknown: 'unknown',
  'not-checked': 'not checked',
}
const STATUS_MARK: Record<PlanStepView['status'], string> = {
  done: '✓',
  todo: '●',
  unknown: '?',
  'not-checked': '○',
}

function StepPlan({ step }: { step: PlanStepView }) {
  const [showCheck, setShowCheck] = useState(false)
  return (
    <li className={`plan-step plan-step-${step.status}`} data-testid="plan-step">
      <div className="plan-step-head">
        <span className="plan-step-status">
          <span aria-hidden="true">{STATUS_MARK[step.status]}</span> {STATUS_WORD[step.status]}
        </span>
        <span className="plan-step-title">{step.title}</span>
        <code className="muted plan-step-id">{step.id}</code>
      </div>
      {step.detail && <p className="muted plan-step-detail">{step.detail}</p>}
      {step.consent && (
        <p className="banner banner-warn plan-step-detail">
          <strong>Needs your consent:</strong> {step.consent}
        </p>
      )}
      {step.status !== 'done' && (
        <ol className="plan-actions-list" aria-label={`What ${step.id} does`}>
          {step.actions.map((a, i) => (
            <Action key={i} action={a} />
          ))}
        </ol>
      )}
      {step.status === 'done' && step.actions.length > 0 && (
        <details className="plan-done-actions">
          <summary className="muted">What it would do ({step.actions.length})</summary>
          <ol className="plan-actions-list">
            {step.actions.map((a, i) => (
              <Action key={i} action={a} />
            ))}
          </ol>
        </details>
      )}
      {step.check.length > 0 && (
        <div className="plan-check">
          <button className="link-button" aria-expanded={showCheck} onClick={() => setShowCheck(!showCheck)}>
            {showCheck ? 'Hide' : 'Show'} its read-only check
          </button>
          {showCheck &&
            step.check.map((c, i) => (
              <pre key={i} className="plan-command">
                {c.sudo && <span className="plan-tag">as root</span>}
                {c.api && <span className="plan-tag">Kubernetes API</span>}
                <Placeholders text={c.text} />
              </pre>
            ))}
        </div>
      )}
    </li>
  )
}

function Action({ action }: { action: PlannedAction }) {
  const [show, setShow] = useState(false)
  if (action.type === 'api')
    return (
      <li className="plan-action">
        <span className="plan-tag">Kubernetes API</span> {action.text}
      </li>
    )
  if (action.type === 'run')
    return (
      <li className="plan-action">
        <pre className="plan-command">
          {action.sudo && <span className="plan-tag">as root</span>}
          <Placeholders text={action.text} />
        </pre>
      </li>
    )
  return (
    <li className="plan-action">
      <div className="plan-file">
        <span className="plan-tag">writes</span>
        <code>{action.path}</code>
        <span className="muted">
          {action.mode} {action.owner}
        </span>
        <button className="link-button" aria-expanded={show} onClick={() => setShow(!show)}>
          {show ? 'Hide content' : 'Show content'}
        </button>
      </div>
      {show && (
        <pre className="plan-file-content" aria-label={`Content of ${action.path}`}>
          <Placeholders text={action.content} />
        </pre>
      )}
    </li>
  )
}
