/**
 * The API server stand-in's CustomResourceDefinitions, custom resources and server-side apply, on
 * loopback inside the desk (a real etcd 3.4, one kube-apiserver.mjs), and Flotilla's applyManifest
 * against it with the simulator's calico.yaml. Every check of crd.mjs / ssa.mjs has a negative
 * test here. No lab nodes (cni-manifest.test.ts is the end-to-end scenario).
 */
import fs from 'node:fs'
import https from 'node:https'
import os from 'node:os'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyManifest, cniReady } from '../../../src/main/services/kube/apply-manifest'
import { waitUntil } from '../harness'
import { makeCA, makeLeaf, startEtcd, type Pair } from './apiserver-fixtures/pki.mjs'
import { CALICO_CRDS, calicoDocuments, calicoYaml } from './apiserver-fixtures/calico.mjs'

const NODE_DIR = fileURLToPath(new URL('./node/', import.meta.url))
const PORT = 27743

let dir: string
let etcd: Awaited<ReturnType<typeof startEtcd>>
let apiserver: ChildProcess
let ca: Pair
let admin: Pair
let kc: k8s.KubeConfig
const ctx = { signal: new AbortController().signal, log: () => {} }

interface Reply {
  status: number
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Record<string, unknown>
}
function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: PORT,
        path,
        method,
        ca: fs.readFileSync(ca.crt),
        cert: fs.readFileSync(admin.crt),
        key: fs.readFileSync(admin.key),
        headers: {
          accept: 'application/json',
          ...(payload !== undefined
            ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        let text = ''
        res.on('data', (c) => (text += c))
        res.on('end', () => {
          let parsed
          try {
            parsed = JSON.parse(text)
          } catch {
            parsed = text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers })
        })
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}
const apply = (path: string, yaml: string, query = '?fieldManager=flotilla&force=true') =>
  call('PATCH', `${path}${query}`, yaml, 'application/apply-patch+yaml')

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'
function widgetCrd(over: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.flotilla.dev' },
    spec: {
      group: 'example.flotilla.dev',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size'],
                  properties: { size: { type: 'integer' }, colour: { type: 'string', enum: ['red', 'blue'] } },
                },
              },
            },
          },
        },
      ],
      ...spec,
    },
    ...over,
  }
}
const established = async (name: string) => {
  const r = await call('GET', `${CRD_PATH}/${name}`)
  return (r.body?.status?.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True',
  )
}

beforeAll(async () => {
  dir = fs.mkdtempSync(`${os.tmpdir()}/flotilla-apiserver-crd-test-`)
  const pki = `${dir}/pki`
  etcd = await startEtcd(dir, { clientPort: 27779, peerPort: 27780 })
  ca = makeCA(pki, 'ca', 'kubernetes')
  makeLeaf(pki, 'apiserver', ca, { cn: 'kube-apiserver', usage: 'server', dns: ['localhost'], ips: ['127.0.0.1'] })
  admin = makeLeaf(pki, 'admin', ca, { cn: 'kubernetes-super-admin', orgs: ['system:masters'] })
  spawnSync('openssl', ['genrsa', '-out', `${pki}/sa.key`, '2048'])
  spawnSync('openssl', ['rsa', '-in', `${pki}/sa.key`, '-pubout', '-out', `${pki}/sa.pub`])
  const log = fs.openSync(`${dir}/apiserver.log`, 'a')
  apiserver = spawn(
    'node',
    [
      `${NODE_DIR}kube-apiserver.mjs`,
      '--advertise-address=127.0.0.1',
      '--authorization-mode=Node,RBAC',
      `--client-ca-file=${ca.crt}`,
      '--enable-admission-plugins=NodeRestriction',
      `--etcd-cafile=${etcd.ca}`,
      `--etcd-certfile=${etcd.cert}`,
      `--etcd-keyfile=${etcd.key}`,
      `--etcd-servers=${etcd.endpoint}`,
      `--secure-port=${PORT}`,
      '--bind-address=127.0.0.1',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki}/sa.pub`,
      `--service-account-signing-key-file=${pki}/sa.key`,
      '--service-cluster-ip-range=10.96.0.0/12',
      `--tls-cert-file=${pki}/apiserver.crt`,
      `--tls-private-key-file=${pki}/apiserver.key`,
    ],
    { stdio: ['ignore', log, log] },
  )
  await waitUntil(
    'API server stand-in ready',
    async () => (await call('GET', '/readyz').catch(() => ({ status: 0 }))).status === 200,
    30_000,
  )
  kc = new k8s.KubeConfig()
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `https://127.0.0.1:${PORT}`, caFile: ca.crt, skipTLSVerify: false }],
    users: [{ name: 'u', certFile: admin.crt, keyFile: admin.key }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  })
}, 120_000)

afterAll(async () => {
  if (apiserver?.exitCode === null) apiserver.kill('SIGTERM')
  await etcd?.stop()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

describe('CustomResourceDefinitions', () => {
  it('refuses what apiextensions validation refuses (name, group, scope, storage versions, schema)', async () => {
    const cases: [unknown, string][] = [
      [
        widgetCrd({ metadata: { name: 'widget.example.flotilla.dev' } }),
        'metadata.name: Invalid value: "widget.example.flotilla.dev": must be spec.names.plural+"."+spec.group',
      ],
      [
        widgetCrd({ metadata: { name: 'widgets.example' } }, { group: 'example' }),
        'spec.group: Invalid value: "example": should be a domain with at least one dot',
      ],
      [
        widgetCrd({}, { scope: 'Global' }),
        'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
      ],
      [
        widgetCrd(
          {},
          { versions: [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } }] },
        ),
        'must have exactly one version marked as storage version',
      ],
      [
        widgetCrd({}, { versions: [{ name: 'v1', served: true, storage: true }] }),
        'spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required',
      ],
      [
        widgetCrd(
          {},
          {
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                schema: { openAPIV3Schema: { type: 'object', properties: { spec: {} } } },
              },
            ],
          },
        ),
        'spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
      ],
    ]
    for (const [body, message] of cases) {
      const r = await call('POST', CRD_PATH, body)
      expect([r.status, r.body.reason], JSON.stringify(r.body)).toEqual([422, 'Invalid'])
      expect(r.body.message).toContain(message)
    }
    expect((await call('GET', `${CRD_PATH}/widgets.example.flotilla.dev`)).status).toBe(404)
  })

  it('serves a CRD’s resource only once it is Established: before that the real 404', async () => {
    const created = await call('POST', CRD_PATH, widgetCrd())
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect(created.body.spec.names).toMatchObject({ singular: 'widget', listKind: 'WidgetList' })
    // right after the create: not established, no discovery, no resource (a CR now is refused)
    expect(await established('widgets.example.flotilla.dev')).toBe(false)
    expect((await call('GET', '/apis/example.flotilla.dev/v1')).status).toBe(404)
    const early = await call('POST', '/apis/example.flotilla.dev/v1/namespaces/default/widgets', {
      apiVersion: 'example.flotilla.dev/v1',
      kind: 'Widget',
      metadata: { name: 'w0' },
      spec: { size: 1 },
    })
    expect([early.status, early.body.message]).toEqual([404, 'the server could not find the requested resource'])

    await waitUntil('Established', () => established('widgets.example.flotilla.dev'), 10_000)
    const crd = (await call('GET', `${CRD_PATH}/widgets.example.flotilla.dev`)).body
    expect(crd.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual([
      'NamesAccepted=True',
      'Established=True',
    ])
    expect(crd.status.acceptedNames).toMatchObject({ plural: 'widgets', kind: 'Widget' })
    const groupVersion = (await call('GET', '/apis/example.flotilla.dev/v1')).body
    expect(groupVersion.resources).toEqual([
      expect.objectContaining({ name: 'widgets', kind: 'Widget', namespaced: true, singularName: 'widget' }),
    ])
    const groups = (await call('GET', '/apis')).body.groups.map((g: { name: string }) => g.name)
    expect(groups).toContain('example.flotilla.dev')
    expect(groups).toContain('apiextensions.k8s.io')
  })

  it('refuses a second CRD whose names are taken in the group (NamesAccepted False)', async () => {
    const dup = widgetCrd({ metadata: { name: 'gadgets.example.flotilla.dev' } })
    ;(dup.spec.names as { plural: string }).plural = 'gadgets'
    expect((await call('POST', CRD_PATH, dup)).status).toBe(201)
    await waitUntil(
      'NamesAccepted False',
      async () =>
        ((await call('GET', `${CRD_PATH}/gadgets.example.flotilla.dev`)).body.status?.conditions ?? []).some(
          (c: { type: string; status: string; reason: string }) => c.type === 'NamesAccepted' && c.status === 'False',
        ),
      10_000,
    )
    expect((await call('GET', '/apis/example.flotilla.dev/v1/gadgets')).status).toBe(404)
    expect((await call('DELETE', `${CRD_PATH}/gadgets.example.flotilla.dev`)).status).toBe(200)
  })
})

describe('custom resources', () => {
  const W = '/apis/example.flotilla.dev/v1/namespaces/default/widgets'
  const widget = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'example.flotilla.dev/v1',
    kind: 'Widget',
    metadata: { name },
    spec,
  })

  it('create, get, list, merge patch, delete in the CRD’s scope', async () => {
    const c = await call('POST', W, widget('w1', { size: 3, colour: 'red' }))
    expect(c.status, JSON.stringify(c.body)).toBe(201)
    expect(c.body.metadata).toMatchObject({ name: 'w1', namespace: 'default', generation: 1 })
    expect((await call('GET', `${W}/w1`)).body.spec).toEqual({ size: 3, colour: 'red' })
    expect((await call('GET', W)).body).toMatchObject({ kind: 'WidgetList', items: [{ metadata: { name: 'w1' } }] })
    const p = await call('PATCH', `${W}/w1`, { spec: { size: 4 } }, 'application/merge-patch+json')
    expect([p.status, p.body.spec.size, p.body.metadata.generation]).toEqual([200, 4, 2])
    const smp = await call('PATCH', `${W}/w1`, { spec: { size: 5 } }, 'application/strategic-merge-patch+json')
    expect([smp.status, smp.body.message]).toEqual([
      415,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    ])
    // namespaced: no such path without a namespace; a cluster-scoped URL for it is 404
    expect((await call('GET', '/apis/example.flotilla.dev/v1/widgets/w1')).status).toBe(404)
    expect((await call('GET', '/apis/example.flotilla.dev/v1/widgets')).body.items).toHaveLength(1)
    expect((await call('DELETE', `${W}/w1`)).status).toBe(200)
    expect((await call('GET', `${W}/w1`)).status).toBe(404)
  })

  it('checks the schema: types, required, enum; unknown fields pruned (Warn) or refused (Strict)', async () => {
    const bad = await call('POST', W, widget('w2', { size: 'big', colour: 'green' }))
    expect([bad.status, bad.body.reason]).toEqual([422, 'Invalid'])
    expect(bad.body.message).toContain('spec.size in body must be of type integer: "string"')
    expect(bad.body.message).toContain('spec.colour: Unsupported value: "green": supported values: "red", "blue"')
    const missing = await call('POST', W, widget('w2', {}))
    expect(missing.body.message).toContain('spec.size: Required value')
    const strict = await call('POST', `${W}?fieldValidation=Strict`, widget('w2', { size: 1, shape: 'round' }))
    expect([strict.status, strict.body.message]).toEqual([
      400,
      'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.shape"',
    ])
    const warn = await call('POST', W, widget('w2', { size: 1, shape: 'round' }))
    expect(warn.status).toBe(201)
    expect(warn.body.spec).toEqual({ size: 1 })
    expect(String(warn.headers.warning)).toContain('unknown field \\"spec.shape\\"')
  })

  it('client-node: an unknown kind of a known group is not found in discovery ("no matches for kind")', async () => {
    const client = k8s.KubernetesObjectApi.makeApiClient(kc)
    await expect(
      client.read({
        apiVersion: 'example.flotilla.dev/v1',
        kind: 'Sprocket',
        metadata: { name: 'x', namespace: 'default' },
      }),
    ).rejects.toThrow('Unrecognized API version and kind: example.flotilla.dev/v1 Sprocket')
    await expect(
      client.read({ apiVersion: 'nothing.flotilla.dev/v1', kind: 'Sprocket', metadata: { name: 'x' } }),
    ).rejects.toMatchObject({ code: 404 })
  })

  it('deleting the CRD deletes its custom resources and the resource', async () => {
    expect((await call('GET', `${W}/w2`)).status).toBe(200)
    expect((await call('DELETE', `${CRD_PATH}/widgets.example.flotilla.dev`)).status).toBe(200)
    expect((await call('GET', '/apis/example.flotilla.dev/v1')).status).toBe(404)
    // re-created: the old widget is gone from etcd too
    expect((await call('POST', CRD_PATH, widgetCrd())).status).toBe(201)
    await waitUntil('Established again', () => established('widgets.example.flotilla.dev'), 10_000)
    expect((await call('GET', W)).body.items).toEqual([])
  })
})

describe('server-side apply', () => {
  const CM = '/api/v1/namespaces/default/configmaps'
  const cm = (labels: string, data: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  labels: {${labels}}\ndata: {${data}}\n`

  it('refuses an apply without fieldManager, without force (not simulated), and force on a merge patch', async () => {
    const noManager = await apply(`${CM}/applied`, cm('a: "1"', 'k: v'), '?force=true')
    expect([noManager.status, noManager.body.message]).toEqual([
      422,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    ])
    const noForce = await apply(`${CM}/applied`, cm('a: "1"', 'k: v'), '?fieldManager=flotilla')
    expect(noForce.status).toBe(500)
    expect(noForce.body.message).toMatch(/^flotilla-sim: server-side apply without force=true .* is not simulated$/)
    const forceMerge = await call(
      'PATCH',
      `/api/v1/nodes/x?force=true`,
      { metadata: {} },
      'application/merge-patch+json',
    )
    expect([forceMerge.status, forceMerge.body.message]).toEqual([
      422,
      'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
    ])
    expect((await call('GET', `${CM}/applied`)).status).toBe(404)
  })

  it('refuses a body without kind, another name than the URL, and a field the type does not declare', async () => {
    const noKind = await apply(`${CM}/applied`, 'apiVersion: v1\nmetadata: {name: applied}\n')
    expect([noKind.status, noKind.body.message]).toEqual([
      400,
      `Object 'Kind' is missing in '{"apiVersion":"v1","metadata":{"name":"applied"}}'`,
    ])
    const other = await apply(`${CM}/applied`, cm('', '').replace('name: applied', 'name: other'))
    expect([other.status, other.body.message]).toEqual([
      400,
      'the name of the object (other) does not match the name on the URL (applied)',
    ])
    const unknown = await apply(`${CM}/applied`, `${cm('', '')}dta: {x: y}\n`)
    expect([unknown.status, unknown.body.message]).toEqual([
      400,
      'failed to create typed patch object (default/applied; v1, Kind=ConfigMap): .dta: field not declared in schema',
    ])
    const notYaml = await apply(`${CM}/applied`, 'kind: [unclosed')
    expect(notYaml.status).toBe(400)
    expect((await call('GET', `${CM}/applied`)).status).toBe(404)
  })

  it('creates, re-applies without a change (same resourceVersion), drops what it no longer applies, keeps others’ fields', async () => {
    const first = await apply(`${CM}/applied`, cm('a: "1", b: "2"', 'k: v'))
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    expect(first.body.metadata.managedFields).toEqual([
      expect.objectContaining({
        manager: 'flotilla',
        operation: 'Apply',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:k': {} }, 'f:metadata': { 'f:labels': { 'f:a': {}, 'f:b': {} } } },
      }),
    ])
    const again = await apply(`${CM}/applied`, cm('a: "1", b: "2"', 'k: v'))
    expect(again.status).toBe(200)
    expect(again.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion)
    // another client's label survives this manager's applies
    await call('PATCH', `${CM}/applied`, { metadata: { labels: { mine: 'no' } } }, 'application/merge-patch+json')
    const less = await apply(`${CM}/applied`, cm('a: "1"', 'k: w'))
    expect(less.body.metadata.labels).toEqual({ a: '1', mine: 'no' })
    expect(less.body.data).toEqual({ k: 'w' })
  })

  it('merges containers by name in a DaemonSet and keeps the defaults the server added', async () => {
    const ds = (image: string) => `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - {name: agent, image: ${image}}
`
    const a = await apply('/apis/apps/v1/namespaces/default/daemonsets/agent', ds('busybox:1'))
    expect(a.status, JSON.stringify(a.body)).toBe(201)
    expect(a.body.spec.updateStrategy.type).toBe('RollingUpdate')
    expect(a.body.metadata.managedFields[0].fieldsV1['f:spec']['f:template']['f:spec']['f:containers']).toEqual({
      'k:{"name":"agent"}': { '.': {}, 'f:name': {}, 'f:image': {} },
    })
    const same = await apply('/apis/apps/v1/namespaces/default/daemonsets/agent', ds('busybox:1'))
    expect(same.body.metadata.resourceVersion).toBe(a.body.metadata.resourceVersion)
    const b = await apply('/apis/apps/v1/namespaces/default/daemonsets/agent', ds('busybox:2'))
    expect(b.body.spec.template.spec.containers).toHaveLength(1)
    expect(b.body.spec.template.spec.containers[0]).toMatchObject({
      image: 'busybox:2',
      imagePullPolicy: 'IfNotPresent',
    })
    expect(b.body.metadata.generation).toBe(2)
  })
})

describe('applyManifest with the simulator’s calico.yaml', () => {
  const client = () => k8s.KubernetesObjectApi.makeApiClient(kc)
  const versions = async () => {
    const out: Record<string, string> = {}
    for (const d of calicoDocuments()) {
      const o = await client().read({ apiVersion: d.apiVersion, kind: d.kind, metadata: d.metadata })
      out[`${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`] = o.metadata!.resourceVersion!
    }
    return out
  }

  it('applies the CRDs first (waiting for Established), then the rest; a second apply changes nothing', async () => {
    // CRs after their CRDs in one manifest, listed before them: the applier orders them itself
    const pool = `apiVersion: crd.projectcalico.org/v1
kind: IPPool
metadata: {name: default-ipv4-ippool}
spec: {cidr: 192.168.0.0/16, blockSize: 26, natOutgoing: true}
`
    const text = `${pool}---\n${calicoYaml()}`
    const { applied } = await applyManifest(kc, text, ctx)
    expect(applied).toHaveLength(calicoDocuments().length + 1)
    expect(applied.slice(0, CALICO_CRDS.length).every((o) => o.kind === 'CustomResourceDefinition')).toBe(true)
    // the IPPool comes first in the text, but only after every CRD is Established
    expect(applied[CALICO_CRDS.length]).toEqual({ kind: 'IPPool', name: 'default-ipv4-ippool' })
    expect(applied.at(-1)).toEqual({ kind: 'Deployment', namespace: 'kube-system', name: 'calico-kube-controllers' })
    for (const [plural] of CALICO_CRDS) expect(await established(`${plural}.crd.projectcalico.org`)).toBe(true)
    const ds = await client().read({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'calico-node', namespace: 'kube-system' },
    })
    expect((ds as k8s.V1DaemonSet).spec?.template.spec?.containers[0]?.image).toBe('docker.io/calico/node:v3.30.7')

    const before = await versions()
    const poolBefore = (
      await client().read({
        apiVersion: 'crd.projectcalico.org/v1',
        kind: 'IPPool',
        metadata: { name: 'default-ipv4-ippool' },
      })
    ).metadata!.resourceVersion
    await applyManifest(kc, text, ctx)
    expect(await versions()).toEqual(before)
    expect(
      (
        await client().read({
          apiVersion: 'crd.projectcalico.org/v1',
          kind: 'IPPool',
          metadata: { name: 'default-ipv4-ippool' },
        })
      ).metadata!.resourceVersion,
    ).toBe(poolBefore)
  })

  it('cniReady: false while a node is NotReady or the DaemonSet lacks a Ready pod on a node', async () => {
    // no kubelets or controllers here: the node's and the DaemonSet's status are written by hand
    const node = (ready: boolean) => ({
      status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: 'KubeletReady' }] },
    })
    expect(
      (await call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } })).status,
    ).toBe(201)
    await call('PATCH', '/api/v1/nodes/n1/status', node(false), 'application/merge-patch+json')
    const DS = '/apis/apps/v1/namespaces/kube-system/daemonsets/calico-node/status'
    const dsStatus = (ready: number) => ({
      status: { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: ready, observedGeneration: 1 },
    })
    await call('PATCH', DS, dsStatus(0), 'application/merge-patch+json')
    expect(await cniReady(kc)).toEqual({
      ready: false,
      detail: 'calico-node is Ready on 0 of 1 node(s) (1 scheduled); not Ready: n1.',
    })
    await call('PATCH', DS, dsStatus(1), 'application/merge-patch+json')
    expect(await cniReady(kc)).toEqual({ ready: false, detail: 'not Ready: n1.' })
    await call('PATCH', '/api/v1/nodes/n1/status', node(true), 'application/merge-patch+json')
    expect(await cniReady(kc)).toEqual({
      ready: true,
      detail: 'calico-node is Ready on all 1 node(s); every node is Ready.',
    })
    // a second node the DaemonSet has not reached yet
    expect(
      (await call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } })).status,
    ).toBe(201)
    await call('PATCH', '/api/v1/nodes/n2/status', node(true), 'application/merge-patch+json')
    expect((await cniReady(kc)).detail).toBe('calico-node is Ready on 1 of 2 node(s) (1 scheduled).')
  })

  it('applies the flannel fixture the upstream serves, idempotently', async () => {
    const text = fs.readFileSync(new URL('./apiserver-fixtures/flannel.yaml', import.meta.url), 'utf8')
    const { applied } = await applyManifest(kc, text, ctx)
    expect(applied.map((o) => o.kind)).toEqual(expect.arrayContaining(['Namespace', 'ConfigMap', 'DaemonSet']))
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kube-flannel-ds', namespace: 'kube-flannel' },
    }
    const before = (await client().read(ds)).metadata!.resourceVersion
    await applyManifest(kc, text, ctx)
    expect((await client().read(ds)).metadata!.resourceVersion).toBe(before)
  })

  it('gives up with TIMEOUT, naming the CRD and why, when a CRD never becomes Established', async () => {
    // kind Widget is taken in example.flotilla.dev (the widgets CRD above): NamesAccepted False
    const clash = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.flotilla.dev}
spec:
  group: example.flotilla.dev
  scope: Cluster
  names: {plural: things, kind: Widget}
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
`
    await expect(applyManifest(kc, clash, ctx, { crdTimeoutMs: 3000 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      message:
        'CustomResourceDefinition things.example.flotilla.dev ("Widget" is already in use) did not become Established within 3 s.',
    })
  })

  it('names the object the API server refused', async () => {
    const bad = `apiVersion: crd.projectcalico.org/v1
kind: IPPool
metadata: {name: broken-pool}
spec: {cidr: 10.0.0.0/16, blockSize: large}
`
    await expect(applyManifest(kc, bad, ctx)).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
      message: expect.stringMatching(
        /^Applying IPPool broken-pool failed: 422 IPPool\.crd\.projectcalico\.org "broken-pool" is invalid: spec\.blockSize/,
      ),
    })
    const unknownKind = 'apiVersion: crd.projectcalico.org/v1\nkind: Sprocket\nmetadata: {name: s}\n'
    await expect(applyManifest(kc, unknownKind, ctx)).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
      message: expect.stringContaining(
        'Applying Sprocket s failed: Unrecognized API version and kind: crd.projectcalico.org/v1 Sprocket',
      ),
    })
  })
})
