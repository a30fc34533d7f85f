// flotilla-sim: SIMULATOR, not a Kubernetes component. The placement rules the DaemonSet controller
// and the scheduler stand-ins share: taint tolerations (k8s.io/api/core/v1 Toleration.ToleratesTaint),
// nodeSelector and required node affinity (nodeSelectorTerms are ORed, their matchExpressions and
// matchFields ANDed; operators In, NotIn, Exists, DoesNotExist, Gt, Lt).

export function tolerates(tolerations, taint) {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false
    if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '')
  })
}

/** The first NoSchedule/NoExecute taint of the node the pod does not tolerate, if any. */
export const untoleratedTaint = (podSpec, node, extraTolerations = []) =>
  (node.spec?.taints ?? []).find(
    (t) =>
      (t.effect === 'NoSchedule' || t.effect === 'NoExecute') &&
      !tolerates([...(podSpec?.tolerations ?? []), ...extraTolerations], t),
  )

function requirementMatches(req, value, has) {
  switch (req.operator) {
    case 'In':
      return has && (req.values ?? []).includes(value)
    case 'NotIn':
      return !has || !(req.values ?? []).includes(value)
    case 'Exists':
      return has
    case 'DoesNotExist':
      return !has
    case 'Gt':
      return has && Number(value) > Number(req.values?.[0])
    case 'Lt':
      return has && Number(value) < Number(req.values?.[0])
  }
  return false
}

/** nodeSelector and requiredDuringSchedulingIgnoredDuringExecution node affinity. */
export function nodeMatches(podSpec, node) {
  const labels = node.metadata?.labels ?? {}
  for (const [k, v] of Object.entries(podSpec?.nodeSelector ?? {})) if (labels[k] !== v) return false
  const terms = podSpec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
  if (!terms) return true
  const fields = { 'metadata.name': node.metadata?.name }
  return terms.some(
    (term) =>
      ((term.matchExpressions ?? []).length || (term.matchFields ?? []).length) &&
      (term.matchExpressions ?? []).every((r) => requirementMatches(r, labels[r.key], r.key in labels)) &&
      (term.matchFields ?? []).every((r) => requirementMatches(r, fields[r.key], r.key in fields)),
  )
}
