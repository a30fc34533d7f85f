// flotilla-sim: SIMULATOR, not a Kubernetes component. Errors (metav1.Status), label and field
// selectors, and small helpers shared by the API server stand-in.
import crypto from 'node:crypto'

/** An API error answered as a metav1.Status. */
export class ApiError extends Error {
  constructor(code, reason, message, details) {
    super(message)
    this.code = code
    this.reason = reason
    this.details = details
  }
  status() {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    }
  }
}

/** `pods "x"` / `deployments.apps "x"` as the real error messages name a resource. */
export const qualified = (res) => (res.group ? `${res.plural}.${res.group}` : res.plural)

export const notFound = (res, name) =>
  new ApiError(404, 'NotFound', `${qualified(res)} "${name}" not found`, {
    name,
    ...(res.group ? { group: res.group } : {}),
    kind: res.plural,
  })
export const alreadyExists = (res, name) =>
  new ApiError(409, 'AlreadyExists', `${qualified(res)} "${name}" already exists`, {
    name,
    ...(res.group ? { group: res.group } : {}),
    kind: res.plural,
  })
export const conflict = (res, name) =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(res)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, ...(res.group ? { group: res.group } : {}), kind: res.plural },
  )
export const badRequest = (message) => new ApiError(400, 'BadRequest', message)
export const invalid = (res, name, causes) =>
  new ApiError(
    422,
    'Invalid',
    // errors.NewInvalid: GroupKind "name" is invalid: <aggregate> ([a, b] when more than one)
    `${res.group ? `${res.kind}.${res.group}` : res.kind} "${name}" is invalid: ${
      causes.length === 1
        ? `${causes[0].field}: ${causes[0].message}`
        : `[${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}]`
    }`,
    {
      name,
      ...(res.group ? { group: res.group } : {}),
      kind: res.kind,
      causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
    },
  )
export const unauthorized = () => new ApiError(401, 'Unauthorized', 'Unauthorized')

export const uid = () => crypto.randomUUID()
export const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z')
export const clone = (o) => (o === undefined ? undefined : JSON.parse(JSON.stringify(o)))

// ---- label selectors (k8s.io/apimachinery/pkg/labels) ----
export function parseLabelSelector(text) {
  const reqs = []
  if (!text) return reqs
  // split on commas outside parentheses
  const parts = []
  let depth = 0
  let cur = ''
  for (const ch of text) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      parts.push(cur)
      cur = ''
    } else cur += ch
  }
  parts.push(cur)
  const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/
  for (const raw of parts) {
    const p = raw.trim()
    if (!p) continue
    let m
    if ((m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p))) {
      reqs.push({ key: m[1], op: m[2], values: m[3].split(',').map((s) => s.trim()) })
    } else if ((m = /^([^=!\s]+)\s*(==|!=|=)\s*(\S*)$/.exec(p))) {
      reqs.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] })
    } else if ((m = /^!\s*(\S+)$/.exec(p))) {
      reqs.push({ key: m[1], op: '!' })
    } else if (KEY.test(p)) {
      reqs.push({ key: p, op: 'exists' })
    } else {
      throw badRequest(`unable to parse requirement: found '${p}', expected: identifier`)
    }
  }
  for (const r of reqs)
    if (!KEY.test(r.key)) throw badRequest(`unable to parse requirement: invalid label key "${r.key}"`)
  return reqs
}
export function labelsMatch(reqs, labels = {}) {
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key)
    switch (r.op) {
      case '=':
        return has && labels[r.key] === r.values[0]
      case '!=':
        return !has || labels[r.key] !== r.values[0]
      case 'in':
        return has && r.values.includes(labels[r.key])
      case 'notin':
        return !has || !r.values.includes(labels[r.key])
      case 'exists':
        return has
      case '!':
        return !has
    }
    return false
  })
}
/** metav1.LabelSelector {matchLabels, matchExpressions} against labels. */
export function labelSelectorMatches(sel, labels = {}) {
  if (!sel) return false
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key)
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false
    if (e.operator === 'Exists' && !has) return false
    if (e.operator === 'DoesNotExist' && has) return false
  }
  return true
}

// ---- field selectors ----
export function parseFieldSelector(text, fields) {
  const reqs = []
  if (!text) return reqs
  for (const raw of text.split(',')) {
    const p = raw.trim()
    if (!p) continue
    const m = /^([^=!]+)(==|!=|=)(.*)$/.exec(p)
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${p}'`)
    const field = m[1].trim()
    if (!fields[field]) throw badRequest(`field label not supported: ${field}`)
    reqs.push({ field, neg: m[2] === '!=', value: m[3].trim(), get: fields[field] })
  }
  return reqs
}
export const fieldsMatch = (reqs, obj) =>
  reqs.every((r) => {
    const v = String(r.get(obj) ?? '')
    return r.neg ? v !== r.value : v === r.value
  })

/** kubectl-like age: 45s, 5m10s, 3h, 2d3h, 400d. */
export function age(ts) {
  if (!ts) return '<unknown>'
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(ts)) / 1000))
  if (s < 120) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`
  if (m < 180) return `${m}m`
  const h = Math.floor(m / 60)
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`
  if (h < 48) return `${h}h`
  const d = Math.floor(h / 24)
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`
  return `${d}d`
}
