import type { Client } from 'ssh2'
import { AppError } from '../../../shared/errors'
import type { SshTarget } from './connect'

export type Opener = (target: SshTarget, signal?: AbortSignal) => Promise<Client>

export interface PoolOptions {
  /** Close a connection nobody used for this long. */
  idleMs?: number
  /** Extra connection attempts after a network failure (not after auth or host-key failures). */
  retries?: number
  /** First backoff delay; doubles each retry. */
  backoffMs?: number
  /** Channels at once on one connection (sshd's MaxSessions is 10). */
  maxChannels?: number
}

interface Entry {
  key: string
  client: Promise<Client>
  active: number
  waiters: (() => void)[]
  idle?: NodeJS.Timeout
}

const TRANSIENT = new Set(['UNREACHABLE', 'TIMEOUT', 'CONNECTION_LOST'])

/**
 * One SSH connection per host, shared by every step that touches it, closed when idle. A host
 * whose address, port or user changed gets a fresh connection. Opening retries network failures
 * with backoff; it never retries a refused key or password.
 */
export class SshPool {
  readonly #entries = new Map<string, Entry>()
  readonly #options: Required<PoolOptions>

  constructor(
    private readonly open: Opener,
    options: PoolOptions = {},
  ) {
    this.#options = { idleMs: 60_000, retries: 2, backoffMs: 500, maxChannels: 8, ...options }
  }

  /** Runs `work` with the host's connection, holding one of its channel slots meanwhile. */
  async use<T>(target: SshTarget, work: (client: Client) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const entry = this.#entry(target, signal)
    clearTimeout(entry.idle)
    while (entry.active >= this.#options.maxChannels) await new Promise<void>((r) => entry.waiters.push(r))
    entry.active++
    try {
      return await work(await entry.client)
    } finally {
      entry.active--
      entry.waiters.shift()?.()
      if (entry.active === 0 && this.#entries.get(target.hostId) === entry) {
        entry.idle = setTimeout(() => this.drop(target.hostId), this.#options.idleMs)
        entry.idle.unref?.()
      }
    }
  }

  /** Closes a host's connection (before a reboot, after its key or credentials changed). */
  drop(hostId: string): void {
    const entry = this.#entries.get(hostId)
    if (!entry) return
    this.#entries.delete(hostId)
    clearTimeout(entry.idle)
    entry.client.then((c) => c.end()).catch(() => undefined)
  }

  closeAll(): void {
    for (const hostId of [...this.#entries.keys()]) this.drop(hostId)
  }

  get size(): number {
    return this.#entries.size
  }

  #entry(target: SshTarget, signal?: AbortSignal): Entry {
    const key = `${target.address}|${target.port}|${target.user}|${target.pinned?.fingerprint ?? ''}`
    const existing = this.#entries.get(target.hostId)
    if (existing && existing.key === key) return existing
    if (existing) this.drop(target.hostId)
    const entry: Entry = { key, active: 0, waiters: [], client: this.#openWithRetry(target, signal) }
    this.#entries.set(target.hostId, entry)
    entry.client.then(
      (client) =>
        client.once('close', () => this.#entries.get(target.hostId) === entry && this.#entries.delete(target.hostId)),
      () => this.#entries.get(target.hostId) === entry && this.#entries.delete(target.hostId),
    )
    return entry
  }

  async #openWithRetry(target: SshTarget, signal?: AbortSignal): Promise<Client> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.open(target, signal)
      } catch (error) {
        const transient = error instanceof AppError && TRANSIENT.has(error.code)
        if (!transient || attempt >= this.#options.retries || signal?.aborted) throw error
        await delay(this.#options.backoffMs * 2 ** attempt, signal)
      }
    }
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })
}
