/**
 * The catalogue of validation problems: each stable code with its severity, its sentence and its
 * next step, in one place, so the UI, the CLI (`--json`) and the API say exactly the same thing.
 * Host findings that readiness.ts already judges keep its codes and sentences (READINESS_NEXT adds
 * the next step); everything else is here.
 */
import type { Host, ProblemSeverity, SpecProblem } from '../../../shared/types'
import { hostName } from '../clusters/host-ref'

interface Words {
  severity: ProblemSeverity
  message: string
  next: string
}

/** "a", "a and b", "a, b and c", "a, b, c and 5 more". */
export function list(names: readonly string[]): string {
  if (names.length > 4) return `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

const CATALOGUE = {
  // Host references
  'host-unknown': (p: { ref: string; pending: boolean }): Words =>
    p.pending
      ? {
          severity: 'blocking',
          message: `"${p.ref}" was discovered but is not adopted yet.`,
          next: 'Adopt it first: confirm its login user and port in Hosts (or flotilla hosts adopt).',
        }
      : {
          severity: 'blocking',
          message: `No host in the inventory is called "${p.ref}".`,
          next: 'Add the host (flotilla hosts add), or fix the name: a host is named by its label, address or id.',
        },
  'host-ambiguous': (p: { ref: string; matches: string[] }): Words => ({
    severity: 'blocking',
    message: `"${p.ref}" names ${p.matches.length} inventory hosts (${list(p.matches)}).`,
    next: 'Name the host by its id (flotilla hosts list shows them), or give the hosts distinct labels.',
  }),
  'host-duplicate': (p: { name: string; first: string }): Words => ({
    severity: 'blocking',
    message: `${p.name} is listed twice in nodes (first at ${p.first}).`,
    next: 'List each host once, with all its roles on that one entry.',
  }),

  // Quorum and etcd
  'quorum-none': (): Words => ({
    severity: 'blocking',
    message: 'The spec has no control plane: a cluster needs at least one to run its API server.',
    next: 'Give the control-plane role to a node: 3 for a cluster that survives a failure.',
  }),
  'quorum-single': (p: { summary: string }): Words => ({
    severity: 'warning',
    message: p.summary,
    next: 'For high availability use 3 control planes (survives 1 failure) or 5 (survives 2).',
  }),
  'quorum-two': (p: { summary: string }): Words => ({
    severity: 'warning',
    message: `${p.summary} With 2, losing either one stops the cluster: twice the risk of a single one.`,
    next: 'Use 3 control planes (survives 1 failure), or 1 if high availability does not matter.',
  }),
  'quorum-even': (p: { n: number; summary: string }): Words => ({
    severity: 'warning',
    message: `${p.summary} An even count survives no more failures than ${p.n - 1} would, with one more machine that can fail.`,
    next: `Use ${p.n - 1} or ${p.n + 1} control planes: an odd number.`,
  }),
  'no-workers': (): Words => ({
    severity: 'warning',
    message: 'No node has the worker role, and the control planes do not run workloads (devCluster is false).',
    next: 'Give the worker role to a node, or set devCluster: true to run workloads on the control planes.',
  }),
  'etcd-role-stacked': (p: { name: string }): Words => ({
    severity: 'blocking',
    message: `${p.name} has the etcd role, but etcd is stacked: it runs on the control planes.`,
    next: 'Remove the etcd role, or set etcd: external to run etcd on hosts of its own.',
  }),
  'etcd-count': (p: { n: number }): Words => ({
    severity: 'blocking',
    message: `External etcd needs 3 or 5 hosts with the etcd role; the spec has ${p.n}.`,
    next: 'Give the etcd role to 3 hosts (survives 1 failure) or 5 (survives 2).',
  }),

  // The endpoint
  'endpoint-port-clash': (p: { name: string; port: number; use: string }): Words => ({
    severity: 'blocking',
    message: `HAProxy on ${p.name} would listen on port ${p.port}, which ${p.name} already needs for ${p.use}.`,
    next: 'Put HAProxy on a host that is not a Kubernetes node, or give it another port (e.g. 8443).',
  }),
  'endpoint-unresolved': (p: { name: string }): Words => ({
    severity: 'blocking',
    message: `The endpoint's name ${p.name} does not resolve to any address.`,
    next: "Add a DNS record for it (e.g. on your router), or give the load balancer's IP address instead.",
  }),
  'endpoint-changed': (p: { from: string; to: string }): Words => ({
    severity: 'blocking',
    message:
      `The endpoint cannot change from ${p.from} to ${p.to}: the cluster is built, and every kubeconfig and ` +
      "certificate names it (the API server's certificate lists it, every node's kubelet and every user's kubeconfig connect to it).",
    next: `Keep the endpoint ${p.from}, or reset the cluster and build it again to move it.`,
  }),

  // Subnets
  'subnet-family-mismatch': (p: { pod: string; service: string }): Words => ({
    severity: 'blocking',
    message: `The pod subnet ${p.pod} and the service subnet ${p.service} are of different IP families: Flotilla builds single-stack clusters.`,
    next: 'Give both subnets as IPv4 (e.g. 10.244.0.0/16 and 10.96.0.0/12) or both as IPv6.',
  }),
  'subnet-overlap': (p: { pod: string; service: string }): Words => ({
    severity: 'blocking',
    message: `The pod subnet ${p.pod} and the service subnet ${p.service} overlap: a pod and a service could get the same address.`,
    next: 'Choose subnets that do not overlap, e.g. the defaults 10.244.0.0/16 (pods) and 10.96.0.0/12 (services).',
  }),
  'subnet-pods-too-small': (p: { subnet: string; nodes: number; nodeMask: number; largest: number }): Words => ({
    severity: 'blocking',
    message: `The pod subnet ${p.subnet} is too small for ${p.nodes} nodes: each node gets a /${p.nodeMask} of it, so a /${p.largest} or larger is needed.`,
    next: `Give a pod subnet of /${p.largest} or larger, e.g. the default 10.244.0.0/16.`,
  }),
  'subnet-services-too-large': (p: { subnet: string }): Words => ({
    severity: 'blocking',
    message: `The service subnet ${p.subnet} is larger than the API server accepts (an IPv4 service range is /12 at the largest).`,
    next: 'Give a service subnet of /12 or smaller, e.g. the default 10.96.0.0/12.',
  }),
  'subnet-overlaps-lan': (p: { which: string; subnet: string; lan: string; hosts: string[] }): Words => ({
    severity: 'blocking',
    message: `The ${p.which} subnet ${p.subnet} overlaps the network ${p.lan} of ${list(p.hosts)}: traffic to those addresses would be routed into the cluster.`,
    next: `Choose a ${p.which} subnet outside ${p.lan}.`,
  }),
  'subnet-overlaps-endpoint': (p: { which: string; subnet: string; address: string }): Words => ({
    severity: 'blocking',
    message: `The endpoint's address ${p.address} lies in the ${p.which} subnet ${p.subnet}: nodes and pods could not reach the API server.`,
    next: `Choose a ${p.which} subnet that does not contain ${p.address}.`,
  }),

  // Hosts
  'host-unidentified': (p: { name: string }): Words => ({
    severity: 'blocking',
    message: `${p.name} has not been identified: Flotilla does not know its OS, CPU, memory or leftovers.`,
    next: `Identify it (Hosts → Identify, or flotilla hosts identify ${p.name}).`,
  }),
  'probe-stale': (p: { name: string; age: string; max: string }): Words => ({
    severity: 'blocking',
    message: `${p.name} was identified ${p.age} ago; a plan needs facts at most ${p.max} old.`,
    next: `Identify it again (the planner does this before validating; flotilla hosts identify ${p.name}).`,
  }),
  'host-untrusted': (p: { name: string }): Words => ({
    severity: 'blocking',
    message: `${p.name}'s SSH host key is not trusted yet: Flotilla cannot be sure it talks to that machine.`,
    next: `Connect to it and confirm its host key fingerprint (Hosts → Connect, or flotilla ssh check ${p.name}).`,
  }),
  'login-unchecked': (p: { name: string }): Words => ({
    severity: 'blocking',
    message: `Flotilla has not logged in to ${p.name} yet, so it does not know whether sudo works there.`,
    next: `Check the login (Hosts → Connect, or flotilla ssh check ${p.name}).`,
  }),
  'login-failed': (p: { name: string; reason?: string }): Words => ({
    severity: 'blocking',
    message: `The last login to ${p.name} failed${p.reason ? `: ${p.reason}` : '.'}`,
    next: `Fix the login (user, key or password), then check it again (flotilla ssh check ${p.name}).`,
  }),
  'sudo-password': (p: { name: string }): Words => ({
    severity: 'warning',
    message: `sudo on ${p.name} needs a password: Flotilla will ask for the sudo password when it runs the plan.`,
    next: 'Have the password at hand, or allow passwordless sudo for this user (a sudoers NOPASSWD line).',
  }),
  'leftovers-reset': (p: { name: string; paths: string[] }): Words => ({
    severity: 'warning',
    message: `${p.name} has leftovers of an old cluster (${list(p.paths)}): a reset step is planned, as you agreed.`,
    next: 'Review the reset step in the plan: it removes what the old cluster left before anything is installed.',
  }),
  'duplicate-hostname': (p: { hostname: string; names: string[] }): Words => ({
    severity: 'blocking',
    message: `${list(p.names)} have the same host name "${p.hostname}": Kubernetes names each node after its host name, so they would be one node.`,
    next: 'Give each host its own host name (sudo hostnamectl set-hostname NAME), then identify them again.',
  }),
  'duplicate-machine-id': (p: { names: string[] }): Words => ({
    severity: 'blocking',
    message: `${list(p.names)} have the same machine-id (a cloned SD card image?): Kubernetes and the network would take them for one machine.`,
    next: 'Regenerate it on all but one: sudo rm /etc/machine-id && sudo systemd-machine-id-setup, then reboot and identify again.',
  }),
  'arch-mix': (p: { arches: string[] }): Words => ({
    severity: 'warning',
    message: `The nodes have different CPU architectures (${p.arches.join('; ')}): every image a workload uses must exist for each of them.`,
    next: 'Nothing to do if your images are multi-arch; otherwise pin workloads with a kubernetes.io/arch node selector.',
  }),
  'address-dynamic': (p: { name: string; address: string; iface: string; mac?: string }): Words => ({
    severity: 'warning',
    message: `${p.name}'s address ${p.address} (${p.iface}) came from DHCP: a cluster breaks when a node's address changes.`,
    next: p.mac
      ? `Reserve ${p.address} for MAC ${p.mac} on your router (a DHCP reservation), or give ${p.name} a static address.`
      : `Reserve ${p.address} for ${p.name} on your router (a DHCP reservation), or give it a static address.`,
  }),

  // Flavour
  'k3s-external-etcd': (): Words => ({
    severity: 'blocking',
    message: 'k3s with external etcd is not supported in this version of Flotilla.',
    next: 'Use etcd: stacked (k3s runs embedded etcd on its servers), or the kubeadm flavour.',
  }),
  'version-unsupported': (p: { version: string; supported: readonly string[] }): Words => ({
    severity: 'blocking',
    message: `Kubernetes ${p.version} is not a version Flotilla installs (${p.supported.join(', ')}).`,
    next: `Choose one of ${p.supported.join(', ')}.`,
  }),
  'version-downgrade': (p: { from: string; to: string }): Words => ({
    severity: 'blocking',
    message: `The cluster runs Kubernetes ${p.from}: going back to ${p.to} is a downgrade, which Kubernetes does not support (etcd and the API's stored objects only move forward).`,
    next: `Keep kubernetesVersion "${p.from}" (or a newer minor).`,
  }),
  'version-skip': (p: { from: string; to: string; step: string }): Words => ({
    severity: 'blocking',
    message: `The cluster runs Kubernetes ${p.from}: an upgrade to ${p.to} would skip a minor version, and Kubernetes upgrades one minor at a time.`,
    next: `Upgrade to "${p.step}" first, then on from there.`,
  }),
  'cni-no-network-policy': (): Words => ({
    severity: 'warning',
    message: 'flannel does not enforce NetworkPolicy: every pod can reach every other pod, whatever policies say.',
    next: 'Use calico (the default) if you need NetworkPolicy; flannel is lighter.',
  }),
} satisfies Record<string, (p: never) => Words>

/** The next step for each host finding readiness.ts makes (its code and sentence are kept). */
export const READINESS_NEXT: Record<string, string> = {
  'os-unsupported':
    'Install Raspberry Pi OS or Debian 12+, Ubuntu 22.04+ or openSUSE MicroOS, or take the host out of the spec.',
  'arch-unsupported': 'Install the 64-bit OS (e.g. Raspberry Pi OS 64-bit), or use the host only for HAProxy.',
  'ram-low': 'Give the host a role that needs less (a worker, or the HAProxy endpoint), or use a bigger machine.',
  'cpus-low': 'Make this host a worker, or use a machine with 2 or more CPUs as a control plane.',
  'port-in-use': 'Stop the program that listens there (sudo ss -ltnp shows it), then identify the host again.',
  leftovers: 'Reset the host (Flotilla plans a reset step when you consent to it), or take it out of the spec.',
  'leftovers-unchecked': 'Give the sudo password and identify the host again so Flotilla can look.',
  'swap-on': 'Nothing to do: the plan turns swap off.',
  'memory-cgroup': 'Nothing to do if the plan says it will fix it; otherwise use a kernel with the memory cgroup.',
  'disk-low': 'Free space on / or use a bigger card or disk.',
  'clock-offset': 'Nothing to do: the plan turns on time synchronisation.',
  'haproxy-unavailable': 'Put the endpoint on a host whose OS carries HAProxy 2.0 or newer.',
}

export type CatalogueCode = keyof typeof CATALOGUE
/** Every code the validator can report: the catalogue's and the readiness findings'. */
export const PROBLEM_CODES: readonly string[] = [...Object.keys(CATALOGUE), ...Object.keys(READINESS_NEXT)]

/** Where a problem is: its spec path, and the host it concerns. */
export interface Where {
  path?: string
  host?: Host
}

function place(where: Where): Pick<SpecProblem, 'path' | 'hostId' | 'host'> {
  return {
    ...(where.path !== undefined ? { path: where.path } : {}),
    ...(where.host ? { hostId: where.host.id, host: hostName(where.host) } : {}),
  }
}

/** A code's parameters; `{}` for a code whose sentence needs none. */
type ParamsOf<C extends CatalogueCode> = Parameters<(typeof CATALOGUE)[C]> extends [infer P] ? P : Record<string, never>

/** A catalogued problem with its words filled in. */
export function problem<C extends CatalogueCode>(code: C, params: ParamsOf<C>, where: Where = {}): SpecProblem {
  const words = (CATALOGUE[code] as (p: ParamsOf<C>) => Words)(params)
  return { code, ...words, ...place(where) }
}

/** A readiness finding as a problem: the host's name, readiness's sentence, the catalogue's next step. */
export function readinessProblem(
  code: string,
  severity: ProblemSeverity,
  reason: string,
  where: Where & { host: Host },
): SpecProblem {
  return {
    code,
    severity,
    message: `${hostName(where.host)}: ${reason}.`,
    next: READINESS_NEXT[code] ?? 'Identify the host again after fixing it.',
    ...place(where),
  }
}
