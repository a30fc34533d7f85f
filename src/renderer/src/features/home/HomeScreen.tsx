import { useMemo } from 'react'
import { Icon } from '../../components/Icon'
import { useClusters } from '../../stores/clusters.store'
import { useHosts } from '../../stores/hosts.store'
import { useNav } from '../../stores/nav.store'
import { useSecurity } from '../../stores/security.store'
import type { Cluster } from '../../../../shared/types'
import { adopted, stepsToCluster } from './steps'
import './home.css'

const BUILD_WORD = { built: 'Built', building: 'Building', designed: 'Designed', empty: 'No nodes yet' } as const
const BUILD_CHIP = { built: 'done', building: 'running', designed: 'idle', empty: 'idle' } as const

function buildState(c: Cluster): keyof typeof BUILD_WORD {
  return c.build?.state ?? (c.spec.spec.nodes.length > 0 ? 'designed' : 'empty')
}

/**
 * Where a new user lands: the steps from an empty app to a running cluster, each done or not
 * (judged from the stores) with the action that does it, and the fleet at a glance.
 */
export function HomeScreen() {
  const hosts = useHosts((s) => s.hosts)
  const vault = useSecurity((s) => s.vault)
  const clusters = useClusters((s) => s.clusters)
  const open = useNav((s) => s.open)
  const steps = useMemo(() => stepsToCluster(hosts, vault, clusters), [hosts, vault, clusters])
  const next = steps.find((s) => !s.done)
  const done = steps.filter((s) => s.done).length
  const mine = adopted(hosts)
  const glance = [
    { label: 'Found on the LAN', n: hosts.filter((h) => h.pending && !h.ignored).length },
    { label: 'Not trusted yet', n: mine.filter((h) => !h.hostKey).length },
    { label: 'Trusted, not identified', n: mine.filter((h) => h.hostKey && !h.identification).length },
    { label: 'Identified', n: mine.filter((h) => h.identification).length },
    { label: 'Unreachable at last check', n: mine.filter((h) => h.lastCheck && !h.lastCheck.reachable).length },
  ]
  return (
    <section className="screen screen-wide home" aria-labelledby="home-title">
      <header className="screen-header">
        <div>
          <h1 id="home-title">Home</h1>
          <p className="muted">
            {next
              ? `From your machines to a Kubernetes cluster: ${done} of ${steps.length} steps done.`
              : 'Your cluster is built. The fleet at a glance below.'}
          </p>
        </div>
      </header>
      <div className="home-grid">
        <div className="card home-steps">
          <h2 className="card-title">Steps to a cluster</h2>
          <ol className="steps" aria-label="Steps to a cluster">
            {steps.map((step, i) => (
              <li
                key={step.id}
                className={`step ${step.done ? 'step-done' : ''} ${step === next ? 'step-next' : ''}`}
                data-testid={`step-${step.id}`}
                data-done={step.done}
              >
                <span className="step-mark" aria-hidden="true">
                  {step.done ? <Icon name="check" size={16} /> : i + 1}
                </span>
                <div className="step-text">
                  <div className="step-title">
                    {step.title}
                    <span className={`status status-${step.done ? 'done' : step === next ? 'running' : 'idle'}`}>
                      {step.done ? 'Done' : step === next ? 'Next' : 'Not done'}
                    </span>
                  </div>
                  <div className="muted step-detail">{step.detail}</div>
                </div>
                <button
                  className={`button ${step === next ? 'button-primary' : ''}`}
                  aria-label={`${step.action} (step ${i + 1}: ${step.title})`}
                  onClick={() => open(step.route)}
                >
                  {step.action}
                </button>
              </li>
            ))}
          </ol>
        </div>
        <div className="home-side">
          <div className="card">
            <h2 className="card-title">Hosts</h2>
            {hosts.length === 0 ? (
              <p className="muted">None yet.</p>
            ) : (
              <dl className="glance" aria-label="Hosts by state">
                {glance.map((g) => (
                  <div key={g.label} className={g.n === 0 ? 'glance-zero' : ''}>
                    <dt>{g.label}</dt>
                    <dd>{g.n}</dd>
                  </div>
                ))}
              </dl>
            )}
          </div>
          <div className="card">
            <h2 className="card-title">Clusters</h2>
            {clusters.length === 0 ? (
              <p className="muted">None yet.</p>
            ) : (
              <ul className="stack-list glance-clusters" aria-label="Clusters">
                {clusters.map((c) => {
                  const state = buildState(c)
                  return (
                    <li key={c.id}>
                      <button
                        className="link-button"
                        onClick={() =>
                          open({ screen: 'clusters', cluster: c.name, view: state === 'built' ? 'live' : 'design' })
                        }
                      >
                        {c.name}
                      </button>
                      <span className="muted">
                        {c.spec.spec.nodes.length} node{c.spec.spec.nodes.length === 1 ? '' : 's'}
                      </span>
                      <span className={`status status-${BUILD_CHIP[state]}`}>{BUILD_WORD[state]}</span>
                    </li>
                  )
                })}
              </ul>
            )}
          </div>
        </div>
      </div>
    </section>
  )
}
