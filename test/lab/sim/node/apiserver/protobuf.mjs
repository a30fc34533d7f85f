// flotilla-sim: SIMULATOR, not a Kubernetes component. The one protobuf request body the API server
// stand-in must read: kubectl (client-go's authorization client) POSTs SelfSubjectAccessReviews as
// application/vnd.kubernetes.protobuf (`kubectl auth can-i`). A minimal wire-format reader turns
// the k8s envelope ("k8s\0" + runtime.Unknown) into the review's JSON form; answers stay JSON.
import { ApiError } from './util.mjs'

function fields(buf) {
  const out = []
  let i = 0
  const varint = () => {
    let v = 0
    let shift = 0
    for (;;) {
      const b = buf[i++]
      v += (b & 0x7f) * 2 ** shift
      if (!(b & 0x80)) return v
      shift += 7
    }
  }
  while (i < buf.length) {
    const tag = varint()
    const no = Math.floor(tag / 8)
    const wire = tag & 7
    if (wire === 0) out.push([no, varint()])
    else if (wire === 2) {
      const len = varint()
      out.push([no, buf.subarray(i, i + len)])
      i += len
    } else if (wire === 1) i += 8
    else if (wire === 5) i += 4
    else throw new ApiError(400, 'BadRequest', 'the object provided is unrecognized or malformed')
  }
  return out
}
const str = (f, no) => {
  const x = f.find(([n]) => n === no)
  return x ? Buffer.from(x[1]).toString('utf8') : undefined
}
const sub = (f, no) => {
  const x = f.find(([n]) => n === no)
  return x ? fields(x[1]) : undefined
}

/** Decodes a protobuf (Self)SubjectAccessReview request body into its JSON shape. */
export function decodeAccessReview(body) {
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\0')
    throw new ApiError(
      400,
      'BadRequest',
      'the object provided is unrecognized or malformed: missing k8s protobuf envelope',
    )
  const unknown = fields(body.subarray(4))
  const typeMeta = sub(unknown, 1) ?? []
  const kind = str(typeMeta, 2)
  const raw = unknown.find(([n]) => n === 2)?.[1]
  if (!raw || !['SelfSubjectAccessReview', 'SubjectAccessReview'].includes(kind))
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `flotilla-sim: protobuf ${kind ?? 'object'} is not simulated; send application/json`,
    )
  const review = fields(raw)
  const spec = sub(review, 2) ?? []
  const out = {}
  const ra = sub(spec, 1)
  if (ra) {
    out.resourceAttributes = {}
    ;['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'].forEach((k, i) => {
      const v = str(ra, i + 1)
      if (v !== undefined) out.resourceAttributes[k] = v
    })
  }
  const nra = sub(spec, 2)
  if (nra) out.nonResourceAttributes = { path: str(nra, 1) ?? '', verb: str(nra, 2) ?? '' }
  if (kind === 'SubjectAccessReview') {
    // SubjectAccessReviewSpec: resourceAttributes 1, nonResourceAttributes 2, user 3, groups 4, uid 6
    const u = str(spec, 3)
    if (u !== undefined) out.user = u
    out.groups = spec.filter(([n]) => n === 4).map(([, v]) => Buffer.from(v).toString('utf8'))
  }
  return { apiVersion: 'authorization.k8s.io/v1', kind, spec: out }
}
