// flotilla-sim: SIMULATOR, not k3s. `k3s agent`: validates the token against the server's CA
// (retrying every 2 s like the real agent, which keeps running), fetches its kubelet client
// certificate from the supervisor (retrying every 5 s on failure), and runs the node.
import fs from 'node:fs'
import path from 'node:path'
import { log, notSimulated, VERSION, COMMIT } from './cli.mjs'
import { validateToken, warnings } from './join.mjs'
import { DEFAULT_DATA_DIR, nodeIdentity, parseLabels, parseTaints, nodePassword } from './common.mjs'
import { certsOf } from './token.mjs'
import { startNode } from './node.mjs'
import { notifyReady } from '../sd-notify.mjs'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

export async function runAgent(flags, args) {
  if (args.length) notSimulated(`k3s agent with positional arguments ${JSON.stringify(args)}`)
  if (process.getuid() !== 0) notSimulated('k3s agent as a non-root user (rootless mode)')
  if (flags['kubelet-arg']?.length || flags['kube-proxy-arg']?.length)
    notSimulated('k3s agent --kubelet-arg/--kube-proxy-arg')
  const dataDir = flags['data-dir'] ?? DEFAULT_DATA_DIR
  let token = flags.token
  if (!token && flags['token-file']) token = fs.readFileSync(flags['token-file'], 'utf8').trim()
  if (!flags.server) log.fatal('Error: --server is required')
  if (!token) log.fatal('Error: --token is required')
  const { nodeName, nodeIP } = nodeIdentity(flags)
  const labels = parseLabels(flags['node-label'])
  const taints = parseTaints(flags['node-taint'])
  log.info(`Starting k3s agent ${VERSION} (${COMMIT})`)
  let stop = false
  let node
  process.on('SIGTERM', () => {
    stop = true
    node?.stop()
    setTimeout(() => process.exit(0), 200)
  })

  let api
  for (;;) {
    try {
      api = await validateToken(flags.server, token, 'node')
      for (const w of warnings.splice(0)) log.warn(w)
      break
    } catch (e) {
      log.error(`Failed to validate connection to cluster at ${flags.server}: ${e.message}`)
      await sleep(2000)
    }
  }
  const password = nodePassword()
  let kubelet
  let config
  for (;;) {
    try {
      config = JSON.parse((await api.get('/v1-k3s/config')).toString())
      const pem = (
        await api.get('/v1-k3s/client-kubelet.crt', { 'k3s-Node-Name': nodeName, 'k3s-Node-Password': password })
      ).toString()
      const key = /-----BEGIN (EC |RSA )?PRIVATE KEY-----[\s\S]+?-----END (EC |RSA )?PRIVATE KEY-----\n?/.exec(pem)?.[0]
      if (!key || !certsOf(pem).length) throw new Error('invalid client-kubelet.crt answer')
      kubelet = { cert: pem.replace(key, ''), key }
      break
    } catch (e) {
      const msg = / 403 Forbidden$/.test(e.message)
        ? "Node password rejected, duplicate hostname or contents of '/etc/rancher/node/password' may not match server node-passwd entry, try enabling a unique node name with the --with-node-id flag"
        : e.message
      log.error(`Failed to retrieve agent configuration: ${msg}`)
      await sleep(5000)
    }
  }
  if (stop) return
  fs.mkdirSync(path.join(dataDir, 'agent'), { recursive: true, mode: 0o700 })
  // The real agent reaches the API through its client-side load balancer on 127.0.0.1:6444,
  // which follows the server list; the simulator's kubelet talks to --server directly.
  node = await startNode({
    dataDir,
    nodeName,
    nodeIP,
    labels,
    taints,
    server: api.baseURL,
    caPem: api.caCerts.toString(),
    kubelet,
    flannel: config.FlannelBackend !== 'none',
    log,
  })
  log.info(`k3s agent is up and running (node ${nodeName})`)
  notifyReady() // systemd's READY=1: the install script's `systemctl restart` returns now
}
