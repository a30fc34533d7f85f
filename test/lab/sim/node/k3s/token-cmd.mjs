// flotilla-sim: SIMULATOR, not k3s. `k3s token create|list|delete|generate`: bootstrap tokens as
// kube-system Secrets `bootstrap-token-<id>` through the API (the k3s kubeconfig), the same
// format and validation as `kubeadm token`; agents may join with them (`K10<hash>::<id>.<secret>`).
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs, log, notSimulated } from './cli.mjs'
import { generateBootstrapToken, isBootstrapToken, formatToken, parseToken } from './token.mjs'
import { kubeClient, loadKubeconfig } from '../kube-client.mjs'
import { DEFAULT_DATA_DIR } from './common.mjs'

const DEFAULT_GROUP = 'system:bootstrappers:k3s:default-node-token'
const b64 = (s) => Buffer.from(s).toString('base64')
const unb64 = (s) => (s ? Buffer.from(s, 'base64').toString() : '')

function parseDuration(s) {
  const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(s)
  if (s === '0') return 0
  if (!m) log.fatal(`invalid value "${s}" for flag -ttl: parse error`)
  return Number(m[1]) * { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2]]
}

function client(flags) {
  const file = flags.kubeconfig ?? '/etc/rancher/k3s/k3s.yaml'
  if (!fs.existsSync(file)) log.fatal(`stat ${file}: no such file or directory`)
  return kubeClient(loadKubeconfig(file))
}

export async function runToken(argv) {
  const [sub, ...rest] = argv
  if (!sub || sub === '--help' || sub === '-h') {
    console.log(
      'NAME:\n   k3s token - Manage tokens\n\nCOMMANDS:\n   create    Create bootstrap tokens on the server\n   delete    Delete bootstrap tokens on the server\n   generate  Generate and print a bootstrap token, but do not create it on the server\n   list      List bootstrap tokens on the server\n   rotate    Rotate original server token with a new server token',
    )
    return
  }
  const { flags, args } = parseArgs('token', rest)
  const dataDir = flags['data-dir'] ?? DEFAULT_DATA_DIR
  switch (sub) {
    case 'generate':
      console.log(generateBootstrapToken())
      return
    case 'create': {
      const token = args[0] ?? generateBootstrapToken()
      if (!isBootstrapToken(token))
        log.fatal(`the bootstrap token "${token}" was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"`)
      const [id, secret] = token.split('.')
      const ttl = parseDuration(flags.ttl ?? '24h')
      const usages = flags.usages ?? ['signing', 'authentication']
      for (const u of usages) if (!['signing', 'authentication'].includes(u)) log.fatal(`unknown usage "${u}"`)
      const groups = flags.groups ?? [DEFAULT_GROUP]
      for (const g of groups)
        if (!/^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/.test(g))
          log.fatal(`bootstrap group "${g}" is invalid (must match ^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$)`)
      const data = {
        'token-id': b64(id),
        'token-secret': b64(secret),
        'auth-extra-groups': b64(groups.join(',')),
        ...Object.fromEntries(usages.map((u) => [`usage-bootstrap-${u}`, b64('true')])),
        ...(flags.description ? { description: b64(flags.description) } : {}),
        ...(ttl ? { expiration: b64(new Date(Date.now() + ttl).toISOString().replace(/\.\d+Z$/, 'Z')) } : {}),
      }
      const api = client(flags)
      try {
        await api.create('/api/v1/namespaces/kube-system/secrets', {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'bootstrap.kubernetes.io/token',
          metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
          data,
        })
      } catch (e) {
        if (e.status === 409) log.fatal(`a token with id "${id}" already exists`)
        log.fatal(e.message)
      } finally {
        api.close()
      }
      const ca = fs.readFileSync(path.join(dataDir, 'server', 'tls', 'server-ca.crt'))
      console.log(formatToken(token, ca))
      return
    }
    case 'list': {
      const api = client(flags)
      try {
        const list = await api.get('/api/v1/namespaces/kube-system/secrets')
        const rows = (list.items ?? []).filter((s) => s.type === 'bootstrap.kubernetes.io/token')
        if (flags.output === 'json') {
          console.log(
            JSON.stringify(
              rows.map((s) => ({ id: unb64(s.data?.['token-id']) })),
              null,
              2,
            ),
          )
          return
        }
        console.log(
          'TOKEN     TTL         EXPIRES                USAGES                   DESCRIPTION                                                EXTRA GROUPS',
        )
        for (const s of rows) {
          const d = s.data ?? {}
          const exp = unb64(d.expiration)
          const ttl = exp ? `${Math.max(0, Math.round((new Date(exp) - Date.now()) / 3_600_000))}h` : '<forever>'
          const usages = Object.keys(d)
            .filter((k) => k.startsWith('usage-bootstrap-'))
            .map((k) => k.slice(16))
            .join(',')
          console.log(
            `${unb64(d['token-id'])}.<redacted>  ${ttl.padEnd(11)} ${(exp || '<never>').padEnd(22)} ${usages.padEnd(24)} ${(unb64(d.description) || '<none>').padEnd(58)} ${unb64(d['auth-extra-groups'])}`,
          )
        }
      } finally {
        api.close()
      }
      return
    }
    case 'delete': {
      if (!args.length) log.fatal('missing subcommand; "token delete" is missing token')
      const api = client(flags)
      try {
        for (const t of args) {
          let id = t
          if (t.startsWith('K10') || t.includes('.')) {
            const p = parseToken(t)
            if (!p.bootstrap)
              log.fatal(`given token didn't match pattern "^([a-z0-9]{6})$" or "^([a-z0-9]{6})\\.([a-z0-9]{16})$"`)
            id = p.bootstrap.id
          } else if (!/^[a-z0-9]{6}$/.test(t))
            log.fatal(`given token didn't match pattern "^([a-z0-9]{6})$" or "^([a-z0-9]{6})\\.([a-z0-9]{16})$"`)
          try {
            await api.delete(`/api/v1/namespaces/kube-system/secrets/bootstrap-token-${id}`)
          } catch (e) {
            if (e.status === 404) log.fatal(`bootstrap token "${id}" not found`)
            throw e
          }
          console.log(`bootstrap token "${id}" deleted`)
        }
      } finally {
        api.close()
      }
      return
    }
    case 'rotate':
      notSimulated('k3s token rotate')
      break
    default:
      console.log(`No help topic for '${sub}'`)
      process.exit(3)
  }
}
