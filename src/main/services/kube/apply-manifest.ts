/**
 * Applies a multi-document manifest (a CNI's calico.yaml or kube-flannel.yml) through the API with
 * @kubernetes/client-node, as `kubectl apply --server-side --force-conflicts --field-manager=flotilla`
 * would: CustomResourceDefinitions first, each waited for until the API server says it is
 * Established (a custom resource sent before that is refused: "no matches for kind"), then every
 * other object in manifest order by server-side apply. Server-side apply makes it idempotent: a
 * second run sends the same configuration and the API server keeps every object as it is.
 *
 * Also cniReady(): the check "is the pod network up on every node" the engine polls afterwards.
 */
import type { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node'
import { parseAllDocuments } from 'yaml'
import { AppError } from '../../../shared/errors'

/** One document of a manifest, with the fields every Kubernetes object must carry. */
export interface ManifestObject extends KubernetesObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; [key: string]: unknown }
  [key: string]: unknown
}

export interface ObjectRef {
  kind: string
  namespace?: string
  name: string
}

/** What applyManifest needs of an operation (OperationContext fits). */
export interface ApplyContext {
  readonly signal: AbortSignal
  log(line: string): void
}

export interface ApplyOptions {
  /** How long each CRD may take to become Established (default 60 s). */
  crdTimeoutMs?: number
  /** Poll interval while waiting (default 250 ms). */
  pollMs?: number
}

/** The field manager Flotilla's applies are recorded under in metadata.managedFields. */
export const FIELD_MANAGER = 'flotilla'

const CRD_API = 'apiextensions.k8s.io/v1'
const isCrd = (o: ManifestObject) => o.kind === 'CustomResourceDefinition' && o.apiVersion === CRD_API

/** "DaemonSet kube-system/calico-node" */
export function describeObject(o: ObjectRef): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`
}

/**
 * Parses a multi-document manifest strictly: a document that is not valid YAML (duplicate keys
 * included), not a mapping, or lacks apiVersion, kind or metadata.name is an INVALID_INPUT error
 * naming the document (1-based, in file order). Empty documents (a leading or trailing `---`,
 * comments only) are skipped, as kubectl does.
 */
export function parseManifest(text: string): ManifestObject[] {
  const out: ManifestObject[] = []
  parseAllDocuments(text).forEach((doc, i) => {
    const n = i + 1
    const bad = (why: string) => new AppError('INVALID_INPUT', `Document ${n} of the manifest ${why}.`, { document: n })
    if (doc.errors.length) throw bad(`is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`)
    const value: unknown = doc.toJS()
    if (value === null || value === undefined) return
    if (typeof value !== 'object' || Array.isArray(value)) throw bad('is not a Kubernetes object (not a mapping)')
    const o = value as Record<string, unknown>
    const metadata = o.metadata as Record<string, unknown> | undefined
    if (typeof o.apiVersion !== 'string' || !o.apiVersion) throw bad('has no apiVersion')
    if (typeof o.kind !== 'string' || !o.kind) throw bad('has no kind')
    if (o.kind === 'List')
      throw bad(`is a ${o.kind}; list documents are not applied, write each object as its own document`)
    if (typeof metadata !== 'object' || metadata === null || typeof metadata.name !== 'string' || !metadata.name)
      throw bad(`(${o.kind}) has no metadata.name`)
    out.push(o as ManifestObject)
  })
  return out
}

/** The order objects are applied in: CRDs first, then the rest as the manifest lists them. */
export function applyOrder(objects: ManifestObject[]): { crds: ManifestObject[]; rest: ManifestObject[] } {
  return { crds: objects.filter(isCrd), rest: objects.filter((o) => !isCrd(o)) }
}

const refOf = (o: ManifestObject): ObjectRef => ({
  kind: o.kind,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
  name: o.metadata.name,
})

/**
 * Applies every document of `yamlText` (see the module comment). Throws an AppError naming the
 * object that failed (INVALID_INPUT for an unparseable manifest, COMMAND_FAILED with the API
 * server's status for a refused object, TIMEOUT for a CRD never Established, CANCELLED on abort).
 */
export async function applyManifest(
  kc: KubeConfig,
  yamlText: string,
  ctx: ApplyContext,
  options: ApplyOptions = {},
): Promise<{ applied: ObjectRef[] }> {
  const objects = parseManifest(yamlText)
  const { crds, rest } = applyOrder(objects)
  const k8s = await import('@kubernetes/client-node')
  const client = k8s.KubernetesObjectApi.makeApiClient(kc)
  const applied: ObjectRef[] = []
  const apply = async (o: ManifestObject) => {
    throwIfAborted(ctx.signal)
    // client-node fills in metadata.namespace of a namespaced object: give it a copy
    const body = structuredClone(o)
    try {
      await client.patch(body, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply)
    } catch (e) {
      throw apiFailure(`Applying ${describeObject(refOf(o))} failed`, e)
    }
    applied.push(refOf(o))
  }
  for (const crd of crds) await apply(crd)
  if (crds.length) {
    ctx.log(`Applied ${crds.length} CustomResourceDefinition(s); waiting until each is Established`)
    await waitEstablished(client, crds, ctx.signal, options)
  }
  for (const o of rest) await apply(o)
  ctx.log(`Applied ${applied.length} object(s) with server-side apply (field manager ${FIELD_MANAGER})`)
  return { applied }
}

async function waitEstablished(
  client: KubernetesObjectApi,
  crds: ManifestObject[],
  signal: AbortSignal,
  { crdTimeoutMs = 60_000, pollMs = 250 }: ApplyOptions,
): Promise<void> {
  const deadline = Date.now() + crdTimeoutMs
  let waiting = crds
  let last = new Map<string, string>()
  for (;;) {
    const next: ManifestObject[] = []
    last = new Map()
    for (const crd of waiting) {
      let read: KubernetesObject & { status?: { conditions?: { type: string; status: string; message?: string }[] } }
      try {
        read = await client.read({
          apiVersion: CRD_API,
          kind: 'CustomResourceDefinition',
          metadata: { name: crd.metadata.name },
        })
      } catch (e) {
        throw apiFailure(`Reading CustomResourceDefinition ${crd.metadata.name} failed`, e)
      }
      const conditions = read.status?.conditions ?? []
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) continue
      next.push(crd)
      const why = conditions.find((c) => c.status !== 'True')?.message
      last.set(crd.metadata.name, why ?? 'not Established yet')
    }
    waiting = next
    if (!waiting.length) return
    if (Date.now() >= deadline)
      throw new AppError(
        'TIMEOUT',
        `CustomResourceDefinition ${[...last].map(([n, why]) => `${n} (${why})`).join(', ')} did not become Established within ${Math.round(crdTimeoutMs / 1000)} s.`,
        { crds: waiting.map((c) => c.metadata.name) },
      )
    await sleep(pollMs, signal)
  }
}

/** The readiness of a CNI: its DaemonSet's pod Ready on every node, and every Node Ready. */
export interface CniReadiness {
  ready: boolean
  /** One sentence for a progress line or an error: what is still missing. */
  detail: string
}

/**
 * Is the pod network up? Ready when the CNI's DaemonSet (default kube-system/calico-node) wants a
 * pod on every node and has one Ready on each (its status, kept by the controller-manager), and
 * every Node's Ready condition is True (the kubelet turns it True once a CNI config exists).
 */
export async function cniReady(
  kc: KubeConfig,
  daemonSet: { namespace: string; name: string } = { namespace: 'kube-system', name: 'calico-node' },
): Promise<CniReadiness> {
  const k8s = await import('@kubernetes/client-node')
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const apps = kc.makeApiClient(k8s.AppsV1Api)
  const nodes = (await core.listNode()).items
  const notReady = nodes
    .filter((n) => !(n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((n) => n.metadata?.name ?? '?')
  let ds
  try {
    ds = await apps.readNamespacedDaemonSet({ namespace: daemonSet.namespace, name: daemonSet.name })
  } catch (e) {
    if ((e as { code?: number }).code === 404)
      return { ready: false, detail: `DaemonSet ${daemonSet.namespace}/${daemonSet.name} does not exist.` }
    throw e
  }
  const desired = ds.status?.desiredNumberScheduled ?? 0
  const readyPods = ds.status?.numberReady ?? 0
  const upToDate = (ds.status?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 1)
  const problems: string[] = []
  if (!upToDate || desired < nodes.length || readyPods < nodes.length)
    problems.push(`${daemonSet.name} is Ready on ${readyPods} of ${nodes.length} node(s) (${desired} scheduled)`)
  if (notReady.length) problems.push(`not Ready: ${notReady.join(', ')}`)
  if (!nodes.length) problems.push('the cluster has no nodes')
  return problems.length
    ? { ready: false, detail: `${problems.join('; ')}.` }
    : { ready: true, detail: `${daemonSet.name} is Ready on all ${nodes.length} node(s); every node is Ready.` }
}

/** An API error as an AppError: the object, the server's HTTP status and message. */
function apiFailure(what: string, e: unknown): AppError {
  if (e instanceof AppError) return e
  const err = e as { code?: unknown; body?: unknown; message?: string }
  const status = typeof err.code === 'number' ? err.code : undefined
  let message: string | undefined
  let reason: string | undefined
  const body = typeof err.body === 'string' ? safeJson(err.body) : err.body
  if (body && typeof body === 'object') {
    message = (body as { message?: string }).message
    reason = (body as { reason?: string }).reason
  }
  message ??= err.message ?? String(e)
  return new AppError('COMMAND_FAILED', `${what}: ${status ? `${status} ` : ''}${message}`, {
    ...(status ? { status } : {}),
    ...(reason ? { reason } : {}),
  })
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new AppError('CANCELLED', 'Applying the manifest was cancelled.')
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  throwIfAborted(signal)
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      reject(new AppError('CANCELLED', 'Applying the manifest was cancelled.'))
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
