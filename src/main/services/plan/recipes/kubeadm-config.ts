/**
 * The kubeadm configuration files Flotilla writes (issue 13 §1 "Init", domain.md §1–2), v1beta4 as
 * kubeadm 1.31+ reads it. Generated from the spec and the planned cluster only, so the plan shows
 * every byte; the values Flotilla makes at the moment it writes the file (a fresh bootstrap token,
 * the discovery hash of the vault's CA) are `{{flotilla: NAME}}` placeholders (step.ts).
 *
 * - `controlPlaneEndpoint` is the cluster's endpoint (HAProxy or the user's load balancer), so every
 *   kubeconfig and join goes through it and more control planes can join ("a stable
 *   controlPlaneEndpoint address").
 * - `apiServer.certSANs` carries the endpoint's host (kubeadm adds it anyway; listed so the plan
 *   says it) and, for an HAProxy endpoint, the HAProxy host's address.
 * - The bootstrap token of init lives INIT_TOKEN_TTL: long enough for init itself (kubeadm creates
 *   it near the end); joins get their own fresh tokens (engine-env.ts `join-token`).
 * - A dev cluster's control planes get `taints: []` (kubeadm: no taint); otherwise taints are left
 *   unset, so kubeadm puts its default `node-role.kubernetes.io/control-plane:NoSchedule`.
 * - `imageRepository` is registry.k8s.io even where kubeadm is openSUSE's (patched to default to
 *   registry.opensuse.org/kubic), so a mixed Debian/MicroOS cluster runs one set of images.
 * - The kubelet's cgroup driver is `systemd`, the runtime's (containerd's SystemdCgroup, cri-o's
 *   cgroup_manager) — kubeadm's default since 1.22, written out so the plan says it.
 */
import { stringify } from 'yaml'
import { placeholder, type RecipeContext } from '../step'
import { API_SERVER_PORT, hostPort } from './haproxy-config'
import { criSocket } from './common'

export const KUBEADM_API = 'kubeadm.k8s.io/v1beta4'
export const INIT_TOKEN_TTL = '30m0s'
export const INIT_CONFIG = '/etc/flotilla/kubeadm-init.yaml'
export const JOIN_CONFIG = '/etc/flotilla/kubeadm-join.yaml'

/** The name the node registers with: its hostname, as kubeadm would take it, lower-cased. */
export function nodeName(ctx: Pick<RecipeContext, 'facts'>): string {
  return ctx.facts.hostname.trim().toLowerCase()
}

/** `v1.32.4` when the plan resolved the patch; undefined otherwise (no kubeadm steps then). */
export function kubernetesVersion(ctx: Pick<RecipeContext, 'kubernetes'>): string | undefined {
  return ctx.kubernetes.patch ? `v${ctx.kubernetes.patch}` : undefined
}

function isControlPlane(ctx: Pick<RecipeContext, 'roles'>): boolean {
  return ctx.roles.includes('control-plane')
}

function nodeRegistration(ctx: RecipeContext) {
  return {
    name: nodeName(ctx),
    criSocket: criSocket(ctx.facts),
    // Only on a dev cluster's control planes: an empty list means "no taints" to kubeadm, while an
    // absent field means its default (control-plane NoSchedule on control planes, none on workers).
    ...(ctx.spec.devCluster && isControlPlane(ctx) ? { taints: [] } : {}),
  }
}

function documents(docs: readonly object[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n')
}

/** /etc/flotilla/kubeadm-init.yaml of the first control plane. */
export function initConfiguration(ctx: RecipeContext): string {
  const version = kubernetesVersion(ctx)
  if (!version) throw new Error('kubeadm configuration without a resolved Kubernetes patch version')
  const endpoint = ctx.cluster.endpoint
  const haproxyHost = ctx.cluster.hosts.find((h) => h.roles.includes('haproxy'))
  const sans = [...new Set([endpoint.host, ...(haproxyHost ? [haproxyHost.address] : [])])]
  return documents([
    {
      apiVersion: KUBEADM_API,
      kind: 'InitConfiguration',
      bootstrapTokens: [
        {
          token: placeholder('bootstrap-token'),
          description: 'Flotilla: kubeadm init only; every join gets its own',
          ttl: INIT_TOKEN_TTL,
          usages: ['signing', 'authentication'],
          groups: ['system:bootstrappers:kubeadm:default-node-token'],
        },
      ],
      localAPIEndpoint: { advertiseAddress: ctx.host.address, bindPort: API_SERVER_PORT },
      nodeRegistration: nodeRegistration(ctx),
    },
    {
      apiVersion: KUBEADM_API,
      kind: 'ClusterConfiguration',
      clusterName: ctx.clusterName,
      kubernetesVersion: version,
      controlPlaneEndpoint: hostPort(endpoint.host, endpoint.port),
      // openSUSE's kubeadm defaults to registry.opensuse.org/kubic (domain-engine.md §3): every
      // node pulls the same upstream images, and the runtimes' pause image is registry.k8s.io's.
      imageRepository: 'registry.k8s.io',
      apiServer: { certSANs: sans },
      networking: { podSubnet: ctx.spec.network.podSubnet, serviceSubnet: ctx.spec.network.serviceSubnet },
    },
    { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', cgroupDriver: 'systemd' },
  ])
}

/** /etc/flotilla/kubeadm-join.yaml of every other node: token discovery through the endpoint. */
export function joinConfiguration(ctx: RecipeContext): string {
  const endpoint = ctx.cluster.endpoint
  return documents([
    {
      apiVersion: KUBEADM_API,
      kind: 'JoinConfiguration',
      discovery: {
        bootstrapToken: {
          apiServerEndpoint: hostPort(endpoint.host, endpoint.port),
          token: placeholder('join-token'),
          caCertHashes: [placeholder('discovery-hash')],
        },
      },
      nodeRegistration: nodeRegistration(ctx),
      ...(isControlPlane(ctx)
        ? { controlPlane: { localAPIEndpoint: { advertiseAddress: ctx.host.address, bindPort: API_SERVER_PORT } } }
        : {}),
    },
  ])
}
