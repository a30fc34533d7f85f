import { AppError } from '../../../shared/errors'
import type { RebootResult } from '../../../shared/types'

/** What reboot-and-wait needs from the SSH service, so it can be tested on its own. */
export interface RebootDeps {
  /** Current boot id; throws when the host cannot be reached. */
  bootId(signal: AbortSignal): Promise<string>
  /** Issue the reboot (returns once the command was sent; the connection may drop). */
  issueReboot(signal: AbortSignal): Promise<void>
  /** Forget pooled connections to the host. */
  dropConnection(): void
  progress(step: string): void
  now?: () => number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

export interface RebootOptions {
  /** Give up after this long. */
  timeoutMs?: number
  signal: AbortSignal
}

/**
 * Reboots a host and waits for it: read the boot id, issue the reboot, then poll SSH (with the
 * same host-key check as every connection, so an impostor answering on the address fails) until
 * a different boot id answers. Polling backs off 1, 2, 4, then every 5 seconds.
 */
export async function rebootAndWait(
  deps: RebootDeps,
  { timeoutMs = 300_000, signal }: RebootOptions,
): Promise<RebootResult> {
  const now = deps.now ?? Date.now
  const sleep = deps.sleep ?? defaultSleep
  const before = await deps.bootId(signal)
  deps.progress('Rebooting')
  const started = now()
  await deps.issueReboot(signal).catch((error: unknown) => {
    // The connection dropping under the reboot command is the expected outcome, not a failure.
    if (!(error instanceof AppError && error.code === 'CONNECTION_LOST')) throw error
  })
  deps.dropConnection()
  let wait = 1000
  while (now() - started < timeoutMs) {
    if (signal.aborted) throw new AppError('CANCELLED', 'The operation was cancelled.')
    await sleep(wait, signal)
    wait = Math.min(wait * 2, 5000)
    const elapsed = Math.round((now() - started) / 1000)
    deps.progress(`Waiting for SSH (${elapsed} s)`)
    let after: string
    try {
      after = await deps.bootId(signal)
    } catch (error) {
      if (error instanceof AppError && (error.code === 'HOST_KEY_CHANGED' || error.code === 'HOST_KEY_UNKNOWN'))
        throw error
      deps.dropConnection()
      continue
    }
    if (after !== before) {
      deps.progress('Back up')
      return { bootIdBefore: before, bootIdAfter: after, seconds: Math.round((now() - started) / 100) / 10 }
    }
    // Same boot id: the reboot has not begun yet (or the connection outlived it); ask again.
    deps.dropConnection()
  }
  throw new AppError(
    'REBOOT_TIMEOUT',
    `The host did not come back within ${Math.round(timeoutMs / 1000)} s after the reboot.`,
  )
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })
}
