import { spawnSync } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import type { ClusterSpecDocument } from '../../../../shared/cluster-spec'
import type { Host } from '../../../../shared/types'
import { buildPlan, renderPlan, type Plan } from '../planner'
import { fakeFleet, NOW } from '../test-fixtures'
import { BUILD_RECIPES } from './index'
import { INIT_CONFIG, JOIN_CONFIG } from './kubeadm-config'

interface PlanOptions {
  /** Hosts in the fleet (default 6). */
  n?: number
  /** The resolved patch; null: not resolved. */
  patch?: string | null
  /** Changes the inventory's hosts before planning (e.g. makes one a MicroOS box). */
  hosts?: (hosts: Host[]) => void
}

/** The whole build plan of fakeFleet(6): HAProxy on lb-1, cp-1..cp-3, worker-1, worker-2. */
function plan(change: (spec: ClusterSpecDocument) => void = () => {}, options: PlanOptions = {}): Plan {
  const fleet = fakeFleet(options.n ?? 6)
  change(fleet.spec)
  options.hosts?.(fleet.hosts)
  const patch = options.patch === undefined ? '1.32.4' : options.patch
  const byLabel = new Map(fleet.hosts.map((h) => [h.label!, h]))
  return buildPlan({
    spec: fleet.spec,
    validation: {
      problems: [],
      blocked: false,
      nodes: fleet.spec.spec.nodes.map((n, i) => ({
        ref: n.host,
        path: `spec.nodes[${i}]`,
        host: byLabel.get(n.host)!,
        roles: n.roles,
      })),
      endpointHost: byLabel.get('lb-1'),
    },
    recipes: BUILD_RECIPES,
    kubernetes: patch ? { minor: '1.32', patch } : { minor: '1.32' },
    now: NOW,
  })
}

const step = (p: Plan, id: string) => {
  const found = p.steps.find((s) => s.id === id)
  if (!found) throw new Error(`no step ${id} in ${p.steps.map((s) => s.id).join(' ')}`)
  return found
}

function fileOf(p: Plan, id: string, path: string): string {
  const action = step(p, id).actions.find((a) => a.type === 'write' && a.path === path)
  if (!action || action.type !== 'write' || !('template' in action.content)) throw new Error(`${id} writes no ${path}`)
  return action.content.template
}

describe('the kubeadm build plan', () => {
  it('inits the first control plane behind the endpoint, joins the others one at a time, workers after the CNI', () => {
    const p = plan()
    expect(step(p, 'cp-1/kubeadm-init').deps).toContain('lb-1/haproxy')
    expect(step(p, 'cp-1/cni').deps).toContain('cp-1/kubeadm-init')
    // cp-2 waits until HAProxy has cp-1 UP, cp-3 until it has cp-2 UP: one join at a time, each proven.
    expect(step(p, 'cp-2/kubeadm-join').deps).toEqual(
      expect.arrayContaining(['lb-1/haproxy-backend-up/cp-1', 'cp-1/cni']),
    )
    expect(step(p, 'cp-3/kubeadm-join').deps).toContain('lb-1/haproxy-backend-up/cp-2')
    expect(step(p, 'lb-1/haproxy-backend-up/cp-2').deps).toContain('cp-2/kubeadm-join')
    // Workers wait for the pod network only, not for the other control planes.
    const worker = step(p, 'worker-1/kubeadm-join')
    expect(worker.deps).toContain('cp-1/cni')
    expect(worker.deps.some((d) => d.startsWith('cp-2') || d.startsWith('cp-3'))).toBe(false)
    expect(step(p, 'cp-1/cluster-ready').deps).toEqual(
      expect.arrayContaining([
        'cp-2/kubeadm-join',
        'cp-3/kubeadm-join',
        'worker-1/kubeadm-join',
        'worker-2/kubeadm-join',
      ]),
    )
    expect(step(p, 'worker-1/kubeadm-join').kind).toBe('join-worker')
    expect(step(p, 'cp-3/kubeadm-join').kind).toBe('join-control-plane')
  })

  it('gives every control plane exactly the shared CA files, keys 0600 from the vault, never their value', () => {
    const p = plan()
    for (const id of ['cp-1/kubeadm-init', 'cp-2/kubeadm-join']) {
      const writes = step(p, id).actions.filter((a) => a.type === 'write' && a.path.startsWith('/etc/kubernetes/pki/'))
      expect(writes.map((w) => w.type === 'write' && [w.path, w.mode.toString(8), 'secret' in w.content])).toEqual([
        ['/etc/kubernetes/pki/ca.crt', '644', false],
        ['/etc/kubernetes/pki/ca.key', '600', true],
        ['/etc/kubernetes/pki/sa.key', '600', true],
        ['/etc/kubernetes/pki/sa.pub', '644', false],
        ['/etc/kubernetes/pki/front-proxy-ca.crt', '644', false],
        ['/etc/kubernetes/pki/front-proxy-ca.key', '600', true],
        ['/etc/kubernetes/pki/etcd/ca.crt', '644', false],
        ['/etc/kubernetes/pki/etcd/ca.key', '600', true],
      ])
    }
    expect(step(p, 'worker-1/kubeadm-join').actions.some((a) => a.type === 'write' && a.path.includes('/pki/'))).toBe(
      false,
    )
    // External etcd: etcd's CA is not the cluster's to push.
    const external = plan((s) => (s.spec.etcd = 'external'))
    const paths = step(external, 'cp-1/kubeadm-init').actions.flatMap((a) => (a.type === 'write' ? [a.path] : []))
    expect(paths.some((path) => path.includes('/etcd/'))).toBe(false)
  })

  it('writes a v1beta4 init configuration with the endpoint, its SANs, the subnets and a placeholder token', () => {
    const p = plan()
    const docs = parseAllDocuments(fileOf(p, 'cp-1/kubeadm-init', INIT_CONFIG)).map((d) => d.toJS())
    const lb = p.hosts.find((h) => h.name === 'lb-1')!.host.address
    const cp1 = p.hosts.find((h) => h.name === 'cp-1')!.host.address
    expect(docs.map((d) => d.kind)).toEqual(['InitConfiguration', 'ClusterConfiguration', 'KubeletConfiguration'])
    expect(docs[0]).toMatchObject({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      bootstrapTokens: [{ token: '{{flotilla: bootstrap-token}}', ttl: '30m0s' }],
      localAPIEndpoint: { advertiseAddress: cp1, bindPort: 6443 },
      nodeRegistration: { name: 'cp-1', criSocket: 'unix:///run/containerd/containerd.sock' },
    })
    // Not a dev cluster: no taints field, so kubeadm puts its control-plane taint.
    expect(docs[0].nodeRegistration).not.toHaveProperty('taints')
    expect(docs[1]).toMatchObject({
      kubernetesVersion: 'v1.32.4',
      controlPlaneEndpoint: `${lb}:6443`,
      imageRepository: 'registry.k8s.io',
      apiServer: { certSANs: [lb] },
      networking: { podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' },
    })
    expect(docs[2]).toMatchObject({ kind: 'KubeletConfiguration', cgroupDriver: 'systemd' })
  })

  it('joins with a fresh token and the CA hash filled in only when written; a dev cluster has no control-plane taint', () => {
    const dev = plan((s) => (s.spec.devCluster = true))
    const join = parseAllDocuments(fileOf(dev, 'cp-2/kubeadm-join', JOIN_CONFIG))[0]!.toJS()
    expect(join.discovery.bootstrapToken).toEqual({
      apiServerEndpoint: `${dev.hosts.find((h) => h.name === 'lb-1')!.host.address}:6443`,
      token: '{{flotilla: join-token}}',
      caCertHashes: ['{{flotilla: discovery-hash}}'],
    })
    expect(join.nodeRegistration.taints).toEqual([])
    expect(join.controlPlane.localAPIEndpoint.bindPort).toBe(6443)
    const worker = parseAllDocuments(fileOf(dev, 'worker-1/kubeadm-join', JOIN_CONFIG))[0]!.toJS()
    expect(worker).not.toHaveProperty('controlPlane')
    expect(worker.nodeRegistration).not.toHaveProperty('taints')
    const init = parseAllDocuments(fileOf(dev, 'cp-1/kubeadm-init', INIT_CONFIG))[0]!.toJS()
    expect(init.nodeRegistration.taints).toEqual([])
    expect(step(dev, 'cp-1/cluster-ready').check.api?.args).toMatchObject({ taints: 'remove' })
    expect(step(plan(), 'cp-1/cluster-ready').check.api?.args).toMatchObject({
      taints: 'keep',
      nodes: ['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2'],
      controlPlanes: ['cp-1', 'cp-2', 'cp-3'],
    })
  })

  it('shows the API steps as such in the plan view, and no step without its check', () => {
    const view = renderPlan(plan())
    const cni = view.steps.find((s) => s.id === 'cp-1/cni')!
    expect(cni.actions.map((a) => a.type)).toEqual(['run', 'api'])
    expect(cni.check[0]).toMatchObject({ api: true })
    expect(view.steps.every((s) => s.check.length === 1 && s.check[0]!.text.length > 0)).toBe(true)
  })

  it('has no kubeadm step when the Kubernetes patch is not resolved (the plan cannot show its exact config)', () => {
    const p = plan(undefined, { n: 4, patch: null })
    expect(p.steps.some((s) => s.kind === 'init' || s.kind.startsWith('join'))).toBe(false)
  })
})

describe('the build plan on MicroOS', () => {
  it('installs the packages (with cri-o) before configuring the runtime: no step waits for itself', () => {
    // cp-2 is a MicroOS host: its runtime step waits for the packages' reboot.
    const again = plan(undefined, {
      hosts: (hosts) => {
        const cp2 = hosts.find((h) => h.label === 'cp-2')!
        cp2.identification = {
          ...cp2.identification!,
          os: { ...cp2.identification!.os, id: 'opensuse-microos', family: 'microos' },
        }
      },
    })
    const order = again.hosts.find((h) => h.name === 'cp-2')!.steps
    expect(order.indexOf('cp-2/packages/reboot')).toBeLessThan(order.indexOf('cp-2/runtime'))
  })

  it('a plan whose steps wait in a circle is refused when it is made', () => {
    const fleet = fakeFleet(4)
    const byLabel = new Map(fleet.hosts.map((h) => [h.label!, h]))
    const loop = {
      name: 'loop',
      kind: 'prepare' as const,
      steps: (ctx: Parameters<(typeof BUILD_RECIPES)[number]['steps']>[0]) => [
        {
          id: `${ctx.name}/a`,
          hostId: ctx.host.id,
          kind: 'prepare' as const,
          title: 'a',
          deps: [`${ctx.name}/b`],
          actions: [],
          check: { command: BUILD_RECIPES[0]!.steps(ctx)[0]?.check.command ?? ({} as never), sudo: false },
        },
        {
          id: `${ctx.name}/b`,
          hostId: ctx.host.id,
          kind: 'prepare' as const,
          title: 'b',
          deps: [],
          actions: [],
          check: { command: {} as never, sudo: false },
        },
      ],
    }
    expect(() =>
      buildPlan({
        spec: fleet.spec,
        validation: {
          problems: [],
          blocked: false,
          nodes: [{ ref: 'cp-1', path: 'n0', host: byLabel.get('cp-1')!, roles: ['control-plane'] }],
        },
        recipes: [loop],
        kubernetes: { minor: '1.32', patch: '1.32.4' },
        now: NOW,
      }),
    ).toThrow(/in a circle \(cp-1\/a → cp-1\/b → cp-1\/a\)/)
  })
})

describe('an address endpoint (the user’s own load balancer)', () => {
  const withAddress = (address: string) =>
    plan((s) => {
      s.spec.endpoint = { address }
    })

  it('shows what the load balancer needs, and init waits until it accepts connections', () => {
    const p = withAddress('k8s.home.arpa:6443')
    expect(step(p, 'cp-1/kubeadm-init').deps).toContain('cp-1/endpoint-reachable')
    expect(p.steps.some((s) => s.id.startsWith('lb-1/'))).toBe(false)
    const view = renderPlan(p)
    const cp1 = p.hosts.find((h) => h.name === 'cp-1')!.host.address
    expect(view.loadBalancer).toContain(`server cp-1 ${cp1}:6443 check check-ssl verify none`)
    expect(view.loadBalancer).toContain('# Put this on the load balancer that answers k8s.home.arpa:6443')
    expect(renderPlan(plan()).loadBalancer).toBeUndefined()
  })

  it('its check says done only while something accepts connections there', async () => {
    const server = createServer((socket) => socket.destroy())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    const check = step(withAddress(`127.0.0.1:${port}`), 'cp-1/endpoint-reachable').check.command!.text
    const run = () => spawnSync('sh', ['-c', check], { encoding: 'utf8' })
    expect(run()).toMatchObject({ status: 0, stdout: `127.0.0.1:${port} accepts connections\n` })
    await new Promise((resolve) => server.close(resolve))
    expect(run()).toMatchObject({ status: 1, stdout: expect.stringContaining('does not accept connections') })
  })
})

describe('a repeated kubeadm init after an interruption', () => {
  it('resets first, then waits until nothing listens on the control plane’s ports (6443, 2379, 2380, 10250, 10257, 10259)', () => {
    const reset = step(plan(), 'cp-1/kubeadm-init').actions[0]!
    expect(reset.type === 'run' && reset.command.text).toContain('kubeadm reset -f || exit 1')
    const text = reset.type === 'run' ? reset.command.text : ''
    const pattern = /grep -Eq '([^']+)'/.exec(text)![1]!
    const listen = (port: number) =>
      `  0: 00000000:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A 0`
    for (const port of [6443, 2379, 2380, 10250, 10257, 10259])
      expect(new RegExp(pattern).test(listen(port)), String(port)).toBe(true)
    expect(new RegExp(pattern).test(listen(22))).toBe(false)
    // An established connection to 6443 (state 01) is not a listener.
    expect(new RegExp(pattern).test('  1: 0A00010A:A1B2 0A00020A:192B 01 0')).toBe(false)
  })
})
