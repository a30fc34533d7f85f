#!/usr/bin/env node
// FLOTILLA SIMULATOR STAND-IN for kube-scheduler -- not the real one. Parses the flags kubeadm
// writes, serves HTTPS /healthz on --secure-port (10259), elects a leader through the
// kube-system/kube-scheduler Lease, and the leader binds pending pods (schedulerName
// default-scheduler, no spec.nodeName) to a node that is not cordoned, whose NoSchedule/NoExecute
// taints the pod tolerates and whose labels match its nodeSelector (filters in the default
// plugins' order: NodeUnschedulable, TaintToleration, NodeAffinity) (fewest pods first), polling
// once a second. Unschedulable pods get the PodScheduled=False condition with the scheduler's text.
import fs from 'node:fs'
import { kubeClient, loadKubeconfig } from './kube-client.mjs'
import { isTrue, klog, klogFatal, leaderElect, parseFlags, serveHealthz } from './apiserver/component.mjs'
import { nodeMatches, tolerates, untoleratedTaint } from './apiserver/scheduling.mjs'

const flags = parseFlags(process.argv.slice(2), {
  command: 'kube-scheduler',
  known: [
    'authentication-kubeconfig',
    'authorization-kubeconfig',
    'bind-address',
    'kubeconfig',
    'leader-elect',
    'secure-port',
    'v',
    'profiling',
    'leader-elect-lease-duration',
    'leader-elect-renew-deadline',
    'leader-elect-retry-period',
  ],
  bools: ['leader-elect', 'profiling'],
  notSimulated: ['config', 'feature-gates', 'policy-config-file'],
})
if (!flags.kubeconfig) klogFatal('flotilla-sim: running without --kubeconfig (in-cluster config) is not simulated')
for (const f of ['kubeconfig', 'authentication-kubeconfig', 'authorization-kubeconfig'])
  if (flags[f] && !fs.existsSync(flags[f])) klogFatal(`stat ${flags[f]}: no such file or directory`)

const api = kubeClient(loadKubeconfig(flags.kubeconfig))
await serveHealthz({
  bindAddress: flags['bind-address'] ?? '0.0.0.0',
  port: Number(flags['secure-port'] ?? 10259),
  name: 'kube-scheduler',
})
process.on('SIGTERM', () => process.exit(0))

async function schedule() {
  const [nodes, pods] = await Promise.all([
    api.get('/api/v1/nodes').then((l) => l.items),
    api.get('/api/v1/pods').then((l) => l.items),
  ])
  for (const pod of pods) {
    if (
      pod.spec?.nodeName ||
      (pod.spec?.schedulerName ?? 'default-scheduler') !== 'default-scheduler' ||
      pod.metadata.deletionTimestamp
    )
      continue
    const reasons = {}
    const fits = nodes.filter((n) => {
      const why = (r) => ((reasons[r] = (reasons[r] ?? 0) + 1), false)
      if (
        n.spec?.unschedulable &&
        !tolerates(pod.spec?.tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })
      )
        return why(`node(s) were unschedulable`)
      const bad = untoleratedTaint(pod.spec, n)
      if (bad) return why(`node(s) had untolerated taint {${bad.key}: ${bad.value ?? ''}}`)
      if (!nodeMatches(pod.spec, n)) return why(`node(s) didn't match Pod's node affinity/selector`)
      return true
    })
    const ns = pod.metadata.namespace
    if (!fits.length) {
      const message = `0/${nodes.length} nodes are available: ${Object.entries(reasons)
        .map(([r, c]) => `${c} ${r}`)
        .sort()
        .join(
          ', ',
        )}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`
      const cond = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled')
      if (cond?.message !== message)
        await api.patch(
          `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/status`,
          {
            status: {
              conditions: [
                {
                  type: 'PodScheduled',
                  status: 'False',
                  reason: 'Unschedulable',
                  message,
                  lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
                },
              ],
            },
          },
          'strategic',
        )
      continue
    }
    const load = (n) => pods.filter((p) => p.spec?.nodeName === n.metadata.name).length
    const target = fits.sort((a, b) => load(a) - load(b) || a.metadata.name.localeCompare(b.metadata.name))[0]
    await api
      .create(`/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/binding`, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod.metadata.name, namespace: ns },
        target: { apiVersion: 'v1', kind: 'Node', name: target.metadata.name },
      })
      .catch((e) => klog('E', `binding ${ns}/${pod.metadata.name}: ${e.message}`))
    pod.spec.nodeName = target.metadata.name
    klog('I', `Successfully bound pod to node pod="${ns}/${pod.metadata.name}" node="${target.metadata.name}"`)
  }
}
const start = () => {
  const loop = async () => {
    await schedule().catch((e) => klog('E', `scheduling: ${e.message}`))
    setTimeout(loop, 1000)
  }
  loop()
}
if (isTrue(flags['leader-elect'], true)) leaderElect(api, { name: 'kube-scheduler', onStarted: start })
else start()
