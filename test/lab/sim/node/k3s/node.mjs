// flotilla-sim: SIMULATOR, not k3s. The kubelet side of a k3s node (server or agent): its
// kubeconfig under <data-dir>/agent, flannel's CNI config (k3s's flannel is built in, so the node
// goes Ready without a CNI manifest unless --flannel-backend=none), the node agent (registration,
// heartbeats, Lease) and, on servers, the node-role labels that k3s sets with its admin identity
// (the Node authorizer and NodeRestriction do not let a kubelet set them).
import fs from 'node:fs'
import path from 'node:path'
import { startNodeAgent } from '../node-agent.mjs'
import { kubeClient, loadKubeconfig } from '../kube-client.mjs'
import { kubeconfigYaml, writeFileMode, writeFlannelCNI, osImage, KUBELET_VERSION, RUNTIME_VERSION } from './common.mjs'

export async function startNode({
  dataDir,
  nodeName,
  nodeIP,
  labels,
  taints,
  server,
  caPem,
  kubelet,
  adminKubeconfig,
  serverLabels,
  etcdRole = true,
  flannel,
  log,
}) {
  const agentDir = path.join(dataDir, 'agent')
  const cniDir = path.join(agentDir, 'etc', 'cni', 'net.d')
  const kubeconfig = path.join(agentDir, 'kubelet.kubeconfig')
  writeFileMode(path.join(agentDir, 'server-ca.crt'), caPem, 0o644)
  writeFileMode(path.join(agentDir, 'client-kubelet.crt'), kubelet.cert, 0o644)
  writeFileMode(path.join(agentDir, 'client-kubelet.key'), kubelet.key, 0o600)
  writeFileMode(kubeconfig, kubeconfigYaml({ server, caPem, certPem: kubelet.cert, keyPem: kubelet.key }), 0o600)
  fs.mkdirSync(cniDir, { recursive: true })
  if (flannel) writeFlannelCNI(cniDir)
  else for (const f of fs.readdirSync(cniDir)) if (f.includes('flannel')) fs.rmSync(path.join(cniDir, f))
  const agent = await startNodeAgent({
    kubeconfig,
    certDir: path.join(agentDir, 'pki'),
    nodeName,
    labels: { 'node.kubernetes.io/instance-type': 'k3s', ...labels },
    taints,
    address: nodeIP,
    osImage: osImage(),
    kubeletVersion: KUBELET_VERSION,
    containerRuntimeVersion: RUNTIME_VERSION,
    kubeProxyVersion: KUBELET_VERSION,
    cniConfDir: cniDir,
    heartbeatMs: 5000,
    log: (line) => process.stderr.write(`${line}\n`),
  })
  let stopped = false
  if (serverLabels && adminKubeconfig) {
    // k3s's node controller on servers: node-role labels with the admin client.
    const admin = kubeClient(loadKubeconfig(adminKubeconfig))
    ;(async () => {
      for (let i = 0; !stopped && i < 300; i++) {
        try {
          const node = await admin.find(`/api/v1/nodes/${nodeName}`)
          if (node) {
            await admin.patch(
              `/api/v1/nodes/${nodeName}`,
              {
                metadata: {
                  labels: {
                    'node-role.kubernetes.io/control-plane': 'true',
                    'node-role.kubernetes.io/master': 'true',
                    ...(etcdRole ? { 'node-role.kubernetes.io/etcd': 'true' } : {}),
                  },
                },
              },
              'strategic',
            )
            log.info(`Labels and annotations have been set successfully on node: ${nodeName}`)
            return
          }
        } catch (e) {
          if (i % 10 === 0) log.info(`Waiting for node ${nodeName}: ${e.message}`)
        }
        await new Promise((r) => setTimeout(r, 1000))
      }
    })().finally(() => admin.close())
  }
  return {
    stop() {
      stopped = true
      agent.stop()
    },
  }
}
