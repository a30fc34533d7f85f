import type { Command } from 'commander'
import type { AppError } from '../../shared/errors'
import type { Cluster, ClusterFlavour, ClusterSpecSaved, Host, SpecRole } from '../../shared/types'
import { hostName, resolveHostRef } from '../services/clusters/host-ref'
import type { SpecProblem } from '../services/clusters/spec-yaml'
import { print, readSpecFile, resolveCluster, toNumber } from './cli-helpers'
import type { CliContext } from './hosts-commands'
import { CliExit, jsonText, table, terminalSafe } from './output'

/** `flotilla clusters list|create|remove|show|export|import|set-role`. */
export function registerClusterCommands(program: Command, ctx: CliContext): void {
  const clusters = program
    .command('clusters')
    .description('clusters and their specs (show, export to YAML, import, set-role)')

  clusters
    .command('list')
    .alias('ls')
    .description('list clusters')
    .action(async () => {
      const list = await ctx.app().api.clusters.list()
      if (ctx.json()) return ctx.out.stdout(jsonText(list))
      if (list.length === 0) {
        return ctx.out.stdout('No clusters yet. Create one: flotilla clusters create <name> --endpoint <host:port>\n')
      }
      ctx.out.stdout(
        table([
          ['NAME', 'FLAVOUR', 'ENDPOINT', 'ID'],
          ...list.map((c) => [c.name, c.flavour, `${endpoint(c.endpointHost)}:${c.endpointPort}`, c.id]),
        ]),
      )
    })

  clusters
    .command('create <name>')
    .description('record a cluster')
    .requiredOption('-e, --endpoint <host:port>', 'control-plane endpoint (load balancer or first server)')
    .option('-f, --flavour <flavour>', 'kubeadm or k3s', 'kubeadm')
    .action(async (name: string, o: { endpoint: string; flavour: string }) => {
      const cluster = await ctx
        .app()
        .api.clusters.create({ name, endpoint: o.endpoint, flavour: o.flavour as ClusterFlavour })
      print(ctx, cluster, `Created cluster ${cluster.name} (${cluster.flavour}, id ${cluster.id}).\n`)
    })

  clusters
    .command('remove <cluster>')
    .alias('rm')
    .description('forget a cluster (by name or id)')
    .option('--delete-pki', 'also delete its certificate authorities and their keys (irreversible without a backup)')
    .action(async (ref: string, o: { deletePki?: boolean }) => {
      const cluster = await resolveCluster(ctx, ref)
      await ctx.app().api.clusters.remove(cluster.id, o.deletePki ? { deletePki: true } : {})
      print(ctx, { removed: cluster.id }, `Removed cluster ${cluster.name}.\n`)
    })

  clusters
    .command('show <cluster>')
    .description('the cluster spec in words, each node with its inventory host')
    .action(async (ref: string) => {
      const api = ctx.app().api
      const cluster = await resolveCluster(ctx, ref)
      const view = describeCluster(cluster, await api.hosts.list())
      if (ctx.json()) return ctx.out.stdout(jsonText(view))
      ctx.out.stdout(showText(cluster, view))
    })

  clusters
    .command('export <cluster>')
    .description('print the cluster spec as YAML (e.g. > homelab.yaml)')
    .action(async (ref: string) => {
      const cluster = await resolveCluster(ctx, ref)
      if (ctx.json()) return ctx.out.stdout(jsonText(await ctx.app().api.clusters.spec(cluster.id)))
      // Only the document on stdout: `export > file` then `import -f file` is the identity.
      ctx.out.stdout(await ctx.app().api.clusters.export(cluster.id))
    })

  clusters
    .command('import')
    .description('create or update a cluster (by metadata.name) from a spec YAML file')
    .requiredOption('-f, --file <file>', 'the spec ("-" reads standard input)')
    .option('--revision <n>', 'refuse if the cluster was changed since this revision (see show)')
    .action(async (o: { file: string; revision?: string }) => {
      const name = o.file === '-' ? '<stdin>' : o.file
      const text = await readSpecFile(ctx, o.file)
      let saved: ClusterSpecSaved
      try {
        saved = await ctx.app().api.clusters.import(text, {
          fileName: name,
          ...(o.revision !== undefined
            ? { expectedRevision: toNumber(o.revision, '--revision', 'a revision number') }
            : {}),
        })
      } catch (error) {
        const problems = (error as AppError).details?.problems as SpecProblem[] | undefined
        if (ctx.json() || (error as AppError).code !== 'INVALID_INPUT' || !problems) throw error
        // One line per problem, FILE:LINE: path: message, in file order as compilers print them.
        const byLine = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
        for (const p of byLine) ctx.out.stderr(terminalSafe(`${problemLine(name, p)}\n`))
        throw new CliExit(1)
      }
      const specName = saved.spec.metadata.name
      const what = saved.created ? 'Created' : saved.changed ? 'Updated' : 'Nothing to change in'
      print(ctx, saved, `${what} cluster ${specName} (revision ${saved.revision}).\n`)
    })

  clusters
    .command('set-role <cluster> <host> <role>')
    .description(
      'give a host one role in the spec: control-plane, worker or etcd (replacing its roles), or none to take it out',
    )
    .action(async (ref: string, host: string, role: string) => {
      const cluster = await resolveCluster(ctx, ref)
      const saved = await ctx.app().api.clusters.setRole(cluster.id, host, role as SpecRole)
      const text = !saved.changed
        ? role === 'none'
          ? `Nothing to change: ${host} is not a node of ${cluster.name}.\n`
          : `Nothing to change: ${host} already has the role ${role} (and no other) in ${cluster.name}.\n`
        : role === 'none'
          ? `Took ${host} out of ${cluster.name} (revision ${saved.revision}).\n`
          : `${host} is now ${role} in ${cluster.name} (revision ${saved.revision}).\n`
      print(ctx, saved, terminalSafe(text))
    })
}

/** Where a spec's host reference lands in the inventory: one host, or null (none, or several). */
interface Placed {
  inventory: { id: string; name: string; address: string; os?: string } | null
  ambiguous?: boolean
}

/** What `show` tells of a cluster: the record, its spec, and each node's inventory host. */
function describeCluster(cluster: Cluster, hosts: Host[]) {
  const inventory = (ref: string): Placed => {
    const matches = resolveHostRef(ref, hosts)
    if (matches.length !== 1) return { inventory: null, ...(matches.length > 1 ? { ambiguous: true } : {}) }
    const h = matches[0]!
    const os = h.identification ? `${h.identification.os.prettyName} (${h.identification.arch})` : undefined
    return { inventory: { id: h.id, name: hostName(h), address: h.address, ...(os ? { os } : {}) } }
  }
  const haproxy = cluster.spec.spec.endpoint.haproxy
  return {
    id: cluster.id,
    name: cluster.name,
    revision: cluster.revision,
    updatedAt: cluster.updatedAt,
    endpoint: {
      host: cluster.endpointHost,
      port: cluster.endpointPort,
      ...(haproxy ? inventory(haproxy.host) : {}),
    } as { host: string; port: number } & Partial<Placed>,
    spec: cluster.spec,
    nodes: cluster.spec.spec.nodes.map((n) => ({ host: n.host, roles: n.roles, ...inventory(n.host) })),
  }
}

function showText(cluster: Cluster, view: ReturnType<typeof describeCluster>): string {
  const s = cluster.spec.spec
  const where = (v: Partial<Placed>) =>
    v.inventory
      ? `${v.inventory.name}, ${v.inventory.address}`
      : v.ambiguous
        ? 'names several hosts'
        : 'not in the inventory'
  const endpointText = s.endpoint.haproxy
    ? `HAProxy on ${s.endpoint.haproxy.host} (${where(view.endpoint)}), port ${s.endpoint.haproxy.port}`
    : `${s.endpoint.address} (a load balancer you run)`
  const lines = [
    `${cluster.name} (revision ${cluster.revision}, changed ${cluster.updatedAt})`,
    `  flavour:      ${s.flavour}`,
    `  version:      Kubernetes ${s.kubernetesVersion} (the plan picks the patch release)`,
    `  endpoint:     ${endpointText}`,
    `  etcd:         ${s.etcd === 'stacked' ? 'stacked (on the control planes)' : 'external (on the etcd nodes)'}`,
    `  network:      ${s.network.cni}, pods ${s.network.podSubnet}, services ${s.network.serviceSubnet}`,
    `  dev cluster:  ${s.devCluster ? 'yes (control planes also run workloads)' : 'no (control planes run no workloads)'}`,
  ]
  if (view.nodes.length === 0) {
    lines.push(`  nodes:        none yet (flotilla clusters set-role ${cluster.name} <host> control-plane)`)
    return terminalSafe(lines.join('\n') + '\n')
  }
  lines.push('  nodes:')
  const rows = table([
    ['NODE', 'ROLES', 'HOST', 'OS'],
    ...view.nodes.map((n) => [n.host, n.roles.join(','), where(n), n.inventory?.os ?? '']),
  ])
  return (
    terminalSafe(lines.join('\n') + '\n') +
    rows
      .trimEnd()
      .split('\n')
      .map((line) => `    ${line}\n`)
      .join('')
  )
}

/** `homelab.yaml:7: spec.network.cni: Use calico or flannel.` (the message without its own path prefix). */
function problemLine(file: string, p: SpecProblem): string {
  const message = p.path && p.message.startsWith(`${p.path}: `) ? p.message.slice(p.path.length + 2) : p.message
  return `${file}${p.line ? `:${p.line}` : ''}: ${p.path ? `${p.path}: ` : ''}${message}`
}

function endpoint(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}
