// flotilla-sim: SIMULATOR, not k3s. The listener on :6443 that k3s's supervisor and its embedded
// kube-apiserver share: the supervisor's routes first (k3s/supervisor.mjs), everything else to the
// API server stand-in (node/apiserver/).
import https from 'node:https'

export async function startApi(opts) {
  const { port, tlsCert, tlsKey, clientCA, handler, log } = opts
  let lib
  try {
    lib = await import('../apiserver/index.mjs')
  } catch (e) {
    log.warn(`flotilla-sim: the API server stand-in does not load: ${e.message}`)
    lib = undefined
  }
  if (lib?.startApiServer) {
    const api = await lib.startApiServer({
      bindAddress: '0.0.0.0',
      port,
      advertiseAddress: opts.nodeIP,
      tlsCert,
      tlsKey,
      clientCAs: [clientCA],
      etcd: opts.etcd,
      serviceClusterIPRange: opts.serviceCIDR,
      enableBootstrapTokenAuth: true,
      anonymousAuth: true,
      authorizationModes: ['Node', 'RBAC'],
      admissionPlugins: ['NodeRestriction'],
      extraRoutes: async (req, res) => handler(req, res),
      log: (line) => log.info(`kube-apiserver: ${line}`),
    })
    return { close: () => api.close() }
  }
  // No API server stand-in available: the supervisor alone (joins work, the API answers 503).
  log.warn(
    'flotilla-sim: the API server stand-in (node/apiserver/server.mjs) is not available; only the supervisor routes answer',
  )
  const server = https.createServer(
    { cert: tlsCert, key: tlsKey, ca: clientCA, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      if (handler(req, res)) return
      if (['/healthz', '/readyz', '/livez'].includes(req.url)) {
        res.writeHead(200, { 'content-type': 'text/plain' })
        return res.end('ok')
      }
      res.writeHead(503, { 'content-type': 'text/plain' })
      res.end('flotilla-sim: the API server stand-in is not available\n')
    },
  )
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '0.0.0.0', resolve)
  })
  return {
    close: () => new Promise((r) => server.close(r)),
  }
}
