import type { Command } from 'commander'
import { AppError } from '../../shared/errors'
import type { ClusterPki, KeyAlgorithm } from '../../shared/types'
import { expiresIn, print, resolveCluster } from './cli-helpers'
import type { CliContext } from './hosts-commands'
import { jsonText, table } from './output'

/** `flotilla pki init|show|expiry|token`. */
export function registerPkiCommands(program: Command, ctx: CliContext): void {
  const pki = program.command('pki').description('cluster certificate authorities, kept on this computer')

  pki
    .command('init <cluster>')
    .description('create the cluster’s CA set and service-account key')
    .option('-a, --algo <algorithm>', 'RSA-2048 (kubeadm default), RSA-3072, RSA-4096 or ECDSA-P256 (k3s default)')
    .action(async (ref: string, o: { algo?: string }) => {
      const cluster = await resolveCluster(ctx, ref)
      const result = await ctx
        .app()
        .api.pki.init(cluster.id, o.algo !== undefined ? { algorithm: o.algo as KeyAlgorithm } : {})
      print(ctx, result, `Created certificate authorities for ${cluster.name}.\n${describe(result)}`)
    })

  pki
    .command('show <cluster>')
    .description('CA subjects, fingerprints, expiry and the discovery hash')
    .option('--pem', 'also print the CA certificates')
    .action(async (ref: string, o: { pem?: boolean }) => {
      const cluster = await resolveCluster(ctx, ref)
      const result = await ctx.app().api.pki.show(cluster.id)
      // Nothing to show is a failed intent (exit 1), for scripts as for people.
      if (!result) {
        throw new AppError(
          'PKI_NOT_INITIALISED',
          `${cluster.name} has no certificate authorities yet. Create them: flotilla pki init ${cluster.name}`,
        )
      }
      if (ctx.json()) return ctx.out.stdout(jsonText(result))
      ctx.out.stdout(describe(result))
      if (o.pem) for (const ca of result.cas) ctx.out.stdout(`# ${ca.file}\n${ca.pem}`)
    })

  pki
    .command('expiry')
    .description('every CA and issued kubeconfig with its expiry, soonest first')
    .action(async () => {
      const items = await ctx.app().api.pki.expiry()
      if (ctx.json()) return ctx.out.stdout(jsonText(items))
      if (items.length === 0) return ctx.out.stdout('Nothing issued yet.\n')
      ctx.out.stdout(
        table([
          ['CLUSTER', 'KIND', 'NAME', 'EXPIRES'],
          ...items.map((i) => [i.clusterName, i.kind, i.name, expiresIn(i.notAfter)]),
        ]),
      )
    })

  pki
    .command('token <cluster>')
    .description('a fresh kubeadm bootstrap token and the CA hash to pin (keep the token secret)')
    .action(async (ref: string) => {
      const cluster = await resolveCluster(ctx, ref)
      const token = await ctx.app().api.pki.joinToken(cluster.id)
      print(ctx, token, `token: ${token.token}\ndiscovery-token-ca-cert-hash: ${token.caCertHash}\n`)
    })
}

function describe(pki: ClusterPki): string {
  return (
    table([
      ['FILE', 'SUBJECT', 'ALGORITHM', 'EXPIRES', 'SHA-256 FINGERPRINT'],
      ...pki.cas.map((ca) => [ca.file, ca.subject, ca.keyAlgorithm, expiresIn(ca.notAfter), ca.fingerprintSha256]),
    ]) +
    `service-account key: ${pki.serviceAccount.file} (${pki.serviceAccount.keyAlgorithm})\n` +
    `discovery hash: ${pki.discoveryHash}\n`
  )
}
