/**
 * The CNI step end to end against the stand-ins: `kubeadm init` on a control plane and a joined
 * worker (both still NotReady: no CNI), the lab's calico.yaml downloaded on the control plane with
 * curl from its real URL, read back over SSH, applied from the desk with Flotilla's applyManifest
 * (server-side apply through @kubernetes/client-node), then cniReady() until calico-node runs on
 * both nodes (the tainted control plane included) and both are Ready, each with the
 * 10-calico.conflist its calico-node pod wrote. A second apply changes no object.
 */
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyManifest, cniReady, parseManifest } from '../../../src/main/services/kube/apply-manifest'
import { useLab, waitUntil, type Lab, type LabNode } from '../harness'
import { sshExec } from '../ssh'
import { CALICO_URL } from './apiserver-fixtures/calico.mjs'

let lab: Lab
let cp: LabNode
let worker: LabNode
let kc: k8s.KubeConfig
let manifest = ''
const logLines: string[] = []
const ctx = { signal: new AbortController().signal, log: (l: string) => logLines.push(l) }

const root = (node: LabNode, script: string, timeoutMs = 90_000) =>
  sshExec(node, `printf %s ${Buffer.from(script).toString('base64')} | base64 -d | sudo bash -s`, { timeoutMs })

// The kubeadm install guide's preparation (as kubeadm-ha.test.ts), then kubeadm itself.
const PREPARE = `set -e
sim-pkg install containerd kubelet kubeadm >/dev/null
systemctl enable kubelet 2>/dev/null
echo br_netfilter > /etc/modules-load.d/k8s.conf
modprobe br_netfilter
echo net.ipv4.ip_forward=1 > /etc/sysctl.d/k8s.conf
sysctl -q -p /etc/sysctl.d/k8s.conf
mkdir -p /etc/containerd
containerd config default | sed 's/SystemdCgroup = false/SystemdCgroup = true/' > /etc/containerd/config.toml
systemctl restart containerd`

const FLANNEL_URL = 'https://github.com/flannel-io/flannel/releases/download/v0.28.9/kube-flannel.yml'

beforeAll(async () => {
  lab = await useLab({ profiles: ['debian-sudo-nopass+sim', 'debian-sudo-nopass+sim'] })
  ;[cp, worker] = lab.nodes as [LabNode, LabNode]
  for (const r of await Promise.all([cp, worker].map((n) => root(n, PREPARE)))) expect(r.code, r.stderr).toBe(0)
  const init = await root(
    cp,
    `kubeadm init --apiserver-advertise-address ${cp.address} --pod-network-cidr 192.168.0.0/16`,
    120_000,
  )
  expect(init.code, init.stderr).toBe(0)
  const lines = init.stdout.split('\n')
  const at = lines.findLastIndex((l) => l.startsWith('kubeadm join'))
  const join = lines
    .slice(at, at + 2)
    .join(' ')
    .replace(/\\/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  const joined = await root(worker, join, 120_000)
  expect(joined.code, `${joined.stdout}\n${joined.stderr}`).toBe(0)
  // kubeadm's admin credential (kubeadm:cluster-admins), as the desk would hold a minted one
  const conf = await root(cp, 'cat /etc/kubernetes/admin.conf')
  kc = new k8s.KubeConfig()
  kc.loadFromString(conf.stdout)
  const core = kc.makeApiClient(k8s.CoreV1Api)
  await waitUntil('two nodes registered', async () => (await core.listNode()).items.length === 2, 60_000, 1000)
}, 400_000)
afterAll(() => lab?.dispose())

describe('Calico through applyManifest on a kubeadm cluster of the stand-ins', () => {
  it('is not ready before the manifest: no calico-node DaemonSet, both nodes NotReady', async () => {
    const r = await cniReady(kc)
    expect(r).toEqual({ ready: false, detail: 'DaemonSet kube-system/calico-node does not exist.' })
    const flannel = await cniReady(kc, { namespace: 'kube-flannel', name: 'kube-flannel-ds' })
    expect(flannel.ready).toBe(false)
  })

  it('downloads calico.yaml on the control plane with curl from its real URL and reads it back', async () => {
    const get = await root(cp, `curl -fsSL -o /root/calico.yaml ${CALICO_URL} && stat -c %s /root/calico.yaml`)
    expect(get.code, get.stderr).toBe(0)
    manifest = (await root(cp, 'cat /root/calico.yaml')).stdout
    expect(manifest.split('\n')[0]).toMatch(/^# FLOTILLA SIMULATOR/)
    const kinds = parseManifest(manifest).map((o) => o.kind)
    expect(kinds.filter((k) => k === 'CustomResourceDefinition').length).toBeGreaterThan(20)
    expect(kinds).toEqual(expect.arrayContaining(['PodDisruptionBudget', 'ConfigMap', 'DaemonSet', 'Deployment']))
    // flannel's release asset: GitHub's 302, followed by curl -L
    const direct = await root(cp, `curl -sS -o /dev/null -w '%{http_code}' ${FLANNEL_URL}`)
    expect(direct.stdout).toBe('302')
    const flannel = await root(cp, `curl -fsSL ${FLANNEL_URL}`)
    expect(flannel.code, flannel.stderr).toBe(0)
    expect(parseManifest(flannel.stdout).map((o) => o.kind)).toContain('DaemonSet')
  })

  it('applies it from the desk; calico-node runs on both nodes, both turn Ready with 10-calico.conflist', async () => {
    const { applied } = await applyManifest(kc, manifest, ctx)
    expect(applied.length).toBe(parseManifest(manifest).length)
    expect(logLines.join('\n')).toContain('waiting until each is Established')
    const ready = await waitUntil(
      'calico ready on every node',
      async () => {
        const r = await cniReady(kc)
        return r.ready && r
      },
      120_000,
      1000,
    )
    expect(ready.detail).toBe('calico-node is Ready on all 2 node(s); every node is Ready.')
    const core = kc.makeApiClient(k8s.CoreV1Api)
    const pods = (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=calico-node' }))
      .items
    expect(pods.map((p) => p.spec?.nodeName).sort()).toEqual([cp.hostname, worker.hostname].sort())
    const cpNode = await core.readNode({ name: cp.hostname })
    expect(cpNode.spec?.taints?.map((t) => t.key)).toContain('node-role.kubernetes.io/control-plane')
    for (const n of [cp, worker]) {
      const conf = await root(n, 'cat /etc/cni/net.d/10-calico.conflist')
      expect(conf.code, conf.stderr).toBe(0)
      expect(JSON.parse(conf.stdout).plugins[0].type).toBe('calico')
    }
    await waitUntil(
      'calico-kube-controllers Running',
      async () =>
        (
          await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=calico-kube-controllers' })
        ).items.some((p) => p.status?.phase === 'Running'),
      60_000,
      1000,
    )
  }, 240_000)

  it('a second apply changes nothing (every resourceVersion kept)', async () => {
    const client = k8s.KubernetesObjectApi.makeApiClient(kc)
    const versions = async () =>
      Promise.all(
        parseManifest(manifest).map(async (o) => {
          const r = await client.read({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata })
          return `${o.kind}/${o.metadata.name}@${r.metadata?.resourceVersion}`
        }),
      )
    // the controllers still write status (Deployment replicas, DaemonSet counts) for a moment after
    // the pods run: take the versions once two reads a poll apart agree, so only the apply can move them
    let last = ''
    const before = await waitUntil(
      'objects settled',
      async () => {
        const now = await versions()
        const same = JSON.stringify(now) === last
        last = JSON.stringify(now)
        return same && now
      },
      60_000,
      1000,
    )
    await applyManifest(kc, manifest, ctx)
    expect(await versions()).toEqual(before)
  }, 120_000)
})
