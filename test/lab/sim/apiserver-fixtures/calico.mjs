// flotilla-sim: SIMULATOR test fixture. A SIMULATOR-AUTHORED stand-in for Calico v3.30.7's
// manifests/calico.yaml (Kubernetes API datastore), served by the lab's upstream at the real URL
// (sites.d/30-cni.sh). Not the real text: written from the documented structure
// (docs/domain-engine.md §4) with the same kinds, names, namespaces, images, host paths and
// tolerations, and minimal CRD schemas (spec/status preserved, IPPool's spec typed so that schema
// checks can be exercised). Keep it free of fields the API server stand-in does not know.
import { stringify } from 'yaml'

export const CALICO_VERSION = 'v3.30.7'
export const CALICO_URL = `https://raw.githubusercontent.com/projectcalico/calico/${CALICO_VERSION}/manifests/calico.yaml`

// [plural, kind, scope, status subresource?] of crd.projectcalico.org/v1
export const CALICO_CRDS = [
  ['bgpconfigurations', 'BGPConfiguration', 'Cluster'],
  ['bgpfilters', 'BGPFilter', 'Cluster'],
  ['bgppeers', 'BGPPeer', 'Cluster'],
  ['blockaffinities', 'BlockAffinity', 'Cluster'],
  ['caliconodestatuses', 'CalicoNodeStatus', 'Cluster', true],
  ['clusterinformations', 'ClusterInformation', 'Cluster'],
  ['felixconfigurations', 'FelixConfiguration', 'Cluster'],
  ['globalnetworkpolicies', 'GlobalNetworkPolicy', 'Cluster'],
  ['globalnetworksets', 'GlobalNetworkSet', 'Cluster'],
  ['hostendpoints', 'HostEndpoint', 'Cluster'],
  ['ipamblocks', 'IPAMBlock', 'Cluster'],
  ['ipamconfigs', 'IPAMConfig', 'Cluster'],
  ['ipamhandles', 'IPAMHandle', 'Cluster'],
  ['ippools', 'IPPool', 'Cluster'],
  ['ipreservations', 'IPReservation', 'Cluster'],
  ['kubecontrollersconfigurations', 'KubeControllersConfiguration', 'Cluster', true],
  ['networkpolicies', 'NetworkPolicy', 'Namespaced'],
  ['networksets', 'NetworkSet', 'Namespaced'],
  ['stagedglobalnetworkpolicies', 'StagedGlobalNetworkPolicy', 'Cluster'],
  ['stagedkubernetesnetworkpolicies', 'StagedKubernetesNetworkPolicy', 'Namespaced'],
  ['stagednetworkpolicies', 'StagedNetworkPolicy', 'Namespaced'],
  ['tiers', 'Tier', 'Cluster'],
]

const preserved = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
const IPPOOL_SPEC = {
  type: 'object',
  required: ['cidr'],
  properties: {
    cidr: { type: 'string' },
    blockSize: { type: 'integer' },
    ipipMode: { type: 'string' },
    vxlanMode: { type: 'string' },
    natOutgoing: { type: 'boolean' },
    disabled: { type: 'boolean' },
    disableBGPExport: { type: 'boolean' },
    nodeSelector: { type: 'string' },
    allowedUses: { type: 'array', items: { type: 'string' } },
    assignmentMode: { type: 'string' },
  },
}

function crd([plural, kind, scope, status]) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.crd.projectcalico.org` },
    spec: {
      group: 'crd.projectcalico.org',
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      preserveUnknownFields: false,
      scope,
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: kind === 'IPPool' ? IPPOOL_SPEC : preserved,
                ...(status ? { status: preserved } : {}),
              },
            },
          },
          ...(status ? { subresources: { status: {} } } : {}),
        },
      ],
    },
  }
}

const sa = (name) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'kube-system' } })
const binding = (name) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
  subjects: [{ kind: 'ServiceAccount', name, namespace: 'kube-system' }],
})
const role = (name, rules) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name },
  rules,
})
const hostPath = (name, path, type) => ({ name, hostPath: { path, ...(type ? { type } : {}) } })
const fromConfig = (name, key) => ({ name, valueFrom: { configMapKeyRef: { name: 'calico-config', key } } })
const CNI_IMAGE = `docker.io/calico/cni:${CALICO_VERSION}`
const NODE_IMAGE = `docker.io/calico/node:${CALICO_VERSION}`

const CNI_NETWORK_CONFIG = `{
  "name": "k8s-pod-network",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "calico",
      "log_level": "info",
      "datastore_type": "kubernetes",
      "nodename": "__KUBERNETES_NODE_NAME__",
      "mtu": __CNI_MTU__,
      "ipam": {"type": "calico-ipam"},
      "policy": {"type": "k8s"},
      "kubernetes": {"kubeconfig": "__KUBECONFIG_FILEPATH__"}
    },
    {"type": "portmap", "snat": true, "capabilities": {"portMappings": true}},
    {"type": "bandwidth", "capabilities": {"bandwidth": true}}
  ]
}`

export function calicoDocuments() {
  return [
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: {
        name: 'calico-kube-controllers',
        namespace: 'kube-system',
        labels: { 'k8s-app': 'calico-kube-controllers' },
      },
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'k8s-app': 'calico-kube-controllers' } } },
    },
    sa('calico-kube-controllers'),
    sa('calico-node'),
    sa('calico-cni-plugin'),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'calico-config', namespace: 'kube-system' },
      data: {
        typha_service_name: 'none',
        calico_backend: 'bird',
        veth_mtu: '0',
        cni_network_config: CNI_NETWORK_CONFIG,
      },
    },
    ...CALICO_CRDS.map(crd),
    role('calico-kube-controllers', [
      { apiGroups: [''], resources: ['nodes'], verbs: ['watch', 'list', 'get'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      {
        apiGroups: ['crd.projectcalico.org'],
        resources: [
          'ipreservations',
          'ipamblocks',
          'ipamhandles',
          'ipamconfigs',
          'blockaffinities',
          'ippools',
          'hostendpoints',
          'kubecontrollersconfigurations',
          'clusterinformations',
          'tiers',
        ],
        verbs: ['get', 'list', 'create', 'update', 'delete', 'watch'],
      },
    ]),
    role('calico-cni-plugin', [
      { apiGroups: [''], resources: ['pods', 'nodes', 'namespaces'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods/status'], verbs: ['patch'] },
      {
        apiGroups: ['crd.projectcalico.org'],
        resources: [
          'blockaffinities',
          'ipamblocks',
          'ipamhandles',
          'clusterinformations',
          'ippools',
          'ipreservations',
          'ipamconfigs',
        ],
        verbs: ['get', 'list', 'create', 'update', 'delete'],
      },
    ]),
    role('calico-node', [
      { apiGroups: [''], resources: ['pods', 'nodes', 'namespaces'], verbs: ['get'] },
      { apiGroups: [''], resources: ['endpoints', 'services'], verbs: ['watch', 'list', 'get'] },
      { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch', 'update'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['watch', 'list'] },
      { apiGroups: [''], resources: ['pods', 'namespaces', 'serviceaccounts'], verbs: ['list', 'watch'] },
      {
        apiGroups: [''],
        resources: ['serviceaccounts/token'],
        resourceNames: ['calico-cni-plugin'],
        verbs: ['create'],
      },
      {
        apiGroups: ['crd.projectcalico.org'],
        resources: CALICO_CRDS.map(([p]) => p),
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
      },
    ]),
    binding('calico-kube-controllers'),
    binding('calico-cni-plugin'),
    binding('calico-node'),
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'calico-node', namespace: 'kube-system', labels: { 'k8s-app': 'calico-node' } },
      spec: {
        selector: { matchLabels: { 'k8s-app': 'calico-node' } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: { 'k8s-app': 'calico-node' } },
          spec: {
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            hostNetwork: true,
            // calico-node runs on every node, control planes and NotReady nodes included
            tolerations: [
              { effect: 'NoSchedule', operator: 'Exists' },
              { key: 'CriticalAddonsOnly', operator: 'Exists' },
              { effect: 'NoExecute', operator: 'Exists' },
            ],
            serviceAccountName: 'calico-node',
            terminationGracePeriodSeconds: 0,
            priorityClassName: 'system-node-critical',
            initContainers: [
              {
                name: 'upgrade-ipam',
                image: CNI_IMAGE,
                imagePullPolicy: 'IfNotPresent',
                command: ['/opt/cni/bin/calico-ipam', '-upgrade'],
                env: [
                  { name: 'KUBERNETES_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                  fromConfig('CALICO_NETWORKING_BACKEND', 'calico_backend'),
                ],
                volumeMounts: [
                  { mountPath: '/var/lib/cni/networks', name: 'host-local-net-dir' },
                  { mountPath: '/host/opt/cni/bin', name: 'cni-bin-dir' },
                ],
                securityContext: { privileged: true },
              },
              {
                name: 'install-cni',
                image: CNI_IMAGE,
                imagePullPolicy: 'IfNotPresent',
                command: ['/opt/cni/bin/install'],
                env: [
                  { name: 'CNI_CONF_NAME', value: '10-calico.conflist' },
                  fromConfig('CNI_NETWORK_CONFIG', 'cni_network_config'),
                  { name: 'KUBERNETES_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                  fromConfig('CNI_MTU', 'veth_mtu'),
                  { name: 'SLEEP', value: 'false' },
                ],
                volumeMounts: [
                  { mountPath: '/host/opt/cni/bin', name: 'cni-bin-dir' },
                  { mountPath: '/host/etc/cni/net.d', name: 'cni-net-dir' },
                ],
                securityContext: { privileged: true },
              },
              {
                name: 'mount-bpffs',
                image: NODE_IMAGE,
                imagePullPolicy: 'IfNotPresent',
                command: ['calico-node', '-init', '-best-effort'],
                volumeMounts: [
                  { mountPath: '/sys/fs', name: 'sys-fs', mountPropagation: 'Bidirectional' },
                  { mountPath: '/var/run/calico', name: 'var-run-calico', mountPropagation: 'Bidirectional' },
                  { mountPath: '/nodeproc', name: 'nodeproc', readOnly: true },
                ],
                securityContext: { privileged: true },
              },
            ],
            containers: [
              {
                name: 'calico-node',
                image: NODE_IMAGE,
                imagePullPolicy: 'IfNotPresent',
                env: [
                  { name: 'DATASTORE_TYPE', value: 'kubernetes' },
                  { name: 'WAIT_FOR_DATASTORE', value: 'true' },
                  { name: 'NODENAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                  fromConfig('CALICO_NETWORKING_BACKEND', 'calico_backend'),
                  { name: 'CLUSTER_TYPE', value: 'k8s,bgp' },
                  { name: 'IP', value: 'autodetect' },
                  { name: 'CALICO_IPV4POOL_IPIP', value: 'Always' },
                  { name: 'CALICO_IPV4POOL_VXLAN', value: 'Never' },
                  { name: 'CALICO_IPV6POOL_VXLAN', value: 'Never' },
                  fromConfig('FELIX_IPINIPMTU', 'veth_mtu'),
                  fromConfig('FELIX_VXLANMTU', 'veth_mtu'),
                  fromConfig('FELIX_WIREGUARDMTU', 'veth_mtu'),
                  // CALICO_IPV4POOL_CIDR left unset: detected from kubeadm's pod subnet
                  { name: 'CALICO_DISABLE_FILE_LOGGING', value: 'true' },
                  { name: 'FELIX_DEFAULTENDPOINTTOHOSTACTION', value: 'ACCEPT' },
                  { name: 'FELIX_IPV6SUPPORT', value: 'false' },
                  { name: 'FELIX_HEALTHENABLED', value: 'true' },
                ],
                securityContext: { privileged: true },
                resources: { requests: { cpu: '250m' } },
                lifecycle: { preStop: { exec: { command: ['/bin/calico-node', '-shutdown'] } } },
                livenessProbe: {
                  exec: { command: ['/bin/calico-node', '-felix-live', '-bird-live'] },
                  periodSeconds: 10,
                  initialDelaySeconds: 10,
                  failureThreshold: 6,
                  timeoutSeconds: 10,
                },
                readinessProbe: {
                  exec: { command: ['/bin/calico-node', '-felix-ready', '-bird-ready'] },
                  periodSeconds: 10,
                  timeoutSeconds: 10,
                },
                volumeMounts: [
                  { mountPath: '/host/etc/cni/net.d', name: 'cni-net-dir', readOnly: false },
                  { mountPath: '/lib/modules', name: 'lib-modules', readOnly: true },
                  { mountPath: '/run/xtables.lock', name: 'xtables-lock', readOnly: false },
                  { mountPath: '/var/run/calico', name: 'var-run-calico', readOnly: false },
                  { mountPath: '/var/lib/calico', name: 'var-lib-calico', readOnly: false },
                  { mountPath: '/var/run/nodeagent', name: 'policysync' },
                  { mountPath: '/sys/fs/bpf', name: 'bpffs' },
                  { mountPath: '/var/log/calico/cni', name: 'cni-log-dir', readOnly: true },
                ],
              },
            ],
            volumes: [
              hostPath('lib-modules', '/lib/modules'),
              hostPath('var-run-calico', '/var/run/calico', 'DirectoryOrCreate'),
              hostPath('var-lib-calico', '/var/lib/calico', 'DirectoryOrCreate'),
              hostPath('xtables-lock', '/run/xtables.lock', 'FileOrCreate'),
              hostPath('sys-fs', '/sys/fs/', 'DirectoryOrCreate'),
              hostPath('bpffs', '/sys/fs/bpf', 'Directory'),
              hostPath('nodeproc', '/proc'),
              hostPath('cni-bin-dir', '/opt/cni/bin', 'DirectoryOrCreate'),
              hostPath('cni-net-dir', '/etc/cni/net.d'),
              hostPath('cni-log-dir', '/var/log/calico/cni'),
              hostPath('host-local-net-dir', '/var/lib/cni/networks'),
              hostPath('policysync', '/var/run/nodeagent', 'DirectoryOrCreate'),
            ],
          },
        },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'calico-kube-controllers',
        namespace: 'kube-system',
        labels: { 'k8s-app': 'calico-kube-controllers' },
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'k8s-app': 'calico-kube-controllers' } },
        strategy: { type: 'Recreate' },
        template: {
          metadata: {
            name: 'calico-kube-controllers',
            namespace: 'kube-system',
            labels: { 'k8s-app': 'calico-kube-controllers' },
          },
          spec: {
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            tolerations: [
              { key: 'CriticalAddonsOnly', operator: 'Exists' },
              { key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' },
              { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
            ],
            serviceAccountName: 'calico-kube-controllers',
            priorityClassName: 'system-cluster-critical',
            containers: [
              {
                name: 'calico-kube-controllers',
                image: `docker.io/calico/kube-controllers:${CALICO_VERSION}`,
                imagePullPolicy: 'IfNotPresent',
                env: [
                  { name: 'ENABLED_CONTROLLERS', value: 'node,loadbalancer' },
                  { name: 'DATASTORE_TYPE', value: 'kubernetes' },
                ],
                livenessProbe: {
                  exec: { command: ['/usr/bin/check-status', '-l'] },
                  periodSeconds: 10,
                  initialDelaySeconds: 10,
                  failureThreshold: 6,
                  timeoutSeconds: 10,
                },
                readinessProbe: { exec: { command: ['/usr/bin/check-status', '-r'] }, periodSeconds: 10 },
                securityContext: {
                  runAsNonRoot: true,
                  // the real manifest runs it as uid 999
                  runAsUser: 999,
                  runAsGroup: 0,
                  capabilities: { drop: ['ALL'] },
                  allowPrivilegeEscalation: false,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
              },
            ],
          },
        },
      },
    },
  ]
}

/** The served calico.yaml text. */
export function calicoYaml() {
  return [
    `# FLOTILLA SIMULATOR: a stand-in for Calico ${CALICO_VERSION}'s manifests/calico.yaml, written for the lab`,
    '# (test/lab/sim/apiserver-fixtures/calico.mjs). Same kinds, names, images and host paths as the',
    "# real manifest; NOT the real manifest's text, schemas or settings. Never use it on a real cluster.",
    ...calicoDocuments().map((d) => `---\n${stringify(d, { lineWidth: 0 })}`),
  ].join('\n')
}
