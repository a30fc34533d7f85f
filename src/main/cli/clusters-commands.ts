import type { Command } from 'commander'
import type { ClusterFlavour } from '../../shared/types'
import { print, resolveCluster } from './cli-helpers'
import type { CliContext } from './hosts-commands'
import { jsonText, table } from './output'

/** `flotilla clusters list|create|remove`. */
export function registerClusterCommands(program: Command, ctx: CliContext): void {
  const clusters = program.command('clusters').description('cluster records (name, flavour, API endpoint)')

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
}

function endpoint(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}
