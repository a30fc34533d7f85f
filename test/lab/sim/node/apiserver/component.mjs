// flotilla-sim: SIMULATOR, not a Kubernetes component. What the controller-manager and scheduler
// stand-ins share: strict flag parsing (unknown flag → `Error: unknown flag: --x`, exit 1), the
// HTTPS /healthz endpoint with a self-signed certificate (the real ones serve 10257 / 10259 with
// a generated "<host>@<timestamp>" certificate), and leader election through a
// coordination.k8s.io Lease in kube-system.
import fs from 'node:fs'
import os from 'node:os'
import https from 'node:https'
import crypto from 'node:crypto'
import { spawnSync } from 'node:child_process'

export function klogFatal(msg) {
  const d = new Date()
  const ts = `${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')} ${d.toISOString().slice(11, 26)}`
  console.error(`E${ts} ${process.pid} run.go:72] "command failed" err="${msg.replace(/"/g, '\\"')}"`)
  process.exit(1)
}
export function klog(level, msg) {
  const d = new Date()
  const ts = `${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')} ${d.toISOString().slice(11, 26)}`
  console.error(`${level}${ts} ${process.pid} flotilla-sim] ${msg}`)
}

/** pflag-style parsing: --a=b, --a b, bools without value. Exits like cobra on errors. */
export function parseFlags(argv, { known, bools = [], notSimulated = [], command }) {
  const flags = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--version') {
      console.log('Kubernetes v1.32.4')
      process.exit(0)
    }
    const m = /^--?([a-z0-9-]+)(?:=(.*))?$/s.exec(a)
    if (!m) {
      console.error(`Error: unknown command "${a}" for "${command}"`)
      process.exit(1)
    }
    const [, name, inline] = m
    if (!known.includes(name) && !notSimulated.includes(name)) {
      console.error(`Error: unknown flag: --${name}`)
      process.exit(1)
    }
    let value = inline
    if (value === undefined) {
      if (bools.includes(name)) value = 'true'
      else if (i + 1 < argv.length) value = argv[++i]
      else {
        console.error(`Error: flag needs an argument: --${name}`)
        process.exit(1)
      }
    }
    if (
      bools.includes(name) &&
      !['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False'].includes(value)
    ) {
      console.error(
        `Error: invalid argument "${value}" for "--${name}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`,
      )
      process.exit(1)
    }
    if (notSimulated.includes(name)) {
      console.error(`flotilla-sim: ${command} --${name} is not simulated`)
      process.exit(1)
    }
    flags[name] = value
  }
  return flags
}
export const isTrue = (v, dflt) => (v === undefined ? dflt : ['true', '1', 't', 'TRUE', 'True'].includes(v))

/** Serves GET /healthz (and /livez, /readyz) over HTTPS with a fresh self-signed certificate. */
export async function serveHealthz({ bindAddress, port, name }) {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/flotilla-sim-${name}-`)
  const host = os.hostname()
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${dir}/tls.key`,
      '-out',
      `${dir}/tls.crt`,
      '-days',
      '365',
      '-subj',
      `/CN=${host}@${Math.floor(Date.now() / 1000)}`,
      '-addext',
      `subjectAltName=DNS:${host},DNS:localhost,IP:127.0.0.1`,
    ],
    { encoding: 'utf8' },
  )
  if (r.status !== 0) klogFatal(`unable to generate self signed cert: ${r.stderr}`)
  const server = https.createServer(
    { cert: fs.readFileSync(`${dir}/tls.crt`), key: fs.readFileSync(`${dir}/tls.key`) },
    (req, res) => {
      const path = req.url.split('?')[0]
      if (['/healthz', '/livez', '/readyz'].includes(path)) {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
        return res.end('ok')
      }
      res.writeHead(403, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `forbidden: User "system:anonymous" cannot get path "${path}"`,
          reason: 'Forbidden',
          details: {},
          code: 403,
        }),
      )
    },
  )
  fs.rmSync(dir, { recursive: true, force: true })
  await new Promise((resolve) => {
    server.once('error', (e) =>
      klogFatal(
        `failed to create listener: failed to listen on ${bindAddress}:${port}: listen tcp ${bindAddress}:${port}: bind: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`,
      ),
    )
    server.listen(port, bindAddress, resolve)
  })
  klog('I', `Serving securely on ${bindAddress}:${port}`)
  return server
}

/**
 * Leader election (client-go leaderelection with a Lease lock): onStarted once this instance holds
 * the lease; exits the process if it loses it, as the real components do.
 */
export function leaderElect(
  api,
  { name, namespace = 'kube-system', leaseDurationSeconds = 15, retryMs = 2000, onStarted },
) {
  const identity = `${os.hostname()}_${crypto.randomUUID()}`
  const path = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`
  let leading = false
  let toldHeld = false
  const micro = () => new Date().toISOString().replace('Z', '000Z')
  async function tick() {
    try {
      const lease = await api.find(path)
      const nowMs = Date.now()
      if (!lease) {
        await api.create(`/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds,
            acquireTime: micro(),
            renewTime: micro(),
            leaseTransitions: 0,
          },
        })
      } else {
        const spec = lease.spec ?? {}
        const expired =
          !spec.renewTime ||
          Date.parse(spec.renewTime) + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 < nowMs
        if (spec.holderIdentity !== identity && !expired) {
          if (leading) {
            klog('E', `leaderelection lost`)
            process.exit(1)
          }
          // client-go says this at -v=4 on every try; once is enough to show a try was made.
          if (!toldHeld) klog('I', `lock is held by ${spec.holderIdentity} and has not yet expired`)
          toldHeld = true
          return
        }
        const mine = spec.holderIdentity === identity
        lease.spec = {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds,
          renewTime: micro(),
          ...(mine ? {} : { acquireTime: micro(), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
        }
        await api.update(path, lease)
      }
      if (!leading) {
        leading = true
        klog('I', `successfully acquired lease ${namespace}/${name}`)
        onStarted()
      }
    } catch (e) {
      if (e.status !== 409) klog('E', `error retrieving resource lock ${namespace}/${name}: ${e.message}`)
    }
  }
  tick()
  const timer = setInterval(tick, retryMs)
  return { identity, isLeader: () => leading, stop: () => clearInterval(timer) }
}
