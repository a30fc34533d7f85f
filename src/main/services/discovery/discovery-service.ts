import { networkInterfaces } from 'node:os'
import { connect } from 'node:net'
import type { HostDiscovery } from '../../../shared/types'
import type { Logger } from '../log/logger'
import type { OperationContext } from '../operations/registry'
import { InterfaceBrowser, type BrowseInterface, type BrowserSink } from './mdns-browser'
import {
  LIMITS,
  inSubnet,
  mergeRecord,
  presenceAt,
  recordFrom,
  rememberedEntry,
  toHostDiscovery,
  type DiscoveryEntry,
  type RawService,
} from './records'

export interface DiscoveryOptions {
  /** Interfaces to browse on (default: every non-internal IPv4 interface). */
  interfaces?: () => BrowseInterface[]
  /** Delays between the first queries: a single query misses hosts (lab.md). */
  backoffMs?: readonly number[]
  /** Then one query every this often. */
  steadyMs?: number
  /** Quiet for this long: stale; for this long: gone (removed). */
  staleMs?: number
  goneMs?: number
  /** How long the SSH port check of a new host may take. */
  sshCheckTimeoutMs?: number
  /** A refused or silent SSH port is checked again after this long (SSH switched on later). */
  sshRecheckMs?: number
  /** The clock (tests age entries without waiting a minute). */
  now?: () => number
  /** Builds the per-interface browser (tests swap it). */
  createBrowser?: (iface: BrowseInterface, sink: BrowserSink) => Pick<InterfaceBrowser, 'query' | 'close'>
}

/** Receives batches of changes (at most every FLUSH_MS). */
export type DiscoveryListener = (changed: HostDiscovery[], gone: HostDiscovery[]) => void

const FLUSH_MS = 50
const TICK_MS = 500
const MAX_SSH_CHECKS = 8

/** Every non-internal IPv4 interface address: mDNS sends on one interface per socket. */
export function usableInterfaces(): BrowseInterface[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i && i.family === 'IPv4' && !i.internal)
    .map((i) => ({ address: i!.address, netmask: i!.netmask }))
}

/**
 * mDNS discovery: while at least one scan runs, one browser per usable IPv4 interface queries
 * for the Pi/MicroOS service types on a backoff (1, 2, 4, 8 s, then steady), merges the answers
 * into one entry per machine, checks whether its SSH port answers (the announced port, again when
 * the address or port changes), and lets entries go stale, then gone, when they stop answering:
 * also the machines earlier runs found, which a scan is given to remember. Nothing in here throws into the event loop: every network
 * callback is guarded and the tables are bounded.
 */
export class DiscoveryService {
  readonly #entries = new Map<string, DiscoveryEntry>()
  readonly #listeners = new Set<DiscoveryListener>()
  readonly #dirty = new Set<string>()
  readonly #gone: HostDiscovery[] = []
  #browsers: Pick<InterfaceBrowser, 'query' | 'close'>[] = []
  #interfaces: BrowseInterface[] = []
  #sessions = 0
  /** When the browsers opened (ageing counts listening time: see presenceAt). */
  #listeningSince = 0
  #timers: NodeJS.Timeout[] = []
  #flushTimer: NodeJS.Timeout | undefined
  #sshChecks = 0
  #errors = 0
  readonly #o: Required<DiscoveryOptions>

  constructor(
    private readonly log: Logger,
    options: DiscoveryOptions = {},
  ) {
    this.#o = {
      interfaces: options.interfaces ?? usableInterfaces,
      backoffMs: options.backoffMs ?? [1000, 2000, 4000, 8000],
      steadyMs: options.steadyMs ?? 10_000,
      staleMs: options.staleMs ?? 25_000,
      goneMs: options.goneMs ?? 60_000,
      sshCheckTimeoutMs: options.sshCheckTimeoutMs ?? 1500,
      sshRecheckMs: options.sshRecheckMs ?? 15_000,
      now: options.now ?? Date.now,
      createBrowser: options.createBrowser ?? ((iface, sink) => new InterfaceBrowser(iface, sink)),
    }
  }

  /** Subscribes to batches of changes; returns the unsubscribe function. */
  onChange(listener: DiscoveryListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  get scanning(): boolean {
    return this.#sessions > 0
  }

  /** What is known now. */
  snapshot(): HostDiscovery[] {
    return [...this.#entries.values()].map(toHostDiscovery)
  }

  /**
   * How the machines earlier runs found (the host list keeps them) stand now, while no scan
   * listens: nobody ages them then, and one switched off half an hour ago would still read "live".
   * The same rule as a scan's ageing, from the last-seen time alone (see presenceAt): stale once
   * quiet for `staleMs`, gone once quiet for `goneMs`. Presence only goes down here (back to live
   * takes an answer); a time that does not parse is left as it is. Nothing while scanning: the
   * scan's own ageing decides then.
   */
  presenceNow(known: readonly HostDiscovery[]): { changed: HostDiscovery[]; gone: HostDiscovery[] } {
    const changed: HostDiscovery[] = []
    const gone: HostDiscovery[] = []
    if (this.scanning) return { changed, gone }
    const now = this.#o.now()
    const rank = { live: 0, stale: 1, gone: 2 } as const
    for (const d of known) {
      const lastSeen = Date.parse(d.lastSeenAt)
      if (d.presence === 'gone' || !Number.isFinite(lastSeen)) continue
      const presence = presenceAt({ lastSeen }, now, this.#o.staleMs, this.#o.goneMs)
      if (rank[presence] <= rank[d.presence]) continue
      if (presence === 'gone') gone.push({ ...d, presence })
      else changed.push({ ...d, presence })
    }
    return { changed, gone }
  }

  /**
   * Browses for `durationMs` (until cancelled) and returns the keys of the machines that answered
   * during the scan. Scans may overlap; the browsers stay open until the last one ends. `known` are
   * the machines earlier runs found (from the host list): they age like the others, so one that is
   * off goes stale and then gone instead of staying "live" forever. With no interface to browse on
   * it returns at once (`interfaces` empty).
   */
  async scan(
    durationMs: number,
    ctx: OperationContext,
    known: readonly HostDiscovery[] = [],
  ): Promise<{ keys: string[]; interfaces: string[] }> {
    const started = this.#o.now()
    this.#remember(known)
    this.#start()
    try {
      const interfaces = this.#interfaces.map((i) => i.address)
      if (interfaces.length === 0) {
        // Nothing to browse on: waiting out the scan time could not find anything (the caller says so).
        ctx.log('no interface to browse mDNS on (no IPv4 network found)')
        return { keys: [], interfaces }
      }
      ctx.log(`browsing mDNS on ${interfaces.join(', ')}`)
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          clearInterval(progress)
          ctx.signal.removeEventListener('abort', done)
          resolve()
        }
        const timer = setTimeout(done, durationMs)
        const progress = setInterval(() => {
          // Seconds, so the progress bar reads "3/10" rather than milliseconds.
          const seen = this.#seenSince(started).length
          const elapsed = Math.min(durationMs, this.#o.now() - started)
          ctx.progress({ step: `${seen} found`, done: Math.floor(elapsed / 1000), total: Math.ceil(durationMs / 1000) })
        }, 250)
        ctx.signal.addEventListener('abort', done, { once: true })
      })
      this.#flush()
      return { keys: this.#seenSince(started), interfaces }
    } finally {
      this.#stop()
    }
  }

  /** Stops everything (app quit). */
  close(): void {
    this.#sessions = 0
    this.#teardown()
  }

  #remember(known: readonly HostDiscovery[]): void {
    for (const d of known) {
      if (d.presence === 'gone' || this.#entries.has(d.key) || this.#entries.size >= LIMITS.entries) continue
      this.#entries.set(d.key, rememberedEntry(d))
    }
  }

  #seenSince(t: number): string[] {
    return [...this.#entries.values()].filter((e) => e.lastSeen >= t).map((e) => e.key)
  }

  #start(): void {
    if (this.#sessions++ > 0) {
      // A new scan while browsing: ask again now (answers to a fresh query are not suppressed).
      this.#queryAll()
      return
    }
    this.#interfaces = this.#o.interfaces()
    this.#listeningSince = this.#o.now()
    const sink = this.#sink()
    for (const iface of this.#interfaces) {
      try {
        this.#browsers.push(this.#o.createBrowser(iface, sink))
      } catch (error) {
        this.log.warn(`mDNS: cannot browse on ${iface.address}: ${String(error)}`)
      }
    }
    // The first tick (after TICK_MS) ages what did not answer yet; not at once, so machines that
    // answer the first query within milliseconds do not flash "stale" first.
    this.#queryAll()
    let at = 0
    for (const delay of this.#o.backoffMs) {
      at += delay
      this.#timers.push(setTimeout(() => this.#queryAll(), at))
    }
    this.#timers.push(
      setTimeout(() => this.#timers.push(setInterval(() => this.#queryAll(), this.#o.steadyMs)), at),
      setInterval(() => this.#tick(), TICK_MS),
    )
  }

  #stop(): void {
    if (--this.#sessions > 0) return
    this.#sessions = 0
    this.#teardown()
  }

  #teardown(): void {
    for (const t of this.#timers) clearTimeout(t)
    this.#timers = []
    for (const b of this.#browsers) b.close()
    this.#browsers = []
  }

  #queryAll(): void {
    for (const b of this.#browsers) b.query()
  }

  #sink(): BrowserSink {
    return {
      service: (raw) => this.#guard(() => this.#onService(raw)),
      goodbye: (fqdn) => this.#guard(() => this.#onGoodbye(fqdn)),
      responder: (address) => this.#guard(() => this.#onResponder(address)),
      error: (error) => {
        // Rate-limited: a flood must not turn into a flood of log lines.
        if (this.#errors++ < 20) this.log.warn(`mDNS: ${error instanceof Error ? error.message : String(error)}`)
      },
    }
  }

  #guard(fn: () => void): void {
    try {
      fn()
    } catch (error) {
      if (this.#errors++ < 20) this.log.warn(`mDNS: ignored an answer: ${String(error)}`)
    }
  }

  #accepts(address: string): boolean {
    // Only addresses on a browsed subnet: an answer cannot send Flotilla (or its SSH check) elsewhere.
    return this.#interfaces.some((i) => inSubnet(address, i.address, i.netmask))
  }

  #onService(raw: RawService): void {
    const record = recordFrom(raw, (a) => this.#accepts(a))
    if (!record) return
    const entry = mergeRecord(this.#entries, record, this.#o.now())
    if (!entry) return
    this.#markDirty(entry.key)
    this.#checkSsh(entry)
  }

  #onGoodbye(fqdn: string): void {
    const lower = fqdn.toLowerCase()
    for (const entry of this.#entries.values()) {
      const before = entry.services.length
      entry.services = entry.services.filter((s) => `${s.name}.${s.type}.local`.toLowerCase() !== lower)
      if (entry.services.length === before) continue
      if (entry.services.length === 0) {
        // Said goodbye for everything: stale now, gone after the usual wait.
        entry.lastSeen = Math.min(entry.lastSeen, this.#o.now() - this.#o.staleMs)
        entry.presence = 'stale'
      }
      this.#markDirty(entry.key)
    }
  }

  #onResponder(address: string): void {
    const now = this.#o.now()
    for (const entry of this.#entries.values()) {
      if (!entry.addresses.includes(address) || entry.services.length === 0) continue
      entry.lastSeen = now
      if (entry.presence !== 'live') {
        entry.presence = 'live'
        this.#markDirty(entry.key)
      }
    }
  }

  #tick(): void {
    const now = this.#o.now()
    for (const entry of [...this.#entries.values()]) {
      const presence = presenceAt(entry, now, this.#o.staleMs, this.#o.goneMs, this.#listeningSince)
      if (presence === entry.presence) continue
      entry.presence = presence
      if (presence === 'gone') {
        this.#entries.delete(entry.key)
        this.#dirty.delete(entry.key)
        this.#gone.push(toHostDiscovery(entry))
        this.#scheduleFlush()
      } else this.#markDirty(entry.key)
    }
  }

  /**
   * Checks that the SSH port answers: the port announced with _ssh._tcp/_sftp-ssh._tcp, else 22
   * (Pi OS announces only _workstation._tcp). A later record with another port or address (they
   * arrive in any order) checks again, and a failed check is repeated after `sshRecheckMs`.
   */
  #checkSsh(entry: DiscoveryEntry): void {
    const address = entry.addresses[0]
    if (!address) return
    const port = entry.sshPort ?? 22
    const target = `${address}:${port}`
    if (entry.sshTarget === target) {
      const recheck =
        !entry.sshChecking &&
        entry.sshReachable === false &&
        this.#o.now() - (entry.sshCheckedAt ?? 0) >= this.#o.sshRecheckMs
      if (!recheck) return
    }
    // Too many at once (a flood): the next answer of this machine tries again.
    if (this.#sshChecks >= MAX_SSH_CHECKS) return
    this.#sshChecks++
    entry.sshTarget = target
    entry.sshChecking = true
    const socket = connect({ host: address, port, timeout: this.#o.sshCheckTimeoutMs })
    let settled = false
    const finish = (reachable: boolean, reason?: string) => {
      if (settled) return
      settled = true
      this.#sshChecks--
      socket.destroy()
      // A newer check (other port or address) decides; this answer is about a target left behind.
      if (entry.sshTarget !== target) return
      entry.sshChecking = false
      entry.sshCheckedAt = this.#o.now()
      entry.sshReachable = reachable
      if (reason) entry.sshReason = reason
      else delete entry.sshReason
      if (this.#entries.get(entry.key) === entry) this.#markDirty(entry.key)
    }
    socket.once('connect', () => finish(true))
    socket.once('timeout', () => finish(false, `SSH on port ${port} does not answer (timed out)`))
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish(
        false,
        error.code === 'ECONNREFUSED'
          ? `SSH is off: port ${port} refuses connections (enable SSH on the machine)`
          : `SSH on port ${port} is unreachable (${error.code ?? error.message})`,
      ),
    )
  }

  #markDirty(key: string): void {
    this.#dirty.add(key)
    this.#scheduleFlush()
  }

  #scheduleFlush(): void {
    this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS)
  }

  #flush(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer)
    this.#flushTimer = undefined
    const changed = [...this.#dirty].flatMap((k) => {
      const e = this.#entries.get(k)
      return e ? [toHostDiscovery(e)] : []
    })
    const gone = this.#gone.splice(0)
    this.#dirty.clear()
    if (changed.length === 0 && gone.length === 0) return
    for (const listener of this.#listeners) {
      try {
        listener(changed, gone)
      } catch (error) {
        this.log.warn(`discovery: a listener failed: ${String(error)}`)
      }
    }
  }
}
