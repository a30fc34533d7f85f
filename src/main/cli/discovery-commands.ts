import type { Command } from 'commander'
import type { Host, HostIdentification, ProbeResult } from '../../shared/types'
import { requireSuccess, toNumber } from './cli-helpers'
import { describe, resolveHost, type CliContext } from './hosts-commands'
import { jsonText, table, terminalSafe } from './output'

/** One word per kind of machine, for tables. */
export function kindOf(host: Host): string {
  const hints = host.discovery?.hints
  const id = host.identification
  const pi = id?.model?.startsWith('Raspberry Pi') ?? hints?.raspberryPi ?? false
  const microOs = id ? id.os.family === 'microos' : (hints?.microOs ?? false)
  return [pi ? 'Pi' : '', microOs ? 'MicroOS' : ''].filter(Boolean).join(' ') || 'Linux'
}

function answeredSince(host: Host, t: number): boolean {
  const d = host.discovery
  return d !== undefined && d.presence === 'live' && Date.parse(d.lastSeenAt) >= t
}

function verdicts(id: HostIdentification): string {
  const short = { 'control-plane': 'CP', worker: 'W', haproxy: 'LB' } as const
  return id.readiness.map((r) => `${short[r.role]}:${r.verdict}`).join(' ')
}

/** `flotilla discover` and `flotilla probe`. */
export function registerDiscoveryCommands(program: Command, ctx: CliContext): void {
  program
    .command('discover')
    .description('find Raspberry Pis and MicroOS boxes on the LAN over mDNS (they join `hosts list` as pending)')
    .option('-t, --timeout <seconds>', 'how long to listen', '10')
    .action(async (o: { timeout: string }) => {
      const api = ctx.app().api
      const abort = new AbortController()
      const onSigint = () => abort.abort()
      process.once('SIGINT', onSigint)
      const announced = new Set<string>()
      const started = Date.now()
      const off = ctx.json()
        ? () => undefined
        : api.hosts.onChanged(({ hosts }) => {
            for (const h of hosts) {
              // Only what answered this scan: the list also holds machines earlier runs found.
              if (!h.discovery || h.ignored || announced.has(h.id) || !answeredSince(h, started)) continue
              announced.add(h.id)
              ctx.out.stdout(terminalSafe(`found ${h.discovery.hostname} at ${h.address} (${kindOf(h)})`) + '\n')
            }
          })
      try {
        const result = await api.discovery.scan(
          { timeoutSec: toNumber(o.timeout, '--timeout', 'a number of seconds', { decimal: true }) },
          { signal: abort.signal },
        )
        const list = await api.hosts.list()
        const found = result.hostIds.flatMap((id) => list.filter((h) => h.id === id && !h.ignored))
        if (ctx.json()) return ctx.out.stdout(jsonText(found))
        if (found.length === 0) {
          return ctx.out.stdout(
            'No machines answered over mDNS. Add them by address: flotilla hosts add <address> --user <user>\n',
          )
        }
        ctx.out.stdout(
          '\n' +
            table([
              ['ID', 'LABEL', 'ADDRESS', 'KIND', 'MAC', 'SSH', 'STATE'],
              ...found.map((h) => [
                h.id,
                h.label ?? h.discovery!.hostname,
                `${h.address}:${h.port}`,
                kindOf(h),
                h.discovery!.mac ?? '',
                h.discovery!.sshReachable === false ? 'refused' : h.discovery!.sshReachable ? 'open' : '?',
                h.pending ? 'pending' : 'adopted',
              ]),
            ]) +
            (found.some((h) => h.pending)
              ? '\nAdopt a pending one (in the app, or: flotilla hosts adopt <label> [--user U]); hide one: flotilla hosts ignore <label>\n'
              : ''),
        )
      } finally {
        off()
        process.off('SIGINT', onSigint)
      }
    })

  program
    .command('probe <hosts...>')
    .description('identify hosts over SSH (OS, model, resources, leftovers) and judge them per role')
    .action(async (refs: string[]) => {
      const api = ctx.app().api
      const hosts = await Promise.all(refs.map((r) => resolveHost(ctx, r)))
      const opId = api.ops.newId()
      const results = await api.discovery.probe(
        hosts.map((h) => h.id),
        { opId },
      )
      ctx.out.stdout(ctx.json() ? jsonText(results) : humanProbe(hosts, results))
      // Per host in the output; the exit status is the operation's outcome (1 when any host failed).
      await requireSuccess(ctx, opId)
    })
}

function humanProbe(hosts: Host[], results: ProbeResult[]): string {
  const byId = new Map(hosts.map((h) => [h.id, h]))
  let text = table([
    ['HOST', 'OS', 'MACHINE', 'RAM', 'READINESS'],
    ...results.map((r) => {
      const host = describe(byId.get(r.hostId)!)
      if (!r.ok) return [host, 'failed', r.error.code, '', r.error.message]
      const id = r.identification
      return [host, id.os.prettyName, id.model ?? id.arch, `${id.memoryMiB} MiB`, verdicts(id)]
    }),
  ])
  for (const r of results) {
    if (!r.ok) continue
    const lines = r.identification.readiness.flatMap((role) =>
      role.reasons.map((x) => `  ${role.role}: [${x.severity}] ${x.message}`),
    )
    if (lines.length > 0)
      text += terminalSafe(`\n${describe(byId.get(r.hostId)!)}:\n${[...new Set(lines)].join('\n')}\n`)
  }
  return text
}
