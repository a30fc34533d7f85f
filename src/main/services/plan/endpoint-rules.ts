/**
 * Endpoint rules: the one address every kubeconfig, kubelet and certificate names. HAProxy's host
 * must be in the inventory and free on its port; an `address` endpoint must resolve; once the
 * cluster is built the endpoint is fixed. Also the API server certificate's SANs for the endpoint,
 * which the plan configures from here (so the validator and the plan cannot disagree on them).
 */
import type { ClusterSpecDocument, NodeRole } from '../../../shared/cluster-spec'
import { parseEndpoint } from '../../../shared/channels/clusters'
import type { Host, SpecProblem } from '../../../shared/types'
import { hostName } from '../clusters/host-ref'
import { parseIp } from './net'
import { problem } from './problems'
import { resolveOne } from './refs'
import type { ResolvedNode, ValidationInput } from './validate'

/** Ports a node of each role listens on, by what uses them (kubeadm's "ports and protocols"). */
const NODE_PORTS: Record<NodeRole, { port: number; use: string }[]> = {
  'control-plane': [
    { port: 6443, use: 'its Kubernetes API server' },
    { port: 2379, use: 'etcd' },
    { port: 2380, use: "etcd's peers" },
    { port: 10250, use: 'its kubelet' },
    { port: 10257, use: 'its controller manager' },
    { port: 10259, use: 'its scheduler' },
  ],
  worker: [
    { port: 10250, use: 'its kubelet' },
    { port: 10256, use: "kube-proxy's health check" },
  ],
  etcd: [
    { port: 2379, use: 'etcd' },
    { port: 2380, use: "etcd's peers" },
    { port: 10250, use: 'its kubelet' },
  ],
}
/** HAProxy's own statistics page on the endpoint host (readiness.ts watches the same port). */
const STATS_PORT = { port: 8404, use: "HAProxy's statistics page" }

/** The HAProxy host of a `haproxy` endpoint, resolved like a node's host. */
export function resolveEndpointHost(
  spec: ClusterSpecDocument,
  hosts: readonly Host[],
): { host?: Host; problems: SpecProblem[] } {
  const problems: SpecProblem[] = []
  const haproxy = spec.spec.endpoint.haproxy
  if (!haproxy) return { problems }
  const host = resolveOne(haproxy.host, hosts, 'spec.endpoint.haproxy.host', problems)
  return host ? { host, problems } : { problems }
}

/**
 * The name the caller resolves (resolveEndpointName) and passes as `endpointAddresses`: an
 * `address` endpoint's host when it is a name; undefined for an IP or an HAProxy endpoint.
 */
export function endpointNameToResolve(spec: ClusterSpecDocument): string | undefined {
  const parsed = spec.spec.endpoint.address ? parseEndpoint(spec.spec.endpoint.address) : null
  return parsed && !parseIp(parsed.host) ? parsed.host : undefined
}

/** A host's IP addresses: its address when that is an IP, else those its probe saw on its interfaces. */
export function ipAddressesOf(host: Host): string[] {
  if (parseIp(host.address)) return [host.address]
  return (host.identification?.interfaces ?? []).flatMap((i) =>
    i.addresses.filter((a) => a.family === 'ipv4' || !a.address.startsWith('fe80:')).map((a) => a.address),
  )
}

/**
 * The names and addresses Flotilla puts into the API server certificate's SANs (kubeadm's
 * `apiServer.certSANs`, k3s's `tls-san`), on top of what kubeadm adds by itself (each control
 * plane's node name and address, `kubernetes.default…`, the first service address): the endpoint's
 * host as kubeconfigs name it, without a trailing dot (a TLS client compares the name without it),
 * and every address it resolves to, so a client that connects by IP is accepted too.
 */
export function apiServerCertSans(endpointName: string, addresses: readonly string[]): string[] {
  const name = endpointName.toLowerCase().replace(/\.$/, '')
  return [...new Set([name, ...addresses.map((a) => a.toLowerCase())])]
}

/** The endpoint's problems, its IP addresses (for the subnet rules) and its certificate SANs. */
export function endpointRules(
  input: ValidationInput,
  nodes: readonly ResolvedNode[],
  endpointHost: Host | undefined,
): { problems: SpecProblem[]; addresses: string[]; sans: string[] } {
  const problems: SpecProblem[] = []
  const { endpoint } = input.spec.spec
  let current: { host: string; port: number; names: string[] } | undefined
  let addresses: string[] = []

  if (endpoint.haproxy && endpointHost) {
    const name = hostName(endpointHost)
    const port = endpoint.haproxy.port
    const node = nodes.find((n) => n.host.id === endpointHost.id)
    const clash = [...(node?.roles ?? []).flatMap((role) => NODE_PORTS[role]), STATS_PORT].find((p) => p.port === port)
    if (clash) {
      problems.push(
        problem(
          'endpoint-port-clash',
          { name, port, use: clash.use },
          { path: 'spec.endpoint.haproxy.port', host: endpointHost },
        ),
      )
    }
    addresses = ipAddressesOf(endpointHost)
    current = {
      host: endpointHost.address,
      port,
      names: [
        endpointHost.address,
        endpointHost.id,
        endpoint.haproxy.host,
        ...(endpointHost.label ? [endpointHost.label] : []),
      ],
    }
  } else if (endpoint.address) {
    const parsed = parseEndpoint(endpoint.address)
    if (parsed) {
      const isIp = parseIp(parsed.host) !== undefined
      const resolved = input.endpointAddresses
      if (!isIp && resolved !== undefined && resolved.length === 0) {
        problems.push(problem('endpoint-unresolved', { name: parsed.host }, { path: 'spec.endpoint.address' }))
      }
      addresses = isIp ? [parsed.host] : [...(resolved ?? [])]
      current = { host: parsed.host, port: parsed.port, names: [parsed.host] }
    }
  }

  const existing = input.existing
  if (existing?.built && current) {
    const same =
      existing.endpoint.port === current.port &&
      current.names.some(
        (n) => n.toLowerCase().replace(/\.$/, '') === existing.endpoint.host.toLowerCase().replace(/\.$/, ''),
      )
    if (!same) {
      problems.push(
        problem(
          'endpoint-changed',
          { from: hostPort(existing.endpoint), to: hostPort(current) },
          { path: 'spec.endpoint' },
        ),
      )
    }
  }
  const sans = current ? apiServerCertSans(current.host, addresses) : []
  return { problems, addresses, sans }
}

function hostPort(e: { host: string; port: number }): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`
}
