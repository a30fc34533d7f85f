// flotilla-sim: SIMULATOR, not a Kubernetes component. CustomResourceDefinitions
// (apiextensions.k8s.io/v1) as the API server stand-in serves them: the checks of upstream's
// apiextensions validation.go that matter to a manifest author (name = plural.group, group with a
// dot, scope, names, exactly one storage version, a structural schema per version), the naming and
// establishing controllers (NamesAccepted, then Established after ESTABLISH_DELAY_MS, so a client
// that does not wait for Established meets the 404 a real cluster gives in that window), the
// served resources of established CRDs, and a minimal structural-schema check of custom resources
// (types, required, enum, pruning of unknown fields). Not checked: formats, patterns, min/max,
// CEL rules (x-kubernetes-validations), defaults, conversion webhooks, list-type/map-keys.
import { now } from './util.mjs'

/** Established comes this long after the CRD is seen (upstream: as soon as the controllers run). */
export const ESTABLISH_DELAY_MS = 1000

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const q = (v) => JSON.stringify(v)

/** Field errors [{field, message, reason}] of a CRD (upstream ValidateCustomResourceDefinition, the common ones). */
export function crdErrors(crd) {
  const errs = []
  const add = (field, message, reason) => errs.push({ field, message, ...(reason ? { reason } : {}) })
  const required = (field) => add(field, 'Required value', 'FieldValueRequired')
  const spec = crd.spec ?? {}
  const names = spec.names ?? {}
  if (!spec.group) required('spec.group')
  else if (!DNS1123_SUBDOMAIN.test(spec.group))
    add(
      'spec.group',
      `Invalid value: ${q(spec.group)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    )
  else if (!spec.group.includes('.'))
    add('spec.group', `Invalid value: ${q(spec.group)}: should be a domain with at least one dot`)
  if (crd.metadata?.name !== `${names.plural}.${spec.group}`)
    add('metadata.name', `Invalid value: ${q(crd.metadata?.name)}: must be spec.names.plural+"."+spec.group`)
  if (!spec.scope) required('spec.scope')
  else if (!['Cluster', 'Namespaced'].includes(spec.scope))
    add(
      'spec.scope',
      `Unsupported value: ${q(spec.scope)}: supported values: "Cluster", "Namespaced"`,
      'FieldValueNotSupported',
    )
  for (const f of ['plural', 'singular', 'kind', 'listKind']) {
    const v = names[f]
    if (v === undefined || v === '') {
      if (f === 'plural' || f === 'kind') required(`spec.names.${f}`)
      continue
    }
    const ok = f === 'kind' || f === 'listKind' ? /^[A-Za-z][A-Za-z0-9]*$/.test(v) : DNS1035_LABEL.test(v)
    if (!ok)
      add(
        `spec.names.${f}`,
        `Invalid value: ${q(v)}: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character`,
      )
  }
  const versions = Array.isArray(spec.versions) ? spec.versions : []
  if (!versions.length)
    add('spec.versions', 'Invalid value: null: must have exactly one version marked as storage version')
  else if (versions.filter((v) => v?.storage === true).length !== 1)
    add(
      'spec.versions',
      `Invalid value: ${q(versions.map((v) => ({ name: v?.name, storage: v?.storage })))}: must have exactly one version marked as storage version`,
    )
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`
    if (!v?.name) required(`${p}.name`)
    else if (!DNS1035_LABEL.test(v.name))
      add(
        `${p}.name`,
        `Invalid value: ${q(v.name)}: a DNS-1035 label must consist of lower case alphanumeric characters or '-'`,
      )
    if (typeof v?.served !== 'boolean') required(`${p}.served`)
    if (typeof v?.storage !== 'boolean') required(`${p}.storage`)
    const schema = v?.schema?.openAPIV3Schema
    if (!schema) add(`${p}.schema.openAPIV3Schema`, 'Required value: schemas are required', 'FieldValueRequired')
    else if (schema.type !== 'object')
      add(
        `${p}.schema.openAPIV3Schema.type`,
        schema.type === undefined
          ? 'Required value: must not be empty at the root'
          : `Invalid value: ${q(schema.type)}: must be object at the root`,
      )
    else errs.push(...structuralErrors(schema, `${p}.schema.openAPIV3Schema`))
  })
  const names2 = new Set(versions.map((v) => v?.name))
  if (names2.size !== versions.length) add('spec.versions', 'Invalid value: must contain unique version names')
  return errs
}

/** A structural schema: every node says its type (unless it preserves unknown fields or is int-or-string). */
function structuralErrors(s, path) {
  const errs = []
  const walk = (node, p) => {
    if (!node || typeof node !== 'object') return
    if (node.type === undefined && !node['x-kubernetes-int-or-string'] && !node['x-kubernetes-preserve-unknown-fields'])
      errs.push({
        field: `${p}.type`,
        message: 'Required value: must not be empty for specified object fields',
        reason: 'FieldValueRequired',
      })
    for (const [k, child] of Object.entries(node.properties ?? {})) walk(child, `${p}.properties[${k}]`)
    if (node.items) walk(node.items, `${p}.items`)
    if (node.additionalProperties && typeof node.additionalProperties === 'object')
      walk(node.additionalProperties, `${p}.additionalProperties`)
  }
  walk(s, path)
  return errs
}

/** Defaults the real server fills in (SetDefaults_CustomResourceDefinition). */
export function crdDefaults(crd) {
  const n = (crd.spec.names ??= {})
  n.singular ??= String(n.kind ?? '').toLowerCase()
  n.listKind ??= `${n.kind}List`
  crd.spec.conversion ??= { strategy: 'None' }
  for (const v of crd.spec.versions ?? []) v.schema ??= {}
}

const cond = (type, status, reason, message) => ({
  type,
  status,
  lastTransitionTime: now(),
  reason,
  message,
})

/**
 * The naming + establishing controllers: the status a CRD should have, or undefined when it has it.
 * others: the other CRDs (a plural or kind already taken in the group is not accepted).
 */
export function crdStatus(crd, others) {
  const { group, names } = crd.spec
  const taken = others.find(
    (o) =>
      o.metadata.name !== crd.metadata.name &&
      o.spec?.group === group &&
      (o.status?.acceptedNames?.plural === names.plural || o.status?.acceptedNames?.kind === names.kind),
  )
  const has = (t) => (crd.status?.conditions ?? []).find((c) => c.type === t)?.status
  if (taken) {
    if (has('NamesAccepted') === 'False') return undefined
    return {
      ...(crd.status ?? {}),
      conditions: [
        cond(
          'NamesAccepted',
          'False',
          'MultipleNamesNotAllowed',
          `"${taken.status.acceptedNames.plural === names.plural ? names.plural : names.kind}" is already in use`,
        ),
        cond('Established', 'False', 'NotAccepted', 'not all names are accepted'),
      ],
    }
  }
  if (has('NamesAccepted') === 'True' && has('Established') === 'True') return undefined
  const storage = (crd.spec.versions ?? []).find((v) => v.storage)?.name
  return {
    acceptedNames: {
      plural: names.plural,
      singular: names.singular,
      kind: names.kind,
      listKind: names.listKind,
      ...(names.shortNames ? { shortNames: names.shortNames } : {}),
      ...(names.categories ? { categories: names.categories } : {}),
    },
    storedVersions: [...new Set([...(crd.status?.storedVersions ?? []), storage])],
    conditions: [
      cond('NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'),
      cond('Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
  }
}

export const isEstablished = (crd) =>
  (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True')

/** The resource-table entries (see resources.mjs) of an established CRD, one per served version. */
export function crdResources(crd) {
  if (!isEstablished(crd)) return []
  const { group, scope } = crd.spec
  const names = crd.status?.acceptedNames ?? crd.spec.names
  return (crd.spec.versions ?? [])
    .filter((v) => v.served)
    .map((v) => ({
      group,
      version: v.name,
      kind: names.kind,
      plural: names.plural,
      singular: names.singular ?? names.kind.toLowerCase(),
      namespaced: scope === 'Namespaced',
      verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
      ...(names.shortNames ? { shortNames: names.shortNames } : {}),
      ...(names.categories ? { categories: names.categories } : {}),
      subresources: v.subresources?.status ? ['status'] : [],
      etcd: `${group}/${names.plural}`,
      schema: v.schema?.openAPIV3Schema,
      crd: crd.metadata.name,
    }))
}

/**
 * Checks a custom resource against its version's schema: wrong types, missing required fields and
 * values outside an enum are errors; fields the schema does not declare (outside
 * x-kubernetes-preserve-unknown-fields) are returned as `unknown` (the server prunes them).
 */
export function crValidation(schema, obj) {
  const errors = []
  const unknown = []
  const typeOf = (v) =>
    v === null
      ? 'null'
      : Array.isArray(v)
        ? 'array'
        : Number.isInteger(v)
          ? 'integer'
          : typeof v === 'number'
            ? 'number'
            : typeof v
  const walk = (value, s, path, parent, key) => {
    if (!s || value === undefined) return
    if (s['x-kubernetes-int-or-string']) {
      if (!['integer', 'string'].includes(typeOf(value)))
        errors.push({ field: path, message: `Invalid value: ${q(value)}: must be an integer or a string` })
      return
    }
    const t = typeOf(value)
    if (s.type && !(s.type === t || (s.type === 'number' && t === 'integer'))) {
      if (!(value === null && s.nullable))
        errors.push({
          field: path,
          message: `Invalid value: ${q(typeOf(value))}: ${path} in body must be of type ${s.type}: ${q(t)}`,
          reason: 'FieldValueTypeInvalid',
        })
      return
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
      errors.push({
        field: path,
        message: `Unsupported value: ${q(value)}: supported values: ${s.enum.map(q).join(', ')}`,
        reason: 'FieldValueNotSupported',
      })
    if (t === 'object') {
      for (const r of s.required ?? [])
        if (value[r] === undefined)
          errors.push({ field: path ? `${path}.${r}` : r, message: 'Required value', reason: 'FieldValueRequired' })
      for (const [k, v] of Object.entries(value)) {
        const p = path ? `${path}.${k}` : k
        if (!path && ['apiVersion', 'kind', 'metadata'].includes(k)) continue
        if (s.properties?.[k]) walk(v, s.properties[k], p, value, k)
        else if (s.additionalProperties && typeof s.additionalProperties === 'object')
          walk(v, s.additionalProperties, p, value, k)
        else if (!s['x-kubernetes-preserve-unknown-fields'] && s.additionalProperties !== true)
          unknown.push({ path: p, parent: value, key: k })
      }
    }
    if (t === 'array' && s.items) value.forEach((v, i) => walk(v, s.items, `${path}[${i}]`, value, i))
    void parent
    void key
  }
  walk(obj, schema, '', undefined, undefined)
  return { errors, unknown }
}
