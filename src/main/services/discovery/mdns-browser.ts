import { Bonjour, type Browser } from 'bonjour-service'
import type { RawService } from './records'

/** The service types Flotilla browses (domain.md §9). */
export const BROWSED_TYPES = ['workstation', 'ssh', 'sftp-ssh', 'device-info'] as const

/** One IPv4 interface to browse on. */
export interface BrowseInterface {
  address: string
  netmask: string
}

/** What the browser reports; every callback is called inside a try/catch. */
export interface BrowserSink {
  /** A service instance read from an answer. */
  service(raw: RawService): void
  /** A service said goodbye (TTL 0); `fqdn` is its instance name. */
  goodbye(fqdn: string): void
  /** Any answer arrived from this source address (the responder is alive). */
  responder(address: string): void
  /** Socket or library trouble; never thrown. */
  error(error: unknown): void
}

/**
 * The parts of bonjour-service's Browser used here. Its packet parsing (PTR → SRV/TXT/A) is reused
 * but its own response listener is detached: it keeps every service forever, emits `up` only once
 * per name (so a host that comes back is never re-announced) and runs unguarded inside the socket's
 * message handler, where one odd packet would throw. The methods are private in its typings;
 * `mdns-browser.test.ts` checks they still exist.
 */
interface BrowserInternals {
  name: string
  txt: unknown
  stop(): void
  update(): void
  buildServicesFor(name: string, packet: unknown, txt: unknown, referer: unknown, now: number): RawService[]
  goodbyes(name: string, packet: unknown): string[]
}

interface MdnsSocket {
  on(event: string, listener: (...args: unknown[]) => void): void
  removeAllListeners(event: string): void
}

/**
 * One bonjour-service instance bound to one interface, with a browser per service type. Queries
 * go out on that interface; answers are parsed under a guard and handed to the sink.
 */
export class InterfaceBrowser {
  readonly #bonjour: Bonjour
  readonly #browsers: BrowserInternals[]
  #closed = false

  constructor(
    readonly iface: BrowseInterface,
    private readonly sink: BrowserSink,
  ) {
    // Bind to 0.0.0.0: a socket bound to a unicast address never receives multicast answers.
    this.#bonjour = new Bonjour({ interface: iface.address, bind: '0.0.0.0' } as object, (error: unknown) =>
      sink.error(error),
    )
    const mdns = (this.#bonjour as unknown as { server: { mdns: MdnsSocket } }).server.mdns
    mdns.on('error', (error) => sink.error(error))
    // Malformed packets end up here (multicast-dns cannot decode them): not our problem.
    mdns.on('warning', () => undefined)
    mdns.on('response', (packet, rinfo) => this.#onResponse(packet, rinfo))
    this.#browsers = BROWSED_TYPES.map((type) => {
      const browser = this.#bonjour.find({ type, protocol: 'tcp' }) as Browser & unknown
      const internals = browser as unknown as BrowserInternals
      internals.stop()
      return internals
    })
  }

  /** Sends one PTR query per service type. */
  query(): void {
    if (this.#closed) return
    for (const browser of this.#browsers) {
      try {
        browser.update()
      } catch (error) {
        this.sink.error(error)
      }
    }
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    try {
      this.#bonjour.destroy()
    } catch (error) {
      this.sink.error(error)
    }
  }

  #onResponse(packet: unknown, rinfo: unknown): void {
    try {
      const address = (rinfo as { address?: unknown } | undefined)?.address
      if (typeof address === 'string') this.sink.responder(address)
      const now = Date.now()
      for (const browser of this.#browsers) {
        for (const fqdn of browser.goodbyes(browser.name, packet)) this.sink.goodbye(String(fqdn))
        for (const raw of browser.buildServicesFor(browser.name, packet, browser.txt, rinfo, now))
          this.sink.service(raw)
      }
    } catch (error) {
      // A packet the parser chokes on is dropped; the next query gets a fresh answer.
      this.sink.error(error)
    }
  }
}
