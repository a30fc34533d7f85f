/**
 * The kubeadm HA scenario of kubernetes.io ("Creating Highly Available Clusters with kubeadm",
 * stacked etcd, manual certificate distribution), as shell commands over real SSH against the
 * simulator's stand-ins: a real HAProxy in front of three control planes, two workers, a
 * flannel-style CNI manifest, taint/cordon/drain through the endpoint, one control plane powered
 * off, and a control plane leaving with `kubeadm reset`. Not Flotilla: hand-written commands.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, waitUntil, type Lab, type LabNode } from '../harness'
import { etcdctl, FLANNEL, kubectl as kubectlWith, PREPARE, root } from './kubeadm-cluster'

let lab: Lab
let lb: LabNode
let cps: LabNode[]
let workers: LabNode[]
let endpoint: string
const scratch = mkdtempSync(join(tmpdir(), 'kubeadm-ha-'))
const adminConf = join(scratch, 'admin.conf')

/** kubectl on the desk (the admin's machine), through the HAProxy endpoint in admin.conf. */
const kubectl = (args: string, input?: string) => kubectlWith(adminConf, args, input)

// kubeadm's ha-considerations.md HAProxy example (domain.md §8), health-checking /healthz.
const haproxyCfg = (servers: LabNode[]) => `global
    daemon
defaults
    retries 1
    timeout connect 5s
    timeout client 35s
    timeout server 35s
    timeout check 10s
frontend apiserver
    bind *:6443
    mode tcp
    option tcplog
    default_backend apiserverbackend
backend apiserverbackend
    option httpchk
    http-check connect ssl
    http-check send meth GET uri /healthz
    http-check expect status 200
    mode tcp
    balance roundrobin
${servers.map((s) => `    server ${s.hostname} ${s.address}:6443 check verify none inter 1s fall 2 rise 1`).join('\n')}
`

beforeAll(async () => {
  lab = await useLab({ profiles: Array(6).fill('debian-sudo-nopass+sim') })
  ;[lb, ...cps] = lab.nodes as [LabNode, ...LabNode[]]
  workers = cps.splice(3)
  endpoint = `${lb.address}:6443`
  const prepared = await Promise.all([...cps, ...workers].map((n) => root(n, PREPARE)))
  for (const r of prepared) expect(r.code, r.stderr).toBe(0)
}, 180_000)
afterAll(() => lab?.dispose())

describe('kubeadm HA (stacked etcd) behind HAProxy, from the kubernetes.io guide', () => {
  let joinWorker = ''
  let joinControlPlane = ''

  it('runs HAProxy on the load balancer, health-checking /healthz', async () => {
    const r = await root(
      lb,
      `mkdir -p /etc/haproxy && cat > /etc/haproxy/haproxy.cfg <<'EOF'\n${haproxyCfg(cps)}EOF\n/usr/sbin/haproxy -c -f /etc/haproxy/haproxy.cfg && /usr/sbin/haproxy -D -f /etc/haproxy/haproxy.cfg -p /run/haproxy.pid && for i in $(seq 1 100); do ss -Hltn | grep -q ':6443 ' && break; sleep 0.05; done; ss -Hltn | grep -c ':6443 '`,
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n').pop()).toBe('1')
  })

  it('initialises the first control plane with the load balancer as controlPlaneEndpoint', async () => {
    const cp1 = cps[0]!
    const r = await root(
      cp1,
      `kubeadm init --control-plane-endpoint "${endpoint}" --apiserver-advertise-address ${cp1.address} --pod-network-cidr 10.244.0.0/16`,
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('Your Kubernetes control-plane has initialized successfully!')
    expect(r.stdout).toContain('[api-check] The API server is healthy after')
    const cmds = r.stdout.split('\n')
    const at = cmds.findIndex(
      (l) => l.includes('kubeadm join') && cmds[cmds.indexOf(l) + 2]?.includes('--control-plane'),
    )
    expect(at).toBeGreaterThan(0)
    joinControlPlane = cmds
      .slice(at, at + 3)
      .join(' ')
      .replace(/\\/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
    const w = cmds.lastIndexOf(cmds.filter((l) => l.startsWith('kubeadm join')).pop()!)
    joinWorker = cmds
      .slice(w, w + 2)
      .join(' ')
      .replace(/\\/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
    expect(joinControlPlane).toMatch(
      new RegExp(
        `^kubeadm join ${endpoint.replace(/\./g, '\\.')} --token \\S+ --discovery-token-ca-cert-hash sha256:[0-9a-f]{64} --control-plane$`,
      ),
    )
    expect(joinWorker).toMatch(/^kubeadm join \S+ --token \S+ --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}$/)
    const conf = await root(cp1, 'cat /etc/kubernetes/admin.conf')
    writeFileSync(adminConf, conf.stdout)
    expect(conf.stdout).toContain(`server: https://${endpoint}`)
  }, 120_000)

  it('joins two more control planes after copying the shared CA files (manual certificate distribution)', async () => {
    // "Manual certificate distribution" of the HA guide: exactly these files, then join.
    const files = 'ca.crt ca.key sa.key sa.pub front-proxy-ca.crt front-proxy-ca.key etcd/ca.crt etcd/ca.key'
    const tar = await root(cps[0]!, `cd /etc/kubernetes/pki && tar cf - ${files} | base64 -w0`)
    expect(tar.code, tar.stderr).toBe(0)
    for (const cp of cps.slice(1)) {
      const r = await root(
        cp,
        `mkdir -p /etc/kubernetes/pki/etcd && echo ${tar.stdout.trim()} | base64 -d | tar -C /etc/kubernetes/pki -xf - && ` +
          `${joinControlPlane} --apiserver-advertise-address ${cp.address}`,
        120_000,
      )
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
      expect(r.stdout).toContain('[etcd] Announced new etcd member joining to the existing etcd cluster')
      expect(r.stdout).toContain('This node has joined the cluster and a new control plane instance was created')
    }
    const members = await root(cps[0]!, `${etcdctl('https://127.0.0.1:2379')} member list`)
    expect(members.stdout.trim().split('\n')).toHaveLength(3)
    for (const cp of cps) expect(members.stdout).toContain(`started, ${cp.hostname}, https://${cp.address}:2380`)
  }, 240_000)

  it('joins two workers; kubectl through the HAProxy endpoint lists five nodes', async () => {
    for (const w of workers) {
      const r = await root(w, joinWorker, 120_000)
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
      expect(r.stdout).toContain('This node has joined the cluster:')
    }
    const nodes = await waitUntil(
      'five nodes',
      async () => {
        const r = await kubectl('get nodes --no-headers')
        return r.code === 0 && r.stdout.trim().split('\n').length === 5 && r.stdout
      },
      30_000,
      1000,
    )
    for (const n of [...cps, ...workers]) expect(nodes).toMatch(new RegExp(`^${n.hostname}\\s+NotReady`, 'm'))
    expect(nodes).toMatch(new RegExp(`^${cps[1]!.hostname}\\s+NotReady\\s+control-plane`, 'm'))
    expect(nodes).toMatch(new RegExp(`^${workers[0]!.hostname}\\s+NotReady\\s+<none>`, 'm'))
  }, 300_000)

  it('turns the nodes Ready once a flannel-style CNI manifest is applied', async () => {
    const apply = await kubectl('apply -f -', FLANNEL)
    expect(apply.code, apply.stderr).toBe(0)
    expect(apply.stdout).toContain('daemonset.apps/kube-flannel-ds created')
    await waitUntil(
      'all five nodes Ready',
      async () => {
        const r = await kubectl('get nodes --no-headers')
        return r.code === 0 && (r.stdout.match(/\sReady\s/g) ?? []).length === 5
      },
      60_000,
      1000,
    )
    const cni = await root(workers[0]!, 'cat /etc/cni/net.d/10-flannel.conflist')
    expect(cni.stdout).toContain('"type": "flannel"')
  }, 90_000)

  it('taints, cordons and drains a worker through the endpoint', async () => {
    const w = workers[0]!.hostname
    const taint = await kubectl(`taint nodes ${w} dedicated=infra:NoSchedule`)
    expect(taint.code, taint.stderr).toBe(0)
    expect((await kubectl(`get node ${w} -o jsonpath={.spec.taints}`)).stdout).toContain('"key":"dedicated"')
    const untaint = await kubectl(`taint nodes ${w} dedicated=infra:NoSchedule-`)
    expect(untaint.stdout).toContain(`node/${w} untainted`)
    expect((await kubectl(`cordon ${w}`)).stdout).toContain(`node/${w} cordoned`)
    const drain = await kubectl(`drain ${w} --ignore-daemonsets --delete-emptydir-data --timeout=30s`)
    expect(drain.code, drain.stderr).toBe(0)
    expect(drain.stdout).toContain(`node/${w} drained`)
    expect((await kubectl(`get node ${w} -o jsonpath={.spec.unschedulable}`)).stdout).toBe('true')
    expect((await kubectl(`uncordon ${w}`)).stdout).toContain(`node/${w} uncordoned`)
  }, 90_000)

  it('keeps answering through the endpoint with one control plane powered off; etcd shows 2 of 3 healthy', async () => {
    const [cp1, cp2] = cps as [LabNode, LabNode, LabNode]
    await lab.powerCut(cp1)
    // HAProxy's health check takes the dead backend out; the endpoint keeps answering.
    const nodes = await waitUntil(
      'the endpoint to answer without cp1',
      async () => {
        const r = await kubectl('get nodes --no-headers')
        return r.code === 0 && r.stdout
      },
      30_000,
      1000,
    )
    expect(nodes.trim().split('\n')).toHaveLength(5)
    const all = cps.map((c) => `https://${c.address}:2379`).join(',')
    const health = await root(cp2, `${etcdctl(all)} endpoint health 2>&1; echo "rc=$?"`)
    expect(health.stdout.match(/ is healthy: /g)).toHaveLength(2)
    expect(health.stdout).toMatch(new RegExp(`https://${cp1.address.replace(/\./g, '\\.')}:2379 is unhealthy`))
    expect(health.stdout).toContain('rc=1')
    // A write still goes through: etcd keeps its quorum with two of three members.
    expect((await kubectl(`label node ${workers[1]!.hostname} sim=after-power-cut`)).code).toBe(0)
  }, 90_000)

  it('brings the powered-off control plane back, then a joined control plane leaves with kubeadm reset', async () => {
    const [cp1, cp2, cp3] = cps as [LabNode, LabNode, LabNode]
    await lab.powerOn(cp1)
    // Its kubelet is enabled: etcd and the API server come back from the static pods.
    const all = cps.map((c) => `https://${c.address}:2379`).join(',')
    await waitUntil(
      'etcd 3 of 3 healthy',
      async () =>
        ((await root(cp2, `${etcdctl(all)} endpoint health 2>&1`)).stdout.match(/ is healthy: /g) ?? []).length === 3,
      60_000,
      1000,
    )
    const reset = await root(cp3, 'kubeadm reset -f', 60_000)
    expect(reset.code, reset.stderr).toBe(0)
    expect(reset.stdout).toMatch(
      new RegExp(`\\[etcd\\] removing etcd member: https://${cp3.address.replace(/\./g, '\\.')}:2380`),
    )
    const members = await root(cp2, `${etcdctl('https://127.0.0.1:2379')} member list`)
    expect(members.stdout.trim().split('\n')).toHaveLength(2)
    expect(members.stdout).not.toContain(cp3.hostname)
    expect((await root(cp3, 'ls -A /var/lib/etcd /etc/kubernetes/manifests')).stdout).not.toMatch(/member|yaml/)
    // The cluster still writes: two members, both up. HAProxy needs its check interval to stop
    // sending to cp3's API server, which went with the reset: a client retries meanwhile.
    await waitUntil(
      'a write through the endpoint after the reset',
      async () => (await kubectl(`label node ${workers[1]!.hostname} sim=after-reset --overwrite`)).code === 0,
      20_000,
      1000,
    )
  }, 120_000)
})
