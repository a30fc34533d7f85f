import { AppError, toAppErrorData } from '../../../shared/errors'
import type { Host, HostIdentification, ProbeResult } from '../../../shared/types'
import type { HostInventory } from '../inventory/host-inventory'
import type { OperationContext } from '../operations/registry'
import type { SshService } from '../ssh/ssh-service'
import { identify } from './identification'
import { parseLeftovers, parseProbeOutput, type ProbeFacts } from './probe-output'
import { LEFTOVER_CHECK, probeScript } from './probe-script'
import { readiness, type Peer } from './readiness'

const PROBE_TIMEOUT_MS = 30_000
const SUDO_READ_TIMEOUT_MS = 20_000

/**
 * Identification over SSH: one script per host (one round trip), fanned out with ssh.runEach,
 * parsed into facts, then judged per role against the other hosts (duplicate machine-ids). The
 * result is stored on the host with its timestamp.
 */
export class IdentifyService {
  constructor(
    private readonly ssh: SshService,
    private readonly inventory: HostInventory,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async probe(hostIds: string[], ctx: OperationContext): Promise<ProbeResult[]> {
    // When each host's answer arrived: the remote clock was read just before (it is printed last).
    const arrivedAt = new Map<string, number>()
    const timed: OperationContext = {
      ...ctx,
      signal: ctx.signal,
      progress: (update) => {
        if (update.nodeId && !arrivedAt.has(update.nodeId)) arrivedAt.set(update.nodeId, Date.now())
        ctx.progress(update)
      },
      // The script and its raw output are parsed, not read: one short line per host instead of
      // ~60, so twenty hosts do not bury the operation's log (failures still come through).
      log: (line, nodeId) => {
        if (nodeId && !arrivedAt.has(nodeId)) {
          const echo = line.indexOf('$ LC_ALL=C')
          if (echo >= 0) ctx.log(`${line.slice(0, echo)}$ (identification script: one round trip)`, nodeId)
          return
        }
        ctx.log(line, nodeId)
      },
      throwIfCancelled: () => ctx.throwIfCancelled(),
    }
    const runs = await this.ssh.runEach(hostIds, probeScript(), { timeoutMs: PROBE_TIMEOUT_MS }, timed)
    const at = this.now()
    const found = new Map<string, Omit<HostIdentification, 'readiness'>>()
    const failures = new Map<string, { code: string; message: string }>()
    const parsed = new Map<string, ProbeFacts>()
    for (const run of runs) {
      if (!run.ok) {
        failures.set(run.id, { code: run.error.code, message: run.error.message })
        continue
      }
      try {
        const facts = parseProbeOutput(run.value.stdout.toString('utf8'))
        if (!facts.complete) {
          throw new AppError('COMMAND_FAILED', 'The host ended the identification early (its output was cut short).')
        }
        parsed.set(run.id, facts)
      } catch (error) {
        const data = toAppErrorData(error)
        failures.set(run.id, { code: data.code, message: data.message })
      }
    }
    await Promise.all([...parsed].map(([hostId, facts]) => this.#readWithSudo(hostId, facts, ctx)))
    for (const [hostId, facts] of parsed) {
      const offset = Number.isFinite(facts.remoteClockMs)
        ? facts.remoteClockMs - (arrivedAt.get(hostId) ?? Date.now())
        : NaN
      found.set(hostId, identify(facts, at, offset))
    }
    const stored = this.inventory.mutate((hosts) => withIdentifications(hosts, found))
    return runs.map((run): ProbeResult => {
      const failure = failures.get(run.id)
      if (failure) return { hostId: run.id, ok: false, error: failure }
      const identification = stored.find((h) => h.id === run.id)?.identification
      return identification
        ? { hostId: run.id, ok: true, identification }
        : { hostId: run.id, ok: false, error: { code: 'HOST_NOT_FOUND', message: 'The host was removed meanwhile.' } }
    })
  }

  /**
   * What the probe could not read as the user (no passwordless sudo), read again as root when this
   * session has the host's sudo password. Without it, or when sudo refuses, the paths stay
   * unchecked: never judged.
   */
  async #readWithSudo(hostId: string, facts: ProbeFacts, ctx: OperationContext): Promise<void> {
    if (facts.uncheckedPaths.length === 0 || !this.ssh.secrets.get('sudo', hostId)) return
    try {
      const result = await this.ssh.run(hostId, LEFTOVER_CHECK, { sudo: true, timeoutMs: SUDO_READ_TIMEOUT_MS }, ctx)
      if (result.exitCode !== 0) return
      const asRoot = parseLeftovers(result.stdout.toString('utf8'))
      const wanted = new Set(facts.uncheckedPaths)
      facts.leftoverPaths.push(...asRoot.leftoverPaths.filter((p) => wanted.has(p)))
      facts.uncheckedPaths = asRoot.uncheckedPaths.filter((p) => wanted.has(p))
    } catch (error) {
      ctx.log(`could not read ${facts.uncheckedPaths.join(', ')} with sudo: ${toAppErrorData(error).message}`, hostId)
    }
  }
}

function nameOf(host: Host): string {
  return host.label ?? host.discovery?.hostname ?? host.address
}

/**
 * Stores new identifications and recomputes every host's readiness, since a new probe can reveal a
 * clone of a host probed earlier.
 */
export function withIdentifications(
  hosts: Host[],
  found: ReadonlyMap<string, Omit<HostIdentification, 'readiness'>>,
): Host[] {
  const current = hosts.map((h) => ({ host: h, id: found.get(h.id) ?? h.identification }))
  return current.map(({ host, id }) => {
    if (!id) return host
    const peers: Peer[] = current
      .filter((o) => o.host.id !== host.id && o.id)
      .map((o) => ({ name: nameOf(o.host), machineId: o.id!.machineId }))
    return { ...host, identification: { ...id, readiness: readiness(id, peers) } }
  })
}
