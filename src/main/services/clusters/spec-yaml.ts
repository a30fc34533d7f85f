/**
 * The cluster spec as a YAML file (`flotilla clusters export/import`, issue 12): read with every
 * problem tied to its line, written in one canonical order so that export → import → export is
 * the identity and a spec diffs cleanly in git.
 */
import { isMap, isScalar, LineCounter, parseDocument, stringify, type Document } from 'yaml'
import type { z } from 'zod'
import { clusterSpecSchema, type ClusterSpecDocument } from '../../../shared/cluster-spec'
import { AppError } from '../../../shared/errors'

export interface SpecProblem {
  /** Dotted path in the document, e.g. "spec.network.cni" ('' for the whole document). */
  path: string
  /** 1-based line in the file, when the problem has a place in it. */
  line?: number | undefined
  message: string
}

/**
 * Parses and checks a spec file. Throws INVALID_INPUT with `details.problems` (each with its line)
 * and a message that lists them, `<file> line N: …`, one per line.
 */
export function readSpecYaml(text: string, fileName = 'the spec'): ClusterSpecDocument {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false })
  const problems: SpecProblem[] = doc.errors.map((e) => ({
    path: '',
    line: lines.linePos(e.pos[0]).line,
    message: yamlMessage(e.code, e.message),
  }))
  if (problems.length === 0) {
    const parsed = clusterSpecSchema.safeParse(doc.toJS())
    if (parsed.success) return parsed.data
    problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(issue, doc, lines)))
  }
  throw specProblems(problems, fileName)
}

/**
 * Checks a spec given as an object (the UI, `clusters:import` over the contract): the same rules
 * and sentences as a file, without lines.
 */
export function readSpecObject(value: unknown, what = 'the spec'): ClusterSpecDocument {
  const parsed = clusterSpecSchema.safeParse(value)
  if (parsed.success) return parsed.data
  throw specProblems(
    parsed.error.issues.flatMap((issue) => describeIssue(issue)),
    what,
  )
}

function specProblems(problems: SpecProblem[], fileName: string): AppError {
  return new AppError(
    'INVALID_INPUT',
    problems.map((p) => `${fileName}${p.line ? ` line ${p.line}` : ''}: ${p.message}`).join('\n'),
    { problems },
  )
}

/** The spec as YAML, keys in the documented order, defaults written out. */
export function writeSpecYaml(spec: ClusterSpecDocument): string {
  const s = spec.spec
  const canonical = {
    apiVersion: spec.apiVersion,
    kind: spec.kind,
    metadata: { name: spec.metadata.name },
    spec: {
      flavour: s.flavour,
      kubernetesVersion: s.kubernetesVersion,
      endpoint: s.endpoint.haproxy
        ? { haproxy: { host: s.endpoint.haproxy.host, port: s.endpoint.haproxy.port } }
        : { address: s.endpoint.address },
      etcd: s.etcd,
      network: { cni: s.network.cni, podSubnet: s.network.podSubnet, serviceSubnet: s.network.serviceSubnet },
      devCluster: s.devCluster,
      nodes: s.nodes.map((n) => ({ host: n.host, roles: [...n.roles] })),
    },
  }
  return stringify(canonical, { lineWidth: 0 })
}

/** `doc` and `lines` place the problem in a file; without them (an object) there is no line. */
function describeIssue(issue: z.core.$ZodIssue, doc?: Document, lines?: LineCounter): SpecProblem[] {
  const path = issue.path.map(String)
  const dotted = (p: string[]) => p.join('.')
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(path)
    return issue.keys.map((key) => ({
      path: dotted([...path, key]),
      line: doc && lines ? lineOfKey(doc, issue.path, key, lines) : undefined,
      message: `"${dotted([...path, key])}" is not a field Flotilla knows${known ? ` (${known})` : ''}.`,
    }))
  }
  return [
    {
      path: dotted(path),
      line: doc && lines ? lineOfValue(doc, issue.path, lines) : undefined,
      message: `${path.length ? `${dotted(path)}: ` : ''}${issue.message}`,
    },
  ]
}

/** The fields an object at `path` may have, for the "not a field" message. */
function knownKeys(path: string[]): string | undefined {
  const shapes: Record<string, string[]> = {
    '': ['apiVersion', 'kind', 'metadata', 'spec'],
    metadata: ['name'],
    spec: ['flavour', 'kubernetesVersion', 'endpoint', 'etcd', 'network', 'devCluster', 'nodes'],
    'spec.endpoint': ['haproxy', 'address'],
    'spec.endpoint.haproxy': ['host', 'port'],
    'spec.network': ['cni', 'podSubnet', 'serviceSubnet'],
  }
  const key = path.map((p) => (/^\d+$/.test(p) ? '*' : p)).join('.')
  return (key === 'spec.nodes.*' ? ['host', 'roles'] : shapes[key])?.join(', ')
}

function lineOfValue(doc: Document, path: PropertyKey[], lines: LineCounter): number | undefined {
  // The deepest node that exists: a missing field is reported where its parent is.
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined
    if (node?.range) return lines.linePos(node.range[0]).line
  }
  return undefined
}

function lineOfKey(doc: Document, path: PropertyKey[], key: string, lines: LineCounter): number | undefined {
  const map = path.length ? doc.getIn(path, true) : doc.contents
  if (isMap(map)) {
    const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key)
    const range = isScalar(pair?.key) ? pair.key.range : undefined
    if (range) return lines.linePos(range[0]).line
  }
  return lineOfValue(doc, path, lines)
}

function yamlMessage(code: string, message: string): string {
  if (code === 'DUPLICATE_KEY') return 'A field is given twice.'
  // The parser's own message, without its position suffix (the line is reported separately).
  return `Not valid YAML: ${message.replace(/ at line \d+, column \d+.*$/s, '')}`
}
