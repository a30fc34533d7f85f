/**
 * The pod network's API operations (recipes/cni.ts): `apply-manifest` reads the manifest the first
 * control plane downloaded and applies it through the API (kube/apply-manifest.ts: CRDs first and
 * Established, then server-side apply of every object); `daemonset-ready` is its check.
 */
import { stringify } from 'yaml'
import { AppError } from '../../../../shared/errors'
import { applyManifest, cniReady, parseManifest, type ManifestObject } from '../../kube/apply-manifest'
import { defineApiOp, stringArg, type ApiArgs } from '../api-ops'

/** flannel's `net-conf.json` Network must be the cluster's pod subnet (domain-engine.md §5). */
export function withFlannelNetwork(objects: ManifestObject[], network: string): ManifestObject[] {
  let found = false
  const out = objects.map((o) => {
    const data = (o as { data?: Record<string, string> }).data
    if (o.kind !== 'ConfigMap' || !data?.['net-conf.json']) return o
    const conf = JSON.parse(data['net-conf.json']) as Record<string, unknown>
    found = true
    return { ...o, data: { ...data, 'net-conf.json': JSON.stringify({ ...conf, Network: network }, null, 2) } }
  })
  if (!found)
    throw new AppError(
      'INVALID_INPUT',
      "The flannel manifest has no ConfigMap with net-conf.json: it is not flannel's.",
    )
  return out
}

function optional(args: ApiArgs, name: string): string | undefined {
  return typeof args[name] === 'string' ? (args[name] as string) : undefined
}

defineApiOp('apply-manifest', {
  async run(args, env) {
    const hostId = stringArg(args, 'hostId')
    const path = stringArg(args, 'path')
    const content = await env.ssh.readFile(hostId, path, { sudo: false }, env.ctx)
    if (!content) throw new AppError('COMMAND_FAILED', `${path} is not on the host: the download did not land.`)
    let text = content.toString('utf8')
    const network = optional(args, 'flannelNetwork')
    if (network)
      text = withFlannelNetwork(parseManifest(text), network)
        .map((o) => stringify(o))
        .join('---\n')
    const client = await env.client()
    const { applied } = await applyManifest(client.config, text, {
      signal: env.ctx.signal,
      log: (line) => env.ctx.log(line, env.step.hostId, env.step.id),
    })
    env.ctx.log(`applied ${applied.length} objects from ${path}`, env.step.hostId, env.step.id)
  },
  // Used as an action only; the step's check is daemonset-ready.
  async check() {
    return { state: 'unknown', detail: 'apply-manifest is an action; its step checks daemonset-ready' }
  },
})

defineApiOp('daemonset-ready', {
  async check(args, env) {
    const client = await env.client()
    const { ready, detail } = await cniReady(client.config, {
      namespace: stringArg(args, 'namespace'),
      name: stringArg(args, 'name'),
    })
    return { state: ready ? 'done' : 'todo', detail }
  },
})
