// flotilla-sim: SIMULATOR, not a Kubernetes component. Server-side apply (PATCH with
// `application/apply-patch+yaml`), the part a manifest applier relies on: the applied configuration
// creates the object when it is absent, is merged into it when present (lists with a merge key by
// that key, other lists replaced, as structured-merge-diff does for the built-in types; every list
// of a custom resource is atomic), the fields this field manager applied last time and no longer
// applies are removed, and what it applied is recorded in metadata.managedFields (operation Apply,
// FieldsV1 in upstream's `f:`/`k:`/`v:` notation). A re-apply of the same configuration changes
// nothing (same resourceVersion). Conflict detection between managers is NOT simulated: an apply
// without force=true is refused loudly instead of being let through.
import { strategyFor } from './patch.mjs'

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
// Identity and server-owned metadata are not fields a manager owns.
const META_SKIP = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
])

/** The FieldsV1 set of an applied configuration. atomicLists: every list is one field (custom resources). */
export function fieldSet(obj, { atomicLists = false } = {}) {
  const walk = (value, path) => {
    const out = {}
    for (const [k, v] of Object.entries(value)) {
      if (!path && (k === 'apiVersion' || k === 'kind')) continue
      if (path === 'metadata' && META_SKIP.has(k)) continue
      if (v === null || v === undefined) continue
      const p = path ? `${path}.${k}` : k
      if (isObj(v)) out[`f:${k}`] = walk(v, p)
      else if (Array.isArray(v) && !atomicLists) {
        const strategy = strategyFor(p, k)
        if (strategy === 'set') out[`f:${k}`] = Object.fromEntries(v.map((x) => [`v:${JSON.stringify(x)}`, {}]))
        else if (strategy?.startsWith('merge:')) {
          const key = strategy.slice('merge:'.length)
          out[`f:${k}`] = Object.fromEntries(
            v.filter(isObj).map((item) => [`k:${JSON.stringify({ [key]: item[key] })}`, { '.': {}, ...walk(item, p) }]),
          )
        } else out[`f:${k}`] = {}
      } else out[`f:${k}`] = {}
    }
    return out
  }
  return walk(obj, '')
}

/** Removes from value what the previous set owned and the next set does not (in place). */
export function pruneOwned(value, prev, next) {
  for (const [k, sub] of Object.entries(prev ?? {})) {
    if (k === '.') continue
    const nsub = next?.[k]
    if (k.startsWith('f:')) {
      const f = k.slice(2)
      if (!isObj(value) || !(f in value)) continue
      if (nsub === undefined) delete value[f]
      else if (Object.keys(sub).length && Object.keys(nsub).length) pruneOwned(value[f], sub, nsub)
    } else if (k.startsWith('k:') || k.startsWith('v:')) {
      if (!Array.isArray(value)) continue
      const want = JSON.parse(k.slice(2))
      const i = value.findIndex((it) =>
        k.startsWith('k:')
          ? isObj(it) && Object.entries(want).every(([a, b]) => it[a] === b)
          : JSON.stringify(it) === JSON.stringify(want),
      )
      if (i < 0) continue
      if (nsub === undefined) value.splice(i, 1)
      else if (k.startsWith('k:')) pruneOwned(value[i], sub, nsub)
    }
  }
}

/** managedFields with `manager`'s Apply entry replaced by `fields` (time kept when the set is unchanged). */
export function withApplyEntry(managedFields, manager, apiVersion, fields, time) {
  const others = (managedFields ?? []).filter((m) => !(m.manager === manager && m.operation === 'Apply'))
  const old = (managedFields ?? []).find((m) => m.manager === manager && m.operation === 'Apply')
  const same = old && JSON.stringify(old.fieldsV1) === JSON.stringify(fields) && old.apiVersion === apiVersion
  return [
    ...others,
    {
      manager,
      operation: 'Apply',
      apiVersion,
      time: same ? old.time : time,
      fieldsType: 'FieldsV1',
      fieldsV1: fields,
    },
  ]
}

export const previousApply = (obj, manager) =>
  (obj?.metadata?.managedFields ?? []).find((m) => m.manager === manager && m.operation === 'Apply')?.fieldsV1
