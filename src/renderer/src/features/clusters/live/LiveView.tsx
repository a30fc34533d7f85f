import type { Cluster } from '../../../../../shared/types'

/** Placeholder until this view is built (issue 14). */
export function LiveView({ cluster }: { cluster: Cluster }) {
  return (
    <section aria-label="Live">
      <p>{cluster.name}: this view is not built yet.</p>
    </section>
  )
}
