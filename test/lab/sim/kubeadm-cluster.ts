/**
 * A small kubeadm cluster on sim nodes, built by hand-written commands the way the kubernetes.io
 * HA guide does it (kubeadm-ha.test.ts's approach), for scenarios that need a cluster to look at or
 * take apart (status, reset) before the engine builds one. Shared so the approach lives once:
 * - PREPARE: packages, br_netfilter, forwarding, containerd with SystemdCgroup, as the install guide;
 * - FLANNEL: a flannel-style CNI manifest (kube-flannel.yml's shape);
 * - buildFlotillaCluster(): the same steps, but with the cluster's CA from Flotilla's vault written
 *   to each control plane before `kubeadm init`/`join` (so Flotilla's in-memory admin client is
 *   trusted), and HAProxy configured by Flotilla's own endpoint recipe.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import type { App } from '../../../src/main/app'
import { engineEnv } from '../../../src/main/services/apply/engine-env'
import type { OperationContext } from '../../../src/main/services/operations/registry'
import { clusterView, type PlanHost } from '../../../src/main/services/plan/planner'
import { ENDPOINT_RECIPES } from '../../../src/main/services/plan/recipes'
import type { RecipeContext, Step } from '../../../src/main/services/plan/step'
import { runCheck, runStepActions } from '../../../src/main/services/plan/step-runner'
import { sh as shc } from '../../../src/main/services/ssh/shell-command'
import type { Cluster, Host } from '../../../src/shared/types'
import { waitUntil, type LabNode } from '../harness'
import { sshExec } from '../ssh'

export const sh = (node: LabNode, command: string, timeoutMs = 90_000) => sshExec(node, command, { timeoutMs })
/** A script run as root on the node (through base64, so no quoting reaches the remote shell). */
export const root = (node: LabNode, script: string, timeoutMs = 90_000) =>
  sh(node, `printf %s ${Buffer.from(script).toString('base64')} | base64 -d | sudo bash -s`, timeoutMs)

// Preparing every node as in the kubeadm install guide (packages, modules, forwarding, containerd).
export const PREPARE = `set -e
sim-pkg install containerd kubelet kubeadm >/dev/null
systemctl enable kubelet 2>/dev/null
echo br_netfilter > /etc/modules-load.d/k8s.conf
modprobe br_netfilter
echo net.ipv4.ip_forward=1 > /etc/sysctl.d/k8s.conf
sysctl -q -p /etc/sysctl.d/k8s.conf
mkdir -p /etc/containerd
containerd config default | sed 's/SystemdCgroup = false/SystemdCgroup = true/' > /etc/containerd/config.toml
systemctl restart containerd
systemctl is-enabled containerd >/dev/null`

// A flannel-style CNI manifest (kube-flannel.yml's shape: namespace, RBAC, config, DaemonSet).
export const FLANNEL = `apiVersion: v1
kind: Namespace
metadata:
  name: kube-flannel
  labels:
    pod-security.kubernetes.io/enforce: privileged
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: flannel
  namespace: kube-flannel
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: flannel
rules:
- apiGroups: [""]
  resources: ["nodes"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["nodes/status"]
  verbs: ["patch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: flannel
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: flannel
subjects:
- kind: ServiceAccount
  name: flannel
  namespace: kube-flannel
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: kube-flannel-cfg
  namespace: kube-flannel
data:
  cni-conf.json: |
    {"name": "cbr0", "cniVersion": "0.3.1", "plugins": [{"type": "flannel", "delegate": {"hairpinMode": true, "isDefaultGateway": true}}, {"type": "portmap", "capabilities": {"portMappings": true}}]}
  net-conf.json: |
    {"Network": "10.244.0.0/16", "EnableNFTables": false, "Backend": {"Type": "vxlan"}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-flannel-ds
  namespace: kube-flannel
  labels:
    app: flannel
spec:
  selector:
    matchLabels:
      app: flannel
  template:
    metadata:
      labels:
        app: flannel
    spec:
      hostNetwork: true
      priorityClassName: system-node-critical
      serviceAccountName: flannel
      tolerations:
      - operator: Exists
        effect: NoSchedule
      initContainers:
      - name: install-cni-plugin
        image: docker.io/flannel/flannel-cni-plugin:v1.6.2-flannel1
        command: ["cp"]
        args: ["-f", "/flannel", "/opt/cni/bin/flannel"]
      - name: install-cni
        image: docker.io/flannel/flannel:v0.26.4
        command: ["cp"]
        args: ["-f", "/etc/kube-flannel/cni-conf.json", "/etc/cni/net.d/10-flannel.conflist"]
      containers:
      - name: kube-flannel
        image: docker.io/flannel/flannel:v0.26.4
        command: ["/opt/bin/flanneld"]
        args: ["--ip-masq", "--kube-subnet-mgr"]
`

/** etcdctl with kubeadm's healthcheck client (run as root on a control plane). */
export const etcdctl = (endpoints: string) =>
  `ETCDCTL_API=3 etcdctl --dial-timeout=2s --command-timeout=4s --endpoints=${endpoints} ` +
  '--cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt ' +
  '--key=/etc/kubernetes/pki/etcd/healthcheck-client.key'

/** kubectl on the desk with `kubeconfig` (the real kubectl), through the endpoint it names. */
export function kubectl(
  kubeconfig: string,
  args: string,
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, '--request-timeout=10s', ...args.split(' ').filter(Boolean)],
      { timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    )
    if (input !== undefined) child.stdin?.end(input)
  })
}

/** The `kubeadm join …` lines kubeadm init printed: for a control plane and for a worker. */
export function joinCommands(initOutput: string): { controlPlane: string; worker: string } {
  const lines = initOutput.split('\n')
  const flat = (from: number, count: number) =>
    lines
      .slice(from, from + count)
      .join(' ')
      .replace(/\\/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  const cp = lines.findIndex((l, i) => l.includes('kubeadm join') && lines[i + 2]?.includes('--control-plane'))
  const w = lines.lastIndexOf(lines.filter((l) => l.startsWith('kubeadm join')).pop()!)
  return { controlPlane: flat(cp, 3), worker: flat(w, 2) }
}

/** A context for steps run outside an operation (its log kept for failures). */
export function testContext(log: string[] = []): OperationContext {
  return {
    id: 'kubeadm-cluster',
    signal: new AbortController().signal,
    progress: () => undefined,
    log: (line) => void log.push(line),
    throwIfCancelled: () => undefined,
  }
}

/** The files of the cluster's CA set a control plane needs before init/join (kubeadm's names under pki/). */
function caFiles(app: App, clusterId: string): string[] {
  const record = app.pki.show(clusterId)!
  const certs = record.cas.map((c) => c.file)
  // kubeadm's service-account pair: sa.pub (the record's file) and sa.key (in the vault).
  return [...certs, ...certs.map((f) => f.replace(/\.crt$/, '.key')), record.serviceAccount.file, 'sa.key']
}

export interface FlotillaCluster {
  /** A kubeconfig kubeadm wrote (admin.conf), for the real kubectl on the desk. */
  adminConf: string
}

/**
 * HAProxy on `lb` by Flotilla's endpoint recipe; the vault's CA files on every control plane;
 * `kubeadm init` on the first, joins of the others and the workers; the flannel-style CNI; every
 * node Ready. `hosts` are the inventory hosts of lb, control planes and workers, in that order.
 */
export async function buildFlotillaCluster(opts: {
  app: App
  cluster: Cluster
  lb: LabNode
  controlPlanes: LabNode[]
  workers: LabNode[]
  hosts: Host[]
}): Promise<FlotillaCluster> {
  const { app, cluster, lb, controlPlanes, workers, hosts } = opts
  const log: string[] = []
  const ctx = testContext(log)
  const hostOf = (node: LabNode) => hosts.find((h) => h.address === node.address)!
  const prepared = await Promise.all([...controlPlanes, ...workers].map((n) => root(n, PREPARE)))
  for (const r of prepared) expect(r.code, r.stderr).toBe(0)

  // The endpoint, as Flotilla's recipe configures it (the config the reset will re-render).
  const planHosts: PlanHost[] = [
    { host: hostOf(lb), name: hostOf(lb).label!, roles: ['haproxy'], steps: [] },
    ...controlPlanes.map((n): PlanHost => ({
      host: hostOf(n),
      name: hostOf(n).label!,
      roles: ['control-plane'],
      steps: [],
    })),
    ...workers.map((n): PlanHost => ({ host: hostOf(n), name: hostOf(n).label!, roles: ['worker'], steps: [] })),
  ]
  const view = clusterView(cluster.spec, planHosts)
  const lbHost = hostOf(lb)
  const recipeCtx: RecipeContext = {
    spec: cluster.spec.spec,
    clusterName: cluster.name,
    host: lbHost,
    facts: lbHost.identification!,
    roles: ['haproxy'],
    name: lbHost.label!,
    kubernetes: { minor: cluster.spec.spec.kubernetesVersion },
    cluster: view,
  }
  for (const step of ENDPOINT_RECIPES.flatMap((r) => r.steps(recipeCtx))) {
    await runStepActions(app.ssh, step, ctx)
    const verified = await runCheck(app.ssh, step, ctx, {}, step.verify ?? step.check)
    expect(verified, log.join('\n')).toMatchObject({ state: 'done' })
  }

  // The CA set from the vault on each control plane, through the engine's resolver (never a command line).
  const { resolve } = engineEnv(
    { pki: app.pki, vault: app.vault, kube: app.kube, redactor: app.redactor, ssh: app.ssh },
    cluster.id,
  )
  const files = caFiles(app, cluster.id)
  for (const node of controlPlanes) {
    const step: Step = {
      id: `${hostOf(node).label}/pki`,
      hostId: hostOf(node).id,
      kind: 'pki',
      title: 'the cluster CA from the vault',
      deps: [],
      actions: [
        { type: 'run' as const, command: shc`install -d -m 0755 /etc/kubernetes/pki/etcd`, sudo: true },
        ...files.map((f) => ({
          type: 'write' as const,
          path: `/etc/kubernetes/pki/${f}`,
          mode: f.endsWith('.key') ? 0o600 : 0o644,
          owner: 'root:root',
          content: { secret: `pki/${f}` },
        })),
      ],
      check: { command: undefined as never, sudo: false },
    }
    await runStepActions(app.ssh, step, ctx, { resolve })
  }

  const [first, ...others] = controlPlanes as [LabNode, ...LabNode[]]
  const endpoint = `${lb.address}:6443`
  const init = await root(
    first,
    `kubeadm init --control-plane-endpoint "${endpoint}" --apiserver-advertise-address ${first.address} --pod-network-cidr 10.244.0.0/16`,
    120_000,
  )
  expect(init.code, init.stderr).toBe(0)
  expect(init.stdout).toContain('[certs] Using existing ca certificate authority')
  const joins = joinCommands(init.stdout)
  for (const cp of others) {
    const r = await root(cp, `${joins.controlPlane} --apiserver-advertise-address ${cp.address}`, 120_000)
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
  }
  for (const w of workers) {
    const r = await root(w, joins.worker, 120_000)
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
  }
  const adminConf = join(mkdtempSync(join(tmpdir(), 'flotilla-cluster-')), 'admin.conf')
  writeFileSync(adminConf, (await root(first, 'cat /etc/kubernetes/admin.conf')).stdout)
  const applied = await kubectl(adminConf, 'apply -f -', FLANNEL)
  expect(applied.code, applied.stderr).toBe(0)
  const count = controlPlanes.length + workers.length
  await waitUntil(
    `all ${count} nodes Ready`,
    async () => {
      const r = await kubectl(adminConf, 'get nodes --no-headers')
      return r.code === 0 && (r.stdout.match(/\sReady\s/g) ?? []).length === count
    },
    90_000,
    1000,
  )
  return { adminConf }
}
