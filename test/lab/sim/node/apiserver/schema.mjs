// flotilla-sim: SIMULATOR, not a Kubernetes component. Field validation (the real server's
// `fieldValidation` query parameter: Strict → 400 "strict decoding error: unknown field", Warn (the
// default) → a `Warning` header and the field dropped, Ignore → dropped silently) against the
// field lists of the upstream Go types the stand-in serves. Only the structures listed here are
// checked; a type given as null is not looked into (a real field missing from a list is a
// simulator bug: add it).

const META = {
  name: null,
  generateName: null,
  namespace: null,
  selfLink: null,
  uid: null,
  resourceVersion: null,
  generation: null,
  creationTimestamp: null,
  deletionTimestamp: null,
  deletionGracePeriodSeconds: null,
  labels: null,
  annotations: null,
  ownerReferences: ['OwnerReference'],
  finalizers: null,
  managedFields: null,
}
const T = {
  ObjectMeta: META,
  OwnerReference: { apiVersion: null, kind: null, name: null, uid: null, controller: null, blockOwnerDeletion: null },
  Taint: { key: null, value: null, effect: null, timeAdded: null },
  Toleration: { key: null, operator: null, value: null, effect: null, tolerationSeconds: null },
  NodeSpec: {
    podCIDR: null,
    podCIDRs: null,
    providerID: null,
    unschedulable: null,
    taints: ['Taint'],
    configSource: null,
    externalID: null,
  },
  PodTemplateSpec: { metadata: 'ObjectMeta', spec: 'PodSpec' },
  PodSpec: {
    volumes: ['Volume'],
    initContainers: ['Container'],
    containers: ['Container'],
    ephemeralContainers: null,
    restartPolicy: null,
    terminationGracePeriodSeconds: null,
    activeDeadlineSeconds: null,
    dnsPolicy: null,
    nodeSelector: null,
    serviceAccountName: null,
    serviceAccount: null,
    automountServiceAccountToken: null,
    nodeName: null,
    hostNetwork: null,
    hostPID: null,
    hostIPC: null,
    shareProcessNamespace: null,
    securityContext: null,
    imagePullSecrets: null,
    hostname: null,
    subdomain: null,
    affinity: 'Affinity',
    schedulerName: null,
    tolerations: ['Toleration'],
    hostAliases: null,
    priorityClassName: null,
    priority: null,
    dnsConfig: null,
    readinessGates: null,
    runtimeClassName: null,
    enableServiceLinks: null,
    preemptionPolicy: null,
    overhead: null,
    topologySpreadConstraints: null,
    setHostnameAsFQDN: null,
    os: null,
    hostUsers: null,
    schedulingGates: null,
    resourceClaims: null,
    resources: null,
  },
  Container: {
    name: null,
    image: null,
    command: null,
    args: null,
    workingDir: null,
    ports: ['ContainerPort'],
    envFrom: null,
    env: ['EnvVar'],
    resources: 'ResourceRequirements',
    resizePolicy: null,
    restartPolicy: null,
    volumeMounts: ['VolumeMount'],
    volumeDevices: null,
    livenessProbe: null,
    readinessProbe: null,
    startupProbe: null,
    lifecycle: null,
    terminationMessagePath: null,
    terminationMessagePolicy: null,
    imagePullPolicy: null,
    securityContext: 'SecurityContext',
    stdin: null,
    stdinOnce: null,
    tty: null,
  },
  ContainerPort: { name: null, hostPort: null, containerPort: null, protocol: null, hostIP: null },
  EnvVar: { name: null, value: null, valueFrom: null },
  VolumeMount: {
    name: null,
    readOnly: null,
    recursiveReadOnly: null,
    mountPath: null,
    subPath: null,
    mountPropagation: null,
    subPathExpr: null,
  },
  ResourceRequirements: { limits: null, requests: null, claims: null },
  SecurityContext: {
    capabilities: null,
    privileged: null,
    seLinuxOptions: null,
    windowsOptions: null,
    runAsUser: null,
    runAsGroup: null,
    runAsNonRoot: null,
    readOnlyRootFilesystem: null,
    allowPrivilegeEscalation: null,
    procMount: null,
    seccompProfile: null,
    appArmorProfile: null,
  },
  Volume: {
    name: null,
    hostPath: null,
    emptyDir: null,
    gcePersistentDisk: null,
    awsElasticBlockStore: null,
    gitRepo: null,
    secret: null,
    nfs: null,
    iscsi: null,
    glusterfs: null,
    persistentVolumeClaim: null,
    rbd: null,
    flexVolume: null,
    cinder: null,
    cephfs: null,
    flocker: null,
    downwardAPI: null,
    fc: null,
    azureFile: null,
    configMap: null,
    vsphereVolume: null,
    quobyte: null,
    azureDisk: null,
    photonPersistentDisk: null,
    projected: null,
    portworxVolume: null,
    scaleIO: null,
    storageos: null,
    csi: null,
    ephemeral: null,
    image: null,
  },
  Affinity: { nodeAffinity: null, podAffinity: null, podAntiAffinity: null },
  LabelSelector: { matchLabels: null, matchExpressions: null },
  DaemonSetSpec: {
    selector: 'LabelSelector',
    template: 'PodTemplateSpec',
    updateStrategy: null,
    minReadySeconds: null,
    revisionHistoryLimit: null,
  },
  DeploymentSpec: {
    replicas: null,
    selector: 'LabelSelector',
    template: 'PodTemplateSpec',
    strategy: null,
    minReadySeconds: null,
    revisionHistoryLimit: null,
    paused: null,
    progressDeadlineSeconds: null,
  },
  ReplicaSetSpec: { replicas: null, minReadySeconds: null, selector: 'LabelSelector', template: 'PodTemplateSpec' },
  StatefulSetSpec: {
    replicas: null,
    selector: 'LabelSelector',
    template: 'PodTemplateSpec',
    volumeClaimTemplates: null,
    serviceName: null,
    podManagementPolicy: null,
    updateStrategy: null,
    revisionHistoryLimit: null,
    minReadySeconds: null,
    persistentVolumeClaimRetentionPolicy: null,
    ordinals: null,
  },
  ServiceSpec: {
    ports: ['ServicePort'],
    selector: null,
    clusterIP: null,
    clusterIPs: null,
    type: null,
    externalIPs: null,
    sessionAffinity: null,
    loadBalancerIP: null,
    loadBalancerSourceRanges: null,
    externalName: null,
    externalTrafficPolicy: null,
    healthCheckNodePort: null,
    publishNotReadyAddresses: null,
    sessionAffinityConfig: null,
    ipFamilies: null,
    ipFamilyPolicy: null,
    allocateLoadBalancerNodePorts: null,
    loadBalancerClass: null,
    internalTrafficPolicy: null,
    trafficDistribution: null,
  },
  ServicePort: { name: null, protocol: null, appProtocol: null, port: null, targetPort: null, nodePort: null },
  PolicyRule: { verbs: null, apiGroups: null, resources: null, resourceNames: null, nonResourceURLs: null },
  Subject: { kind: null, apiGroup: null, name: null, namespace: null },
  RoleRef: { apiGroup: null, kind: null, name: null },
  LeaseSpec: {
    holderIdentity: null,
    leaseDurationSeconds: null,
    acquireTime: null,
    renewTime: null,
    leaseTransitions: null,
    strategy: null,
    preferredHolder: null,
  },
  CSRSpec: {
    request: null,
    signerName: null,
    expirationSeconds: null,
    usages: null,
    username: null,
    uid: null,
    groups: null,
    extra: null,
  },
}
const top = (extra) => ({ apiVersion: null, kind: null, metadata: 'ObjectMeta', ...extra })
const KINDS = {
  Namespace: top({ spec: null, status: null }),
  Node: top({ spec: 'NodeSpec', status: null }),
  Pod: top({ spec: 'PodSpec', status: null }),
  Secret: top({ immutable: null, data: null, stringData: null, type: null }),
  ConfigMap: top({ immutable: null, data: null, binaryData: null }),
  ServiceAccount: top({ secrets: null, imagePullSecrets: null, automountServiceAccountToken: null }),
  Service: top({ spec: 'ServiceSpec', status: null }),
  Endpoints: top({ subsets: null }),
  Event: top({
    involvedObject: null,
    reason: null,
    message: null,
    source: null,
    firstTimestamp: null,
    lastTimestamp: null,
    count: null,
    type: null,
    eventTime: null,
    series: null,
    action: null,
    related: null,
    reportingComponent: null,
    reportingInstance: null,
  }),
  Lease: top({ spec: 'LeaseSpec' }),
  CertificateSigningRequest: top({ spec: 'CSRSpec', status: null }),
  ClusterRole: top({ rules: ['PolicyRule'], aggregationRule: null }),
  Role: top({ rules: ['PolicyRule'] }),
  ClusterRoleBinding: top({ subjects: ['Subject'], roleRef: 'RoleRef' }),
  RoleBinding: top({ subjects: ['Subject'], roleRef: 'RoleRef' }),
  DaemonSet: top({ spec: 'DaemonSetSpec', status: null }),
  Deployment: top({ spec: 'DeploymentSpec', status: null }),
  ReplicaSet: top({ spec: 'ReplicaSetSpec', status: null }),
  StatefulSet: top({ spec: 'StatefulSetSpec', status: null }),
  ControllerRevision: top({ data: null, revision: null }),
  PriorityClass: top({ value: null, globalDefault: null, description: null, preemptionPolicy: null }),
  StorageClass: top({
    provisioner: null,
    parameters: null,
    reclaimPolicy: null,
    mountOptions: null,
    allowVolumeExpansion: null,
    volumeBindingMode: null,
    allowedTopologies: null,
  }),
  EndpointSlice: top({ addressType: null, endpoints: null, ports: null }),
}

/** Unknown field paths of obj (as the real decoder names them: spec.template.spec.containers[0].foo). */
export function unknownFields(kind, obj) {
  const schema = KINDS[kind] ?? top({ spec: null, status: null })
  const out = []
  const walk = (value, type, path) => {
    if (type === null || value === null || value === undefined) return
    if (Array.isArray(type)) {
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, type[0], `${path}[${i}]`))
      return
    }
    const fields = typeof type === 'string' ? T[type] : type
    if (!fields || typeof value !== 'object' || Array.isArray(value)) return
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k
      if (!Object.prototype.hasOwnProperty.call(fields, k)) out.push({ path: p, parent: value, key: k })
      else walk(v, fields[k], p)
    }
  }
  walk(obj, schema, '')
  return out
}

// ---- value validation (k8s.io/apimachinery/pkg/util/validation, pkg/apis/core/validation) ----
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/

/** IsQualifiedName: [prefix/]name; the messages of the real validator. */
function qualifiedNameErrors(value) {
  const parts = value.split('/')
  let name = value
  const errs = []
  if (parts.length === 2) {
    const [prefix] = parts
    name = parts[1]
    if (!prefix) errs.push('prefix part must be non-empty')
    else if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))
      errs.push(
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      )
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]
  }
  if (!name) errs.push('name part must be non-empty')
  else if (name.length > 63) errs.push('name part must be no more than 63 characters')
  else if (!QUALIFIED_NAME.test(name))
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    )
  return errs
}
function labelValueErrors(value) {
  if (typeof value !== 'string') return ['must be a string']
  if (value.length > 63) return ['must be no more than 63 characters']
  if (!LABEL_VALUE.test(value))
    return [
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]
  return []
}

/** Field errors [{field, message, reason}] of the object's labels and, for nodes, taints. */
export function valueErrors(kind, obj) {
  const causes = []
  const q = (v) => JSON.stringify(v)
  for (const [k, v] of Object.entries(obj?.metadata?.labels ?? {})) {
    for (const e of qualifiedNameErrors(k))
      causes.push({ field: 'metadata.labels', message: `Invalid value: ${q(k)}: ${e}` })
    for (const e of labelValueErrors(v))
      causes.push({ field: 'metadata.labels', message: `Invalid value: ${q(v)}: ${e}` })
  }
  for (const k of Object.keys(obj?.metadata?.annotations ?? {}))
    for (const e of qualifiedNameErrors(k))
      causes.push({ field: 'metadata.annotations', message: `Invalid value: ${q(k)}: ${e}` })
  if (kind === 'Node' && Array.isArray(obj?.spec?.taints)) {
    const seen = new Set()
    obj.spec.taints.forEach((t, i) => {
      const path = `spec.taints[${i}]`
      for (const e of qualifiedNameErrors(t?.key ?? ''))
        causes.push({ field: `${path}.key`, message: `Invalid value: ${q(t?.key ?? '')}: ${e}` })
      if (t?.value !== undefined)
        for (const e of labelValueErrors(t.value))
          causes.push({ field: `${path}.value`, message: `Invalid value: ${q(t.value)}: ${e}` })
      if (!t?.effect) causes.push({ field: `${path}.effect`, message: 'Required value', reason: 'FieldValueRequired' })
      else if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect))
        causes.push({
          field: `${path}.effect`,
          message: `Unsupported value: ${q(t.effect)}: supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
          reason: 'FieldValueNotSupported',
        })
      const id = `${t?.key}\u0000${t?.effect}`
      if (seen.has(id))
        causes.push({
          field: path,
          // field.Duplicate(idxPath, taint) prints the internal type with %#v
          message: `Duplicate value: core.Taint{Key:${q(t.key)}, Value:${q(t.value ?? '')}, Effect:${q(t.effect)}, TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair`,
          reason: 'FieldValueDuplicate',
        })
      seen.add(id)
    })
  }
  return causes
}
