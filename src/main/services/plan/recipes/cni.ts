/**
 * The pod network (issue 13 §1 "CNI", domain-engine.md §4–5): Calico by default, or flannel, from
 * the project's own released manifest at a pinned version. The first control plane downloads it
 * (the nodes reach the internet's package sites anyway; the desktop needs only the LAN) and keeps it
 * in /etc/flotilla/cni/ as the record of what was applied; Flotilla reads it back and applies every
 * object through the API with its in-memory admin client (server-side apply, field manager
 * `flotilla`), CRDs first. Calico detects kubeadm's pod subnet itself; flannel's `net-conf.json`
 * Network is set to the spec's pod subnet when it is applied (the manifest's default is 10.244.0.0/16).
 *
 * Done when the CNI's DaemonSet exists and has a ready pod on every node it schedules to.
 */
import { sh } from '../../ssh/shell-command'
import { stepId, type RecipeContext, type Step } from '../step'
import { run } from './common'
import { controlPlanes } from './haproxy-config'
import { kubernetesVersion } from './kubeadm-config'

export const CNI_DIR = '/etc/flotilla/cni'

export interface CniRelease {
  name: 'calico' | 'flannel'
  version: string
  url: string
  file: string
  daemonSet: { namespace: string; name: string }
}

export const CNI_RELEASES: Readonly<Record<'calico' | 'flannel', CniRelease>> = {
  // 3.30 is the first Calico tested with Kubernetes 1.32 and 1.33 (domain-engine.md §4).
  calico: {
    name: 'calico',
    version: 'v3.30.7',
    url: 'https://raw.githubusercontent.com/projectcalico/calico/v3.30.7/manifests/calico.yaml',
    file: 'calico-v3.30.7.yaml',
    daemonSet: { namespace: 'kube-system', name: 'calico-node' },
  },
  flannel: {
    name: 'flannel',
    version: 'v0.28.9',
    url: 'https://github.com/flannel-io/flannel/releases/download/v0.28.9/kube-flannel.yml',
    file: 'kube-flannel-v0.28.9.yml',
    daemonSet: { namespace: 'kube-flannel', name: 'kube-flannel-ds' },
  },
}

export const cniRecipe = {
  name: 'cni',
  kind: 'cni' as const,
  steps(ctx: RecipeContext): Step[] {
    if (ctx.spec.flavour !== 'kubeadm' || !kubernetesVersion(ctx)) return []
    if (controlPlanes(ctx.cluster)[0]?.hostId !== ctx.host.id) return []
    const release = CNI_RELEASES[ctx.spec.network.cni]
    const path = `${CNI_DIR}/${release.file}`
    const ready = {
      api: {
        op: 'daemonset-ready',
        text: `the DaemonSet ${release.daemonSet.namespace}/${release.daemonSet.name} exists and has a ready pod on every node it runs on`,
        args: { namespace: release.daemonSet.namespace, name: release.daemonSet.name },
      },
    }
    return [
      {
        id: stepId(ctx, 'cni'),
        hostId: ctx.host.id,
        kind: 'cni',
        title: `Install the pod network: ${release.name} ${release.version}`,
        deps: [stepId(ctx, 'kubeadm-init')],
        actions: [
          run(
            sh`install -d -m 0755 ${CNI_DIR} && curl -fsSL --retry 3 -o ${`${path}.part`} ${release.url} && mv -f ${`${path}.part`} ${path}`,
          ),
          {
            type: 'api',
            call: {
              op: 'apply-manifest',
              text: `server-side apply of every object in ${path} (read from ${ctx.name}), CRDs first${release.name === 'flannel' ? `, flannel's Network set to ${ctx.spec.network.podSubnet}` : ''}`,
              args: {
                hostId: ctx.host.id,
                path,
                ...(release.name === 'flannel' ? { flannelNetwork: ctx.spec.network.podSubnet } : {}),
              },
            },
          },
        ],
        check: ready,
        timeoutMs: 10 * 60_000,
      },
    ]
  },
}

/**
 * The last step (issue 13 §1 "Finish"): through the endpoint, with the in-memory admin client,
 * every planned node Ready, the control-plane taints as the spec says, system pods running. Its
 * action sets the taints (a dev cluster's are removed on a live cluster too).
 */
export const finishRecipe = {
  name: 'cluster-ready',
  kind: 'wait' as const,
  steps(ctx: RecipeContext): Step[] {
    if (ctx.spec.flavour !== 'kubeadm' || !kubernetesVersion(ctx)) return []
    const planes = controlPlanes(ctx.cluster)
    if (planes[0]?.hostId !== ctx.host.id) return []
    const nodes = ctx.cluster.hosts.filter((h) => h.roles.includes('control-plane') || h.roles.includes('worker'))
    const names = (hosts: typeof nodes) => hosts.map((h) => h.nodeName ?? h.name)
    const taints = ctx.spec.devCluster ? 'remove' : 'keep'
    const call = {
      op: 'cluster-ready',
      text: `every node Ready (${names(nodes).join(', ')}), control-plane taints ${taints === 'keep' ? 'kept' : 'removed (dev cluster)'}, kube-system pods running`,
      args: { nodes: names(nodes), controlPlanes: names(planes), taints },
    }
    const joins = nodes
      .filter((h) => h.hostId !== ctx.host.id && (h.roles.includes('control-plane') || h.roles.includes('worker')))
      .map((h) => stepId({ name: h.name }, 'kubeadm-join'))
    return [
      {
        id: stepId(ctx, 'cluster-ready'),
        hostId: ctx.host.id,
        kind: 'wait',
        title: 'Check the whole cluster through its endpoint, and set the control-plane taints as the spec says',
        deps: [stepId(ctx, 'cni'), ...joins],
        actions: [
          {
            type: 'api',
            call: { ...call, text: `set the control-plane taints: ${taints === 'keep' ? 'NoSchedule' : 'none'}` },
          },
        ],
        check: { api: call },
        timeoutMs: 10 * 60_000,
      },
    ]
  },
}
