import type { Client } from 'ssh2'
import { AppError } from '../../../shared/errors'
import type { SshTarget } from './connect'

/** Opens one connection; `timeoutMs` is what is left of the overall connect deadline. */
export type Opener = (target: SshTarget, signal: AbortSignal | undefined, timeoutMs: number) => Promise<Client>

export interface PoolOptions {
  /** Close a connection nobody used for this long. */
  idleMs?: number
  /**
   * Extra connection attempts after a quick network failure (refused, reset during the handshake),
   * within the connect deadline. Never after a timeout, an auth or a host-key failure.
   */
  retries?: number
  /** Opening a connection, every attempt and backoff included, ends within this. */
  connectTimeoutMs?: number
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

/**
 * Worth another attempt: the host answered but dropped us (sshd restarting, MaxStartups). A TIMEOUT
 * is not: a silent address or a frozen sshd would only make the user wait the same time again.
 */
const TRANSIENT = new Set(['UNREACHABLE', 'CONNECTION_LOST'])

/**
 * One SSH connection per host, shared by every step that touches it, closed when idle. A host
 * whose address, port or user changed gets a fresh connection. Opening retries quick network
 * failures with backoff, all within one deadline; it never retries a timeout or a refused login.
 */
export class SshPool {
  readonly #entries = new Map<string, Entry>()
  readonly #options: Required<PoolOptions>

  constructor(
    private readonly open: Opener,
    options: PoolOptions = {},
  ) {
    this.#options = {
      idleMs: 60_000,
      retries: 2,
      backoffMs: 500,
      maxChannels: 8,
      connectTimeoutMs: 10_000,
      ...options,
    }
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
    const deadline = Date.now() + this.#options.connectTimeoutMs
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.open(target, signal, Math.max(1, deadline - Date.now()))
      } catch (error) {
        const transient = error instanceof AppError && TRANSIENT.has(error.code)
        const backoff = this.#options.backoffMs * 2 ** attempt
        // A retry that could not finish before the deadline would only delay the error.
        const roomLeft = deadline - Date.now() - backoff > 1_000
        if (!transient || attempt >= this.#options.retries || !roomLeft || signal?.aborted) throw error
        await delay(backoff, signal)
      }
    }
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      // Removed either way: a listener left on a long-lived operation signal would pile up.
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}
