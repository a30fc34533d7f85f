import type { Command } from 'commander'
import type { KubeconfigExportRequest } from '../../shared/types'
import { expiresIn, print, resolveCluster, toNumber } from './cli-helpers'
import type { CliContext } from './hosts-commands'
import { jsonText, table } from './output'

/** `flotilla kubeconfig export|list`. */
export function registerKubeconfigCommands(program: Command, ctx: CliContext): void {
  const kubeconfig = program.command('kubeconfig').description('admin kubeconfigs signed by the cluster CA')

  kubeconfig
    .command('export <cluster>')
    .description('mint an admin kubeconfig offline and write it to a file or merge it into your kubeconfig')
    .option('-o, --out <file>', 'write a new file (mode 0600; never replaces one unless --force)')
    .option('--merge', 'merge into $KUBECONFIG’s first file or ~/.kube/config (backed up first)')
    .option('-d, --days <n>', 'validity in days', '365')
    .option('-u, --user <name>', 'client certificate CN (default flotilla-admin)')
    .option('--break-glass', 'O=system:masters: bypasses RBAC, cannot be revoked (required for k3s)')
    .option('--force', 'replace an existing --out file')
    .option('--mkdir', "create --out's folder when it does not exist (mode 0700)")
    .option('--use-context', 'switch the current context to the new one (always for a new file)')
    .action(
      async (
        ref: string,
        o: {
          out?: string
          merge?: boolean
          days: string
          user?: string
          breakGlass?: boolean
          force?: boolean
          useContext?: boolean
          mkdir?: boolean
        },
      ) => {
        const cluster = await resolveCluster(ctx, ref)
        const request: KubeconfigExportRequest = { days: toNumber(o.days, '--days', 'a whole number of days') }
        if (o.out !== undefined) request.out = o.out
        if (o.merge) request.merge = true
        if (o.user !== undefined) request.user = o.user
        if (o.breakGlass) request.breakGlass = true
        if (o.force) request.overwrite = true
        if (o.useContext) request.useContext = true
        if (o.mkdir) request.mkdir = true
        const result = await ctx.app().api.kubeconfig.export(cluster.id, request)
        for (const warning of result.warnings) ctx.out.stderr(`warning: ${warning}\n`)
        print(
          ctx,
          result,
          `${request.merge ? 'Merged' : 'Wrote'} context ${result.context} into ${result.path}` +
            `${result.backupPath ? ` (previous file kept as ${result.backupPath})` : ''}.\n` +
            `Subject ${result.issued.subject}, serial ${result.issued.serial}, expires ${expiresIn(result.issued.notAfter)}.\n` +
            (result.currentContextChanged ? `Current context is now ${result.context}.\n` : ''),
        )
      },
    )

  kubeconfig
    .command('list [cluster]')
    .alias('ls')
    .description('kubeconfigs Flotilla issued, newest first')
    .action(async (ref?: string) => {
      const cluster = ref === undefined ? undefined : await resolveCluster(ctx, ref)
      const issued = await ctx.app().api.kubeconfig.issued(cluster?.id)
      if (ctx.json()) return ctx.out.stdout(jsonText(issued))
      if (issued.length === 0) return ctx.out.stdout('No kubeconfigs issued yet.\n')
      ctx.out.stdout(
        table([
          ['SUBJECT', 'SERIAL', 'EXPIRES', 'WHERE'],
          ...issued.map((k) => [k.subject, k.serial, expiresIn(k.notAfter), k.path]),
        ]),
      )
    })
}
