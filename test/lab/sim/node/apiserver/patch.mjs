// flotilla-sim: SIMULATOR, not a Kubernetes component. The three patch types the API server
// accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch with the
// patchMergeKey/patchStrategy tags of the upstream Go types the stand-ins serve (lists without a
// merge key, e.g. Node spec.taints or Pod spec.tolerations, are replaced whole, as upstream).
import { badRequest, ApiError, clone } from './util.mjs'

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)

export function mergePatch(target, patch) {
  if (!isObj(patch)) return clone(patch)
  const out = isObj(target) ? clone(target) : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

function pointer(path) {
  if (path === '') return []
  if (!path.startsWith('/')) throw badRequest(`the server rejected our request due to an error in our request`)
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}
export function jsonPatch(doc, ops) {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch')
  let out = clone(doc)
  const walk = (parts, create = false) => {
    let cur = out
    for (const p of parts.slice(0, -1)) {
      if (cur === null || typeof cur !== 'object' || !(p in cur)) {
        if (create) throw new ApiError(422, 'Invalid', `doc is missing path: "/${parts.join('/')}": missing value`)
        throw new ApiError(422, 'Invalid', `doc is missing path: "/${parts.join('/')}": missing value`)
      }
      cur = cur[p]
    }
    return [cur, parts[parts.length - 1]]
  }
  const get = (path) => {
    let cur = out
    for (const p of pointer(path)) {
      if (cur === null || typeof cur !== 'object' || !(p in cur))
        throw new ApiError(422, 'Invalid', `doc is missing path: "${path}": missing value`)
      cur = cur[p]
    }
    return cur
  }
  const add = (path, value) => {
    const parts = pointer(path)
    if (!parts.length) return void (out = value)
    const [parent, last] = walk(parts, true)
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last)
      if (!(i >= 0 && i <= parent.length))
        throw new ApiError(
          422,
          'Invalid',
          `add operation does not apply: doc is missing path: "${path}": missing value`,
        )
      parent.splice(i, 0, value)
    } else if (isObj(parent)) parent[last] = value
    else throw new ApiError(422, 'Invalid', `doc is missing path: "${path}": missing value`)
  }
  const remove = (path) => {
    const [parent, last] = walk(pointer(path))
    if (Array.isArray(parent)) {
      const i = Number(last)
      if (!(i >= 0 && i < parent.length))
        throw new ApiError(
          422,
          'Invalid',
          `remove operation does not apply: doc is missing path: "${path}": missing value`,
        )
      return parent.splice(i, 1)[0]
    }
    if (!isObj(parent) || !(last in parent))
      throw new ApiError(
        422,
        'Invalid',
        `remove operation does not apply: doc is missing path: "${path}": missing value`,
      )
    const v = parent[last]
    delete parent[last]
    return v
  }
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        add(op.path, clone(op.value))
        break
      case 'remove':
        remove(op.path)
        break
      case 'replace':
        get(op.path)
        remove(op.path)
        add(op.path, clone(op.value))
        break
      case 'move':
        add(op.path, remove(op.from))
        break
      case 'copy':
        add(op.path, clone(get(op.from)))
        break
      case 'test':
        if (JSON.stringify(get(op.path)) !== JSON.stringify(op.value))
          throw new ApiError(422, 'Invalid', `testing value ${op.path} failed: test failed`)
        break
      default:
        throw badRequest(`Unexpected kind: ${op.op}`)
    }
  }
  return out
}

// patchMergeKey / patchStrategy of the upstream types, by field name (the stand-ins' types only).
// 'merge:<key>' merges list items by that key; 'set' merges a list of primitives; absent = replace.
const LIST_STRATEGY = {
  containers: 'merge:name',
  initContainers: 'merge:name',
  ephemeralContainers: 'merge:name',
  volumes: 'merge:name',
  env: 'merge:name',
  volumeMounts: 'merge:mountPath',
  volumeDevices: 'merge:devicePath',
  imagePullSecrets: 'merge:name',
  hostAliases: 'merge:ip',
  ownerReferences: 'merge:uid',
  finalizers: 'set',
  conditions: 'merge:type',
  addresses: 'merge:type', // NodeStatus.addresses (upstream's famous merge-by-type)
  topologySpreadConstraints: 'merge:topologyKey',
  resourceClaims: 'merge:name',
  schedulingGates: 'merge:name',
}
export function strategyFor(path, field) {
  // container ports merge by containerPort, service ports by port
  if (field === 'ports')
    return path.includes('containers') || path.endsWith('Containers') ? 'merge:containerPort' : 'merge:port'
  if (field === 'conditions' || field === 'addresses')
    return path.startsWith('status') ? LIST_STRATEGY[field] : undefined
  return LIST_STRATEGY[field]
}

export function strategicMerge(target, patch, path = '') {
  if (!isObj(patch)) return clone(patch)
  let out = isObj(target) ? clone(target) : {}
  if (patch.$patch === 'replace') {
    const p = clone(patch)
    delete p.$patch
    return p
  }
  if (patch.$patch === 'delete') return undefined
  const retain = patch.$retainKeys
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue
    if (k.startsWith('$setElementOrder/')) continue
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length)
      if (Array.isArray(out[f])) out[f] = out[f].filter((x) => !v.includes(x))
      continue
    }
    const fieldPath = path ? `${path}.${k}` : k
    if (v === null) {
      delete out[k]
    } else if (Array.isArray(v)) {
      const strategy = strategyFor(fieldPath, k)
      out[k] = mergeList(out[k], v, strategy, fieldPath)
      if (out[k] === undefined) delete out[k]
    } else if (isObj(v)) {
      const merged = strategicMerge(out[k], v, fieldPath)
      if (merged === undefined) delete out[k]
      else out[k] = merged
    } else out[k] = v
  }
  if (Array.isArray(retain)) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k]
  return out
}

function mergeList(current, patch, strategy, path) {
  if (!strategy) {
    if (patch.some((x) => isObj(x) && x.$patch === 'replace')) return patch.filter((x) => !(isObj(x) && x.$patch))
    return clone(patch)
  }
  if (patch.some((x) => isObj(x) && x.$patch === 'replace')) return patch.filter((x) => !(isObj(x) && x.$patch))
  const cur = Array.isArray(current) ? clone(current) : []
  if (strategy === 'set') {
    for (const x of patch) if (!cur.includes(x)) cur.push(x)
    return cur
  }
  const key = strategy.slice('merge:'.length)
  for (const item of patch) {
    if (!isObj(item)) {
      cur.push(item)
      continue
    }
    if (!(key in item)) throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`)
    const i = cur.findIndex((c) => isObj(c) && c[key] === item[key])
    if (item.$patch === 'delete') {
      if (i >= 0) cur.splice(i, 1)
      continue
    }
    if (i >= 0) cur[i] = strategicMerge(cur[i], item, path)
    else {
      const n = clone(item)
      delete n.$patch
      cur.push(strategicMerge({}, n, path))
    }
  }
  return cur
}
