// flotilla-sim: SIMULATOR, not a Kubernetes component. Server-side printing (meta.k8s.io/v1 Table)
// for `kubectl get`: the real server's columns for nodes and pods (plus a few common resources),
// NAME/AGE for the rest.
import { age } from './util.mjs'

const col = (name, type = 'string', priority = 0, format = '') => ({ name, type, format, description: name, priority })

function nodeRow(n) {
  const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready')
  let status = ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown'
  if (n.spec?.unschedulable) status += ',SchedulingDisabled'
  const roles = Object.keys(n.metadata?.labels ?? {})
    .filter((l) => l.startsWith('node-role.kubernetes.io/'))
    .map((l) => l.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean)
  if (n.metadata?.labels?.['kubernetes.io/role']) roles.push(n.metadata.labels['kubernetes.io/role'])
  const addr = (t) => (n.status?.addresses ?? []).find((a) => a.type === t)?.address ?? '<none>'
  const info = n.status?.nodeInfo ?? {}
  return [
    n.metadata.name,
    status,
    roles.length ? roles.sort().join(',') : '<none>',
    age(n.metadata.creationTimestamp),
    info.kubeletVersion ?? '',
    addr('InternalIP'),
    addr('ExternalIP'),
    info.osImage ?? '<unknown>',
    info.kernelVersion ?? '<unknown>',
    info.containerRuntimeVersion ?? '<unknown>',
  ]
}

function podRow(p) {
  const statuses = p.status?.containerStatuses ?? []
  const total = (p.spec?.containers ?? []).length
  const ready = statuses.filter((s) => s.ready).length
  const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0)
  let reason = p.status?.reason ?? p.status?.phase ?? 'Pending'
  for (const s of statuses) {
    if (s.state?.waiting?.reason) reason = s.state.waiting.reason
    else if (s.state?.terminated?.reason) reason = s.state.terminated.reason
  }
  if (p.metadata?.deletionTimestamp) reason = 'Terminating'
  const gates = p.spec?.readinessGates ?? []
  return [
    p.metadata.name,
    `${ready}/${total}`,
    reason,
    String(restarts),
    age(p.metadata.creationTimestamp),
    p.status?.podIP ?? '<none>',
    p.spec?.nodeName ?? '<none>',
    p.status?.nominatedNodeName ?? '<none>',
    gates.length ? `${gates.length}` : '<none>',
  ]
}

const TABLES = {
  nodes: {
    columns: [
      col('Name', 'string', 0, 'name'),
      col('Status'),
      col('Roles'),
      col('Age'),
      col('Version'),
      col('Internal-IP', 'string', 1),
      col('External-IP', 'string', 1),
      col('OS-Image', 'string', 1),
      col('Kernel-Version', 'string', 1),
      col('Container-Runtime', 'string', 1),
    ],
    row: nodeRow,
  },
  pods: {
    columns: [
      col('Name', 'string', 0, 'name'),
      col('Ready'),
      col('Status'),
      col('Restarts', 'string'),
      col('Age'),
      col('IP', 'string', 1),
      col('Node', 'string', 1),
      col('Nominated Node', 'string', 1),
      col('Readiness Gates', 'string', 1),
    ],
    row: podRow,
  },
  namespaces: {
    columns: [col('Name', 'string', 0, 'name'), col('Status'), col('Age')],
    row: (o) => [o.metadata.name, o.status?.phase ?? 'Active', age(o.metadata.creationTimestamp)],
  },
  secrets: {
    columns: [col('Name', 'string', 0, 'name'), col('Type'), col('Data', 'integer'), col('Age')],
    row: (o) => [
      o.metadata.name,
      o.type ?? 'Opaque',
      Object.keys(o.data ?? {}).length,
      age(o.metadata.creationTimestamp),
    ],
  },
  configmaps: {
    columns: [col('Name', 'string', 0, 'name'), col('Data', 'integer'), col('Age')],
    row: (o) => [
      o.metadata.name,
      Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length,
      age(o.metadata.creationTimestamp),
    ],
  },
  daemonsets: {
    columns: [
      col('Name', 'string', 0, 'name'),
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      col('Node Selector'),
      col('Age'),
    ],
    row: (o) => {
      const s = o.status ?? {}
      const sel = Object.entries(o.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`)
      return [
        o.metadata.name,
        s.desiredNumberScheduled ?? 0,
        s.currentNumberScheduled ?? 0,
        s.numberReady ?? 0,
        s.updatedNumberScheduled ?? 0,
        s.numberAvailable ?? 0,
        sel.length ? sel.join(',') : '<none>',
        age(o.metadata.creationTimestamp),
      ]
    },
  },
  leases: {
    columns: [col('Name', 'string', 0, 'name'), col('Holder'), col('Age')],
    row: (o) => [o.metadata.name, o.spec?.holderIdentity ?? '', age(o.metadata.creationTimestamp)],
  },
  certificatesigningrequests: {
    columns: [
      col('Name', 'string', 0, 'name'),
      col('Age'),
      col('SignerName'),
      col('Requestor'),
      col('RequestedDuration'),
      col('Condition'),
    ],
    row: (o) => {
      const conds = (o.status?.conditions ?? []).map((c) => c.type)
      if (o.status?.certificate) conds.push('Issued')
      return [
        o.metadata.name,
        age(o.metadata.creationTimestamp),
        o.spec?.signerName ?? '',
        o.spec?.username ?? '',
        o.spec?.expirationSeconds ? `${Math.round(o.spec.expirationSeconds / 3600)}h` : '<none>',
        conds.length ? conds.join(',') : 'Pending',
      ]
    },
  },
}

// More of the real server's printers (pkg/printers/internalversion), the commonly listed kinds.
const ports = (svc) =>
  (svc.spec?.ports ?? [])
    .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
    .join(',') || '<none>'
const selectorText = (sel) => {
  if (!sel) return '<none>'
  const parts = Object.entries(sel.matchLabels ?? (sel.matchExpressions ? {} : sel)).map(([k, v]) => `${k}=${v}`)
  for (const e of sel.matchExpressions ?? [])
    parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`)
  return parts.length ? parts.join(',') : '<none>'
}
const containersOf = (tpl) => (tpl?.spec?.containers ?? []).map((c) => c.name).join(',')
const imagesOf = (tpl) => (tpl?.spec?.containers ?? []).map((c) => c.image).join(',')
const subjectsOf = (b, kind) =>
  (b.subjects ?? [])
    .filter((x) => x.kind === kind)
    .map((x) => (kind === 'ServiceAccount' ? `${x.namespace ?? ''}/${x.name}` : x.name))
    .join(', ')
const bindingColumns = [
  col('Name', 'string', 0, 'name'),
  col('Role'),
  col('Age'),
  col('Users', 'string', 1),
  col('Groups', 'string', 1),
  col('ServiceAccounts', 'string', 1),
]
const bindingRow = (b) => [
  b.metadata.name,
  `${b.roleRef?.kind}/${b.roleRef?.name}`,
  age(b.metadata.creationTimestamp),
  subjectsOf(b, 'User'),
  subjectsOf(b, 'Group'),
  subjectsOf(b, 'ServiceAccount'),
]
Object.assign(TABLES, {
  services: {
    columns: [
      col('Name', 'string', 0, 'name'),
      col('Type'),
      col('Cluster-IP'),
      col('External-IP'),
      col('Port(s)'),
      col('Age'),
      col('Selector', 'string', 1),
    ],
    row: (o) => [
      o.metadata.name,
      o.spec?.type ?? 'ClusterIP',
      o.spec?.clusterIP ?? '<none>',
      (o.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname).join(',') ||
        (o.spec?.externalIPs ?? []).join(',') ||
        '<none>',
      ports(o),
      age(o.metadata.creationTimestamp),
      o.spec?.selector
        ? Object.entries(o.spec.selector)
            .map(([k, v]) => `${k}=${v}`)
            .join(',')
        : '<none>',
    ],
  },
  endpoints: {
    columns: [col('Name', 'string', 0, 'name'), col('Endpoints'), col('Age')],
    row: (o) => {
      const eps = (o.subsets ?? []).flatMap((s) =>
        (s.addresses ?? []).flatMap((a) => (s.ports ?? [{}]).map((p) => (p.port ? `${a.ip}:${p.port}` : a.ip))),
      )
      return [o.metadata.name, eps.length ? eps.join(',') : '<none>', age(o.metadata.creationTimestamp)]
    },
  },
  serviceaccounts: {
    columns: [col('Name', 'string', 0, 'name'), col('Secrets', 'integer'), col('Age')],
    row: (o) => [o.metadata.name, (o.secrets ?? []).length, age(o.metadata.creationTimestamp)],
  },
  deployments: {
    columns: [
      col('Name', 'string', 0, 'name'),
      col('Ready'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      col('Age'),
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    row: (o) => [
      o.metadata.name,
      `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
      o.status?.updatedReplicas ?? 0,
      o.status?.availableReplicas ?? 0,
      age(o.metadata.creationTimestamp),
      containersOf(o.spec?.template),
      imagesOf(o.spec?.template),
      selectorText(o.spec?.selector),
    ],
  },
  replicasets: {
    columns: [
      col('Name', 'string', 0, 'name'),
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      col('Age'),
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    row: (o) => [
      o.metadata.name,
      o.spec?.replicas ?? 1,
      o.status?.replicas ?? 0,
      o.status?.readyReplicas ?? 0,
      age(o.metadata.creationTimestamp),
      containersOf(o.spec?.template),
      imagesOf(o.spec?.template),
      selectorText(o.spec?.selector),
    ],
  },
  statefulsets: {
    columns: [
      col('Name', 'string', 0, 'name'),
      col('Ready'),
      col('Age'),
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
    ],
    row: (o) => [
      o.metadata.name,
      `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
      age(o.metadata.creationTimestamp),
      containersOf(o.spec?.template),
      imagesOf(o.spec?.template),
    ],
  },
  clusterrolebindings: { columns: bindingColumns, row: bindingRow },
  rolebindings: { columns: bindingColumns, row: bindingRow },
  clusterroles: {
    columns: [col('Name', 'string', 0, 'name'), col('Created At', 'date')],
    row: (o) => [o.metadata.name, o.metadata.creationTimestamp],
  },
  roles: {
    columns: [col('Name', 'string', 0, 'name'), col('Created At', 'date')],
    row: (o) => [o.metadata.name, o.metadata.creationTimestamp],
  },
  priorityclasses: {
    columns: [
      col('Name', 'string', 0, 'name'),
      col('Value', 'integer'),
      col('Global-Default', 'boolean'),
      col('Age'),
      col('PreemptionPolicy'),
    ],
    row: (o) => [
      o.metadata.name,
      o.value,
      o.globalDefault === true,
      age(o.metadata.creationTimestamp),
      o.preemptionPolicy ?? 'PreemptLowerPriority',
    ],
  },
  events: {
    columns: [
      col('Last Seen'),
      col('Type'),
      col('Reason'),
      col('Object'),
      col('Subobject', 'string', 1),
      col('Source', 'string', 1),
      col('Message'),
      col('First Seen', 'string', 1),
      col('Count', 'integer', 1),
      col('Name', 'string', 1),
    ],
    row: (o) => [
      age(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp),
      o.type ?? '',
      o.reason ?? '',
      `${(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`,
      o.involvedObject?.fieldPath ?? '',
      [o.source?.component, o.source?.host].filter(Boolean).join(', '),
      o.message ?? '',
      age(o.firstTimestamp ?? o.metadata.creationTimestamp),
      o.count ?? 1,
      o.metadata.name,
    ],
  },
})

const GENERIC = {
  columns: [col('Name', 'string', 0, 'name'), col('Age')],
  row: (o) => [o.metadata.name, age(o.metadata.creationTimestamp)],
}

/** A meta.k8s.io/v1 Table of objects; includeObject: None | Metadata (default) | Object. */
export function toTable(
  res,
  objects,
  { resourceVersion, includeObject = 'Metadata', apiVersion = 'meta.k8s.io/v1' } = {},
) {
  const t = TABLES[res.plural] ?? GENERIC
  return {
    kind: 'Table',
    apiVersion,
    metadata: { resourceVersion },
    columnDefinitions: t.columns,
    rows: objects.map((o) => ({
      cells: t.row(o),
      object:
        includeObject === 'None'
          ? undefined
          : includeObject === 'Object'
            ? o
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  }
}
