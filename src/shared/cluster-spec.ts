/**
 * The cluster spec (`apiVersion: flotilla/v1alpha1`, `kind: Cluster`): the one declarative document
 * the UI, the CLI and a YAML file edit (issue 12). This file is its shape and per-field rules;
 * cross-field and per-host validation (quorum, subnets, probes) are the validator's business.
 * Objects are strict: a field Flotilla does not know is an error, never silently ignored.
 */
import { z } from 'zod'
import { clusterNameSchema, DEFAULT_API_PORT, parseEndpoint } from './channels/clusters'
import { portSchema } from './schemas'

export const SPEC_API_VERSION = 'flotilla/v1alpha1'
export const SPEC_KIND = 'Cluster'

export const NODE_ROLES = ['control-plane', 'worker', 'etcd'] as const
export type NodeRole = (typeof NODE_ROLES)[number]

/** An inventory host by label, address or id; resolved against the inventory by the validator. */
const hostRef = z
  .string({ error: 'Name a host (its label, address or id).' })
  .trim()
  .min(1, 'Name a host (its label, address or id).')
  .max(253, 'That host name is too long (253 characters at most).')

/** A Kubernetes minor such as "1.32" (the plan resolves and shows the patch it installs). */
const minorVersion = z
  .string({ error: 'Give the Kubernetes version as a minor, e.g. "1.32" (in quotes in YAML).' })
  .regex(/^1\.\d{1,2}$/, 'Give the Kubernetes version as a minor, e.g. "1.32" (in quotes in YAML).')

/** An IPv4 or IPv6 network in CIDR form, with no host bits set. */
const cidr = z.string().refine(isNetwork, 'Give a network in CIDR form with no host bits set, e.g. 10.244.0.0/16.')

const endpointSchema = z
  .strictObject({
    haproxy: z.strictObject({ host: hostRef, port: portSchema.default(DEFAULT_API_PORT) }).optional(),
    address: z
      .string()
      .refine((value) => parseEndpoint(value) !== null, 'Give the endpoint as host:port, e.g. k8s.home.arpa:6443.')
      .optional(),
  })
  .refine((e) => (e.haproxy === undefined) !== (e.address === undefined), {
    message: 'Give exactly one endpoint: haproxy (a host Flotilla manages) or address (a load balancer you run).',
  })

const nodeSchema = z.strictObject({
  host: hostRef,
  roles: z
    .array(z.enum(NODE_ROLES, { error: `A role is one of ${NODE_ROLES.join(', ')}.` }))
    .min(1, 'Give the node at least one role.')
    .refine((roles) => new Set(roles).size === roles.length, 'A role is listed twice.'),
})

export const clusterSpecSchema = z.strictObject({
  apiVersion: z.literal(SPEC_API_VERSION, { error: `Use ${SPEC_API_VERSION}.` }),
  kind: z.literal(SPEC_KIND, { error: `Use ${SPEC_KIND}.` }),
  metadata: z.strictObject({ name: clusterNameSchema }),
  spec: z.strictObject({
    flavour: z.enum(['kubeadm', 'k3s'], { error: 'Use kubeadm or k3s.' }),
    kubernetesVersion: minorVersion,
    endpoint: endpointSchema,
    etcd: z.enum(['stacked', 'external'], { error: 'Use stacked or external.' }).default('stacked'),
    network: z
      .strictObject({
        cni: z.enum(['calico', 'flannel'], { error: 'Use calico or flannel.' }).default('calico'),
        podSubnet: cidr.default('10.244.0.0/16'),
        serviceSubnet: cidr.default('10.96.0.0/12'),
      })
      .prefault({}),
    devCluster: z.boolean({ error: 'Use true or false.' }).default(false),
    nodes: z.array(nodeSchema).default([]),
  }),
})

export type ClusterSpecDocument = z.output<typeof clusterSpecSchema>

/** True for `a.b.c.d/n` or an IPv6 network, with the prefix in range and no host bits set. */
export function isNetwork(value: string): boolean {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value.trim())
  if (!match) return false
  const prefix = Number(match[2])
  const address = match[1]!
  if (z.ipv4().safeParse(address).success) {
    if (prefix > 32) return false
    const n = address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n)
    return (n & ((1n << BigInt(32 - prefix)) - 1n)) === 0n
  }
  // An IPv4-mapped form (::ffff:10.0.0.0) is no way to write a pod or service network.
  if (address.includes('.') || !z.ipv6().safeParse(address).success || prefix > 128) return false
  const n = ipv6ToBigInt(address)
  return (n & ((1n << BigInt(128 - prefix)) - 1n)) === 0n
}

function ipv6ToBigInt(address: string): bigint {
  const [head, tail] = address.split('::') as [string, string | undefined]
  const parts = (s: string | undefined) => (s ? s.split(':') : [])
  const h = parts(head)
  const t = parts(tail)
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n)
}
