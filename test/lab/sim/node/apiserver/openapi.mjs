// flotilla-sim: SIMULATOR, not a Kubernetes component. A minimal OpenAPI v3 discovery: the root
// (/openapi/v3) lists a document per group-version, and each document has the PATCH operations
// with their x-kubernetes-group-version-kind and the fieldValidation query parameter. That is what
// kubectl 1.32 reads to decide that the server validates fields itself (`--validate=strict`
// becomes `?fieldValidation=Strict`). No schemas: kubectl falls back to its compiled-in types.
import { RESOURCES, apiVersionOf } from './resources.mjs'

const gvPath = (r) => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`)

export function openapiV3(rest) {
  const gvs = [...new Set(RESOURCES.filter((r) => !r.virtual).map(gvPath))]
  if (rest === '' || rest === '/') {
    return {
      paths: Object.fromEntries(gvs.map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=flotilla-sim` }])),
    }
  }
  const gv = rest.replace(/^\//, '')
  if (!gvs.includes(gv)) return undefined
  const paths = {}
  const params = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
    name,
    in: 'query',
    schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
  }))
  for (const r of RESOURCES.filter((x) => gvPath(x) === gv && !x.virtual)) {
    const base = `/${gv}/${r.namespaced ? 'namespaces/{namespace}/' : ''}${r.plural}/{name}`
    const op = (verb) => ({
      operationId: `${verb}${r.kind}`,
      parameters: params,
      'x-kubernetes-action': verb,
      'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
      responses: { 200: { description: 'OK' } },
    })
    paths[base] = { patch: op('patch'), put: op('put') }
    paths[`/${gv}/${r.namespaced ? 'namespaces/{namespace}/' : ''}${r.plural}`] = { post: op('post') }
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.4' }, paths, components: { schemas: {} } }
}
export { apiVersionOf }
