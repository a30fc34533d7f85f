// flotilla-sim: SIMULATOR, not a Kubernetes component. The API server stand-in's resource table:
// what each served resource is (group/version/kind/plural, scope, verbs, subresources, short
// names), where it lives in etcd (upstream's key layout, JSON instead of protobuf) and which field
// selectors it supports. Anything not listed here is answered 404 like an unknown resource.
const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

const meta = {
  'metadata.name': (o) => o.metadata?.name,
  'metadata.namespace': (o) => o.metadata?.namespace,
}

/** @type {Array<{group:string, version:string, kind:string, plural:string, singular:string, namespaced:boolean, verbs:string[], shortNames?:string[], subresources?:string[], etcd?:string, fields?:object, categories?:string[]}>} */
export const RESOURCES = [
  // core/v1
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    subresources: ['status', 'finalize'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    fields: { 'status.phase': (o) => o.status?.phase },
  },
  {
    group: '',
    version: 'v1',
    kind: 'Node',
    plural: 'nodes',
    namespaced: false,
    shortNames: ['no'],
    subresources: ['status', 'proxy'],
    etcd: 'minions',
    fields: { 'spec.unschedulable': (o) => String(o.spec?.unschedulable === true) },
  },
  {
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status', 'eviction', 'log', 'exec', 'binding'],
    fields: {
      'spec.nodeName': (o) => o.spec?.nodeName ?? '',
      'status.phase': (o) => o.status?.phase ?? '',
      'spec.schedulerName': (o) => o.spec?.schedulerName,
      'spec.restartPolicy': (o) => o.spec?.restartPolicy,
      'spec.serviceAccountName': (o) => o.spec?.serviceAccountName,
      'status.podIP': (o) => o.status?.podIP ?? '',
      'status.nominatedNodeName': (o) => o.status?.nominatedNodeName ?? '',
      'spec.hostNetwork': (o) => String(o.spec?.hostNetwork === true),
    },
  },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true, fields: { type: (o) => o.type } },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] },
  {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
    shortNames: ['sa'],
    subresources: ['token'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['status', 'proxy'],
    etcd: 'services/specs',
  },
  {
    group: '',
    version: 'v1',
    kind: 'Endpoints',
    plural: 'endpoints',
    namespaced: true,
    shortNames: ['ep'],
    etcd: 'services/endpoints',
  },
  {
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    shortNames: ['ev'],
    fields: {
      'involvedObject.kind': (o) => o.involvedObject?.kind,
      'involvedObject.name': (o) => o.involvedObject?.name,
      'involvedObject.namespace': (o) => o.involvedObject?.namespace,
      'involvedObject.uid': (o) => o.involvedObject?.uid,
      reason: (o) => o.reason,
      type: (o) => o.type,
    },
  },
  { group: '', version: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits'] },
  {
    group: '',
    version: 'v1',
    kind: 'ResourceQuota',
    plural: 'resourcequotas',
    namespaced: true,
    shortNames: ['quota'],
    subresources: ['status'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    namespaced: true,
    shortNames: ['pvc'],
    subresources: ['status'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'PersistentVolume',
    plural: 'persistentvolumes',
    namespaced: false,
    shortNames: ['pv'],
    subresources: ['status'],
  },
  // apps/v1
  {
    group: 'apps',
    version: 'v1',
    kind: 'DaemonSet',
    plural: 'daemonsets',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    subresources: ['status'],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'ReplicaSet',
    plural: 'replicasets',
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'StatefulSet',
    plural: 'statefulsets',
    namespaced: true,
    shortNames: ['sts'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  },
  { group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true },
  // apiextensions.k8s.io/v1 (custom resources of established CRDs: crd.mjs, served beside this table)
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: ['status'],
    etcd: 'apiextensions.k8s.io/customresourcedefinitions',
  },
  // others
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
  {
    group: 'certificates.k8s.io',
    version: 'v1',
    kind: 'CertificateSigningRequest',
    plural: 'certificatesigningrequests',
    namespaced: false,
    shortNames: ['csr'],
    subresources: ['approval', 'status'],
    fields: { 'spec.signerName': (o) => o.spec?.signerName },
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    namespaced: false,
    verbs: RW,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'SelfSubjectAccessReview',
    plural: 'selfsubjectaccessreviews',
    namespaced: false,
    verbs: ['create'],
    virtual: true,
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'SubjectAccessReview',
    plural: 'subjectaccessreviews',
    namespaced: false,
    verbs: ['create'],
    virtual: true,
  },
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'SelfSubjectReview',
    plural: 'selfsubjectreviews',
    namespaced: false,
    verbs: ['create'],
    virtual: true,
  },
  {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    namespaced: true,
    shortNames: ['pdb'],
    subresources: ['status'],
  },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    namespaced: true,
    shortNames: ['netpol'],
  },
  {
    group: 'storage.k8s.io',
    version: 'v1',
    kind: 'StorageClass',
    plural: 'storageclasses',
    namespaced: false,
    shortNames: ['sc'],
  },
  {
    group: 'scheduling.k8s.io',
    version: 'v1',
    kind: 'PriorityClass',
    plural: 'priorityclasses',
    namespaced: false,
    shortNames: ['pc'],
  },
]
for (const r of RESOURCES) {
  r.singular ??= r.kind.toLowerCase()
  r.verbs ??= RW
  r.subresources ??= []
  r.etcd ??= r.plural
  r.fields = { ...meta, ...(r.fields ?? {}) }
}

/** Subresources served with a kind other than their parent's. */
export const SUBRESOURCE_KINDS = {
  'pods/eviction': { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
  'pods/binding': { group: '', version: 'v1', kind: 'Binding', verbs: ['create'] },
  'pods/log': { kind: 'Pod', verbs: ['get'] },
  'pods/exec': { kind: 'PodExecOptions', verbs: ['create', 'get'] },
  'nodes/proxy': { kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  'services/proxy': { kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  'serviceaccounts/token': { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] },
  'namespaces/finalize': { kind: 'Namespace', verbs: ['update'] },
  'deployments/scale': { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
  'replicasets/scale': { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
  'statefulsets/scale': { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
}

export const GROUPS = [...new Set(RESOURCES.map((r) => r.group).filter(Boolean))]

export function findResource(group, version, plural) {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural)
}
export function findByKind(group, kind) {
  return RESOURCES.find((r) => r.group === group && r.kind === kind)
}
export const apiVersionOf = (r) => (r.group ? `${r.group}/${r.version}` : r.version)
