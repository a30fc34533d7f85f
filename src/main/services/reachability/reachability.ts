import { connect, type Socket } from 'node:net'
import type { Host, ReachabilityResult } from '../../../shared/types'
import { fanOut } from '../operations/fan-out'
import type { OperationContext } from '../operations/registry'

export interface ReachabilityOptions {
  /** How long to wait for the connection and the SSH banner, per host. */
  timeoutMs?: number
  /** How many hosts to contact at once. */
  concurrency?: number
}

/**
 * Checks that each host answers on its SSH port with an SSH banner, without logging in: the first,
 * cheapest sign that an address is right. Hosts are checked in parallel (bounded); one host's
 * failure is its own result, not the operation's.
 */
export async function checkReachability(
  hosts: Host[],
  ctx: OperationContext,
  { timeoutMs = 5000, concurrency = 8 }: ReachabilityOptions = {},
): Promise<ReachabilityResult[]> {
  const results = await fanOut(
    hosts,
    async (host) => {
      ctx.progress({ step: `Contacting ${host.label ?? host.address}`, done: 0, total: 1, nodeId: host.id })
      const result = await probeBanner(host, timeoutMs, ctx.signal)
      ctx.log(
        result.reachable
          ? `${host.address}:${host.port} answered: ${result.banner}`
          : `${host.address}:${host.port}: ${result.reason}`,
        host.id,
      )
      return result
    },
    {
      concurrency,
      signal: ctx.signal,
      onDone: (result, done) => {
        // A check cut short by a cancel did not finish: the bar stays where the work stopped.
        if (ctx.signal.aborted) return
        const reachable = result.ok && result.value.reachable
        ctx.progress({ step: reachable ? 'Reachable' : 'Unreachable', done, total: hosts.length, nodeId: result.id })
        ctx.progress({ step: `${done} of ${hosts.length} checked`, done, total: hosts.length })
      },
    },
  )
  ctx.throwIfCancelled()
  // probeBanner never throws: every host has a value.
  return results.map((r) => (r.ok ? r.value : { hostId: r.id, reachable: false, reason: r.error.message }))
}

/** Connects, reads the server's identification line (RFC 4253 §4.2), and closes. */
export function probeBanner(host: Host, timeoutMs: number, signal?: AbortSignal): Promise<ReachabilityResult> {
  return new Promise((resolve) => {
    const started = performance.now()
    let buffer = ''
    let settled = false
    let latencyMs: number | undefined
    const socket: Socket = connect({ host: host.address, port: host.port })
    const finish = (result: Omit<ReachabilityResult, 'hostId'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve({ hostId: host.id, ...result })
    }
    const onAbort = () => finish({ reachable: false, reason: 'Cancelled.' })
    const timer = setTimeout(
      () => finish({ reachable: false, reason: `No answer within ${formatDuration(timeoutMs)}.` }),
      timeoutMs,
    )
    signal?.addEventListener('abort', onAbort, { once: true })
    socket.setEncoding('latin1')
    socket.on('connect', () => {
      latencyMs = Math.round(performance.now() - started)
    })
    socket.on('data', (chunk: string) => {
      buffer += chunk
      // Servers may send other lines before the identification line; it is the one starting "SSH-".
      const lines = buffer.split(/\r?\n/)
      const banner = lines.slice(0, -1).find((line) => line.startsWith('SSH-'))
      if (banner)
        finish({ reachable: true, banner: banner.slice(0, 255), ...(latencyMs !== undefined ? { latencyMs } : {}) })
      else if (buffer.length > 8192)
        finish({ reachable: false, reason: 'Something answers on that port, but it is not an SSH server.' })
    })
    socket.on('end', () =>
      finish({ reachable: false, reason: 'The connection was closed before an SSH banner arrived.' }),
    )
    socket.on('error', (error: NodeJS.ErrnoException) => finish({ reachable: false, reason: describeNetError(error) }))
  })
}

function describeNetError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'Connection refused: nothing listens on that port (is SSH enabled?).'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'No route to the host: is it on and on this network?'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'That name does not resolve: try the IP address.'
    case 'ETIMEDOUT':
      return 'The connection timed out.'
    default:
      return `Could not connect (${error.code ?? 'unknown error'}).`
  }
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`
}
