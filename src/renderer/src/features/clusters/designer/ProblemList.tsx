import type { SpecProblem } from '../../../../../shared/types'

const SEVERITY_WORD: Record<SpecProblem['severity'], string> = { blocking: 'Blocks the plan', warning: 'Warning' }

/** The spec's problems, blocking first, each with its severity in words and its next step. */
export function ProblemList({ problems }: { problems: readonly SpecProblem[] }) {
  const sorted = [...problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'blocking' ? -1 : 1))
  return (
    <section className="problems" aria-labelledby="problems-title" data-testid="problems">
      <h2 id="problems-title">
        {problems.length === 0
          ? 'No problems: the plan can be reviewed'
          : `${problems.length} ${problems.length === 1 ? 'problem' : 'problems'} in this spec`}
      </h2>
      {sorted.length > 0 && (
        <ul>
          {sorted.map((p, i) => (
            <li key={`${p.code}-${p.path ?? ''}-${i}`} className={`problem problem-${p.severity}`}>
              <span className={`severity severity-${p.severity}`}>{SEVERITY_WORD[p.severity]}</span>
              <span>
                {p.message} <span className="muted">{p.next}</span> <code className="problem-code">{p.code}</code>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
