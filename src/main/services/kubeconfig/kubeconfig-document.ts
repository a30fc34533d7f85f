import YAML from 'yaml'

/**
 * Kubeconfig documents (kubeconfig.v1 schema): building one for a cluster, and merging one into an
 * existing file. Other clusters, users, contexts and any keys Flotilla does not know are kept.
 */

export interface KubeconfigEntry {
  /** Used for the cluster, the user and the context alike: `flotilla-<cluster>`. */
  name: string
  server: string
  caPem: string
  certPem: string
  keyPem: string
}

type Named = { name?: unknown } & Record<string, unknown>
export type KubeconfigObject = Record<string, unknown> & {
  clusters?: Named[]
  users?: Named[]
  contexts?: Named[]
  'current-context'?: string
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')

/** A complete kubeconfig holding just this entry, its context current. */
export function singleKubeconfig(entry: KubeconfigEntry): KubeconfigObject {
  return mergeKubeconfig({}, entry, true)
}

/** `base` with this entry's cluster, user and context added (or replaced when the name exists). */
export function mergeKubeconfig(base: KubeconfigObject, entry: KubeconfigEntry, useContext: boolean): KubeconfigObject {
  const replace = (list: Named[] | undefined, item: Named) => [
    ...(list ?? []).filter((x) => x.name !== entry.name),
    item,
  ]
  const merged: KubeconfigObject = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    ...base,
    clusters: replace(base.clusters, {
      name: entry.name,
      cluster: { server: entry.server, 'certificate-authority-data': b64(entry.caPem) },
    }),
    users: replace(base.users, {
      name: entry.name,
      user: { 'client-certificate-data': b64(entry.certPem), 'client-key-data': b64(entry.keyPem) },
    }),
    contexts: replace(base.contexts, { name: entry.name, context: { cluster: entry.name, user: entry.name } }),
  }
  if (useContext || !base['current-context']) merged['current-context'] = entry.name
  return merged
}

/**
 * Parses an existing kubeconfig; null when it is not one (not YAML, not a mapping, or lists that
 * are not lists). An empty file counts as an empty kubeconfig.
 */
export function parseKubeconfig(text: string): KubeconfigObject | null {
  let value: unknown
  try {
    value = YAML.parse(text)
  } catch {
    return null
  }
  if (value === null || value === undefined) return {}
  if (typeof value !== 'object' || Array.isArray(value)) return null
  const doc = value as KubeconfigObject
  for (const key of ['clusters', 'users', 'contexts'] as const) {
    const list = doc[key]
    if (list === null) delete doc[key]
    else if (list !== undefined && (!Array.isArray(list) || list.some((x) => typeof x !== 'object' || x === null))) {
      return null
    }
  }
  return doc
}

export function stringifyKubeconfig(doc: KubeconfigObject): string {
  return YAML.stringify(doc, { lineWidth: 0 })
}
