/**
 * Subnet rules: the pod and service subnets must overlap neither each other, nor any network a
 * node (or the HAProxy host) is on, nor the endpoint's address; otherwise traffic meant for the LAN
 * or the API server is routed into the cluster. A node's networks come from its probe's interfaces;
 * an identification made before interfaces were probed only gives the node's own address.
 */
import type { ClusterSpecDocument } from '../../../shared/cluster-spec'
import type { Host, SpecProblem } from '../../../shared/types'
import { hostName } from '../clusters/host-ref'
import { contains, network, overlaps, parseCidr, parseIp, type Network } from './net'
import { problem } from './problems'
import type { ResolvedNode } from './validate'

/**
 * Interfaces that are not the LAN: loopback, and what Kubernetes, its CNIs and container engines
 * create (on a built cluster cni0 or a calico interface carries the pod subnet itself).
 */
const NOT_LAN = /^(lo|cni\d*|flannel\.\d+|cali.*|tunl\d+|vxlan[.-]calico|kube-ipvs\d+|docker\d+|cilium.*|veth.*|br-.*)$/

/** The networks a host is on: its interfaces' (link-local and loopback left out), else its address. */
export function lanNetworks(host: Host): Network[] {
  const interfaces = host.identification?.interfaces
  if (!interfaces) {
    const ip = parseIp(host.address)
    const net = ip ? network(host.address, ip.family === 4 ? 32 : 128) : undefined
    return net ? [net] : []
  }
  return interfaces
    .filter((i) => !NOT_LAN.test(i.name))
    .flatMap((i) => i.addresses)
    .filter((a) => !/^(127\.|169\.254\.|fe80:|::1$)/i.test(a.address))
    .map((a) => network(a.address, a.prefix))
    .filter((n): n is Network => n !== undefined)
    .map((n) => ({ ...n, text: `${formatBase(n)}/${n.prefix}` }))
}

/** A network's first address, written back (10.0.0.0, fd00::). */
function formatBase(n: Network): string {
  if (n.family === 4) return [24n, 16n, 8n, 0n].map((s) => ((n.base >> s) & 0xffn).toString()).join('.')
  const groups = Array.from({ length: 8 }, (_, i) => ((n.base >> BigInt(112 - i * 16)) & 0xffffn).toString(16))
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')
}

export function subnetRules(
  net: ClusterSpecDocument['spec']['network'],
  nodes: readonly ResolvedNode[],
  endpointHost: Host | undefined,
  endpointAddresses: readonly string[],
): SpecProblem[] {
  const out: SpecProblem[] = []
  const pod = parseCidr(net.podSubnet)
  const service = parseCidr(net.serviceSubnet)
  // The schema already refused a malformed subnet: nothing more to say about it here.
  if (!pod || !service) return out
  if (pod.family !== service.family) {
    out.push(
      problem(
        'subnet-family-mismatch',
        { pod: pod.text, service: service.text },
        { path: 'spec.network.serviceSubnet' },
      ),
    )
  } else if (overlaps(pod, service)) {
    out.push(
      problem('subnet-overlap', { pod: pod.text, service: service.text }, { path: 'spec.network.serviceSubnet' }),
    )
  }

  out.push(...sizeRules(pod, service, nodes.length))

  const subnets = [
    { which: 'pod', net: pod, path: 'spec.network.podSubnet' },
    { which: 'service', net: service, path: 'spec.network.serviceSubnet' },
  ]
  // One problem per subnet and LAN network, naming the hosts on it: 100 nodes on one LAN are one finding.
  const hosts = [...nodes.map((n) => n.host), ...(endpointHost ? [endpointHost] : [])]
  const lans = new Map<string, { lan: Network; hosts: Host[] }>()
  for (const host of hosts) {
    for (const lan of lanNetworks(host)) {
      const entry = lans.get(lan.text) ?? { lan, hosts: [] }
      if (!entry.hosts.includes(host)) entry.hosts.push(host)
      lans.set(lan.text, entry)
    }
  }
  for (const s of subnets) {
    for (const { lan, hosts: on } of lans.values()) {
      if (!overlaps(s.net, lan)) continue
      out.push(
        problem(
          'subnet-overlaps-lan',
          { which: s.which, subnet: s.net.text, lan: lan.text, hosts: on.map(hostName) },
          { path: s.path, ...(on.length === 1 ? { host: on[0] } : {}) },
        ),
      )
    }
    for (const address of endpointAddresses) {
      if (!contains(s.net, address)) continue
      out.push(problem('subnet-overlaps-endpoint', { which: s.which, subnet: s.net.text, address }, { path: s.path }))
    }
  }
  return out
}

/**
 * Sizes: the controller manager gives each node a /24 (IPv6: a /64) of the pod subnet, so the
 * subnet needs room for one per node (kubeadm's and k3s's default node-cidr-mask-size); the API
 * server refuses an IPv4 service range larger than /12.
 */
function sizeRules(pod: Network, service: Network, nodeCount: number): SpecProblem[] {
  const out: SpecProblem[] = []
  const nodeMask = pod.family === 4 ? 24 : 64
  const largest = nodeMask - Math.ceil(Math.log2(Math.max(nodeCount, 1)))
  if (pod.prefix > largest) {
    out.push(
      problem(
        'subnet-pods-too-small',
        { subnet: pod.text, nodes: Math.max(nodeCount, 1), nodeMask, largest },
        { path: 'spec.network.podSubnet' },
      ),
    )
  }
  if (service.family === 4 && service.prefix < 12) {
    out.push(problem('subnet-services-too-large', { subnet: service.text }, { path: 'spec.network.serviceSubnet' }))
  }
  return out
}
