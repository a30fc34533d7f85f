import { randomBytes } from 'node:crypto'
import { StringDecoder } from 'node:string_decoder'
import type { Client, ClientChannel } from 'ssh2'
import { AppError } from '../../../shared/errors'
import { redactKnownSecrets, type Secret } from '../secrets/secret'
import { assertFits, sh, verbatim, type ShellCommand } from './shell-command'

export type OutputStream = 'stdout' | 'stderr'

export interface ExecOptions {
  /** Run as root through sudo (ignored when logged in as root). */
  sudo?: boolean
  /** The sudo password, when the host's sudo asks for one. */
  sudoPassword?: Secret | undefined
  /** Whether the login user is root (then sudo is not used). */
  isRoot?: boolean
  timeoutMs?: number
  signal?: AbortSignal | undefined
  /** Complete output lines as they arrive (already stripped of the sudo prompt marker). */
  onLine?: (stream: OutputStream, line: string) => void
  /**
   * Output bytes as they arrive, unchanged and uncapped (stderr without Flotilla's own PID line and
   * sudo prompts): for callers that pass output on, like `flotilla ssh run`.
   */
  onData?: (stream: OutputStream, chunk: Buffer) => void
  /** Bytes for the command's stdin (not with sudo: there stdin carries the password). */
  stdin?: Buffer | string
  /** Bytes of each stream kept in the result (default 8 MiB); more is counted and flagged, not kept. */
  maxCapture?: number
  /** Fail (TIMEOUT) unless the command has started (its PID line came back) within this long. */
  startTimeoutMs?: number
}

export interface ExecResult {
  exitCode: number | null
  signal?: string
  stdout: Buffer
  stderr: string
  /** Bytes the command wrote to each stream, whether kept or not. */
  stdoutBytes: number
  stderrBytes: number
  /** stdout or stderr holds less than the command wrote (it went past `maxCapture`). */
  truncated: boolean
}

const DEFAULT_TIMEOUT_MS = 120_000
const MAX_CAPTURE = 8 * 1024 * 1024
/** How long stopping a command may take: TERM, a grace period, KILL, and the round trips. */
const KILL_TIMEOUT_MS = 10_000
/**
 * How long the kill may take to start. On a LAN it starts within a fraction of a second; a link
 * that cannot open a channel in this time is dead, and nothing more can be done over it.
 */
const KILL_START_TIMEOUT_MS = 2_000

/**
 * Runs one command on an open connection and collects its output. Non-zero exit codes are results,
 * not errors (see `expectSuccess`); timeouts, cancels, lost connections and sudo refusals are.
 *
 * sudo: `sudo -S -k -p <random marker> -- sh -c 'exec </dev/null; <command>'`. The password is
 * written only when the marker shows up on stderr, i.e. only when sudo itself asks; the wrapped
 * command's stdin is /dev/null, so it can never read a password (the known pitfall when sudo does not
 * prompt). A second prompt means the password was wrong. The command reaches `sh -c` through a
 * here-document (`verbatim`), not quoted a second time, so it is no bigger under sudo than without.
 *
 * Stopping (timeout, cancel): the command runs in a process group of its own (sshd starts each
 * command in a new session), whose id it reports first thing on stderr. A stop TERMs that group over
 * a second channel (through sudo when the command ran through sudo), KILLs what is left after a
 * grace period, and rejects only once the group is gone. An SSH `signal` request would reach at most
 * the session's shell (sshd signals one PID, not the group, and a user's sshd cannot signal root's
 * sudo), and closing the channel leaves a command that writes nothing running.
 */
export function exec(client: Client, command: ShellCommand, options: ExecOptions = {}): Promise<ExecResult> {
  const useSudo = options.sudo === true && options.isRoot !== true
  if (useSudo && options.stdin !== undefined) {
    return Promise.reject(new AppError('INTERNAL', 'A sudo command cannot take stdin: upload the data first.'))
  }
  const tag = randomBytes(8).toString('hex')
  const marker = `[flotilla-sudo-${tag}]`
  const pidMarker = `[flotilla-pid-${tag}]`
  const body = useSudo ? sh`sudo -S -k -p ${marker} -- sh -c ${verbatim(sh`exec </dev/null; ${command}`)}` : command
  // sshd starts each command in a session of its own, so this shell's PID is also its process
  // group: reporting it lets a cancel or timeout stop everything the command started.
  const wrapped = sh`printf '%s %s\\n' ${pidMarker} "$$" >&2; ${body}`
  try {
    assertFits(wrapped)
  } catch (error) {
    return Promise.reject(error)
  }
  // Not necessarily first: a login shell's rc file may print to stderr before the command runs.
  const pidLine = new RegExp(`(^|\\n)${pidMarker.replace(/[[\]]/g, '\\$&')} (\\d+)\\n`)
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxCapture = options.maxCapture ?? MAX_CAPTURE

  return new Promise<ExecResult>((resolve, reject) => {
    const kept = { stdout: [] as Buffer[], stderr: [] as Buffer[] }
    const counted = { stdout: 0, stderr: 0 }
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') }
    const lines = { stdout: '', stderr: '' }
    let stderrHead = ''
    let pid: number | undefined
    let prompts = 0
    let exitCode: number | null = null
    let exitSignal: string | undefined
    let settled = false
    let stopping = false
    let channelClosed = false
    let channel: ClientChannel | undefined

    const emitLines = (stream: OutputStream, text: string, flush = false) => {
      if (!options.onLine) return
      lines[stream] += text
      const parts = lines[stream].split(/\r?\n/)
      lines[stream] = flush ? '' : (parts.pop() ?? '')
      for (const line of flush ? parts.filter((l) => l !== '') : parts) options.onLine(stream, line)
    }
    /** One piece of output: kept up to the cap, counted always, passed on unchanged. */
    const output = (stream: OutputStream, chunk: Buffer) => {
      if (chunk.length === 0) return
      const room = maxCapture - counted[stream]
      if (room > 0) kept[stream].push(room >= chunk.length ? chunk : chunk.subarray(0, room))
      counted[stream] += chunk.length
      options.onData?.(stream, chunk)
      emitLines(stream, decoders[stream].write(chunk))
    }
    const finish = (outcome: { error: AppError } | { result: ExecResult }) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(startTimer)
      options.signal?.removeEventListener('abort', onAbort)
      client.off('close', onClientClose)
      if ('error' in outcome) reject(outcome.error)
      else resolve(outcome.result)
    }
    /**
     * Fails, after stopping the remote command when `kill` (a timeout or cancel; not after a sudo
     * refusal, where closing the channel ends sudo, nor after the connection is gone).
     */
    const stop = (error: AppError, kill: boolean) => {
      if (settled || stopping) return
      stopping = true
      clearTimeout(timer)
      const stopped = kill
        ? started()
            .then(() => (pid !== undefined && !channelClosed ? killGroup(client, pid, options) : undefined))
            .catch((killError: unknown) => {
              // Not even the kill could start: the link is dead. Drop the connection now, so no
              // later command queues on it (the pool forgets a closed connection).
              if (killError instanceof AppError && killError.details?.notStarted === true) client.destroy()
            })
        : Promise.resolve()
      void stopped.then(() => {
        channel?.close()
        finish({ error })
        // A connection that cannot even close a channel (unplugged link) is dead: end it, so the
        // pool opens a fresh one next time instead of queueing behind keepalive timeouts.
        setTimeout(() => {
          if (channel && !channelClosed) client.end()
        }, 3000).unref?.()
      })
    }
    /**
     * Resolves once the command's PID is known, or it ended, or it did not start in time: a stop
     * that came while the command was starting must still find what to kill.
     */
    let onStarted: (() => void) | undefined
    const started = () =>
      new Promise<void>((resolve) => {
        if (pid !== undefined || channelClosed) return resolve()
        onStarted = resolve
        setTimeout(resolve, KILL_START_TIMEOUT_MS).unref?.()
      })
    const timer = setTimeout(
      () =>
        stop(
          new AppError(
            'TIMEOUT',
            `The command did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.`,
          ),
          true,
        ),
      timeoutMs,
    )
    const startTimer =
      options.startTimeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            if (pid !== undefined) return
            const seconds = Math.round((options.startTimeoutMs ?? 0) / 1000)
            stop(
              new AppError('TIMEOUT', `The host did not start the command within ${seconds} s.`, { notStarted: true }),
              false,
            )
          }, options.startTimeoutMs)
    const onAbort = () => stop(new AppError('CANCELLED', 'The operation was cancelled.'), true)
    const onClientClose = () =>
      stop(new AppError('CONNECTION_LOST', 'The SSH connection dropped while the command ran.'), false)
    options.signal?.addEventListener('abort', onAbort, { once: true })
    client.once('close', onClientClose)
    if (options.signal?.aborted) return finish({ error: new AppError('CANCELLED', 'The operation was cancelled.') })

    client.exec(wrapped.text, (error, stream) => {
      if (error) {
        if (stopping) {
          // Stopped before it started: nothing runs that needs killing.
          channelClosed = true
          return onStarted?.()
        }
        return finish({
          error: new AppError('CONNECTION_LOST', `The host would not start the command: ${error.message}`),
        })
      }
      channel = stream
      // While stopping, the command is still listened to: its PID line tells what to kill.
      if (settled) return void stream.close()
      stream.on('data', (chunk: Buffer) => output('stdout', chunk))
      stream.stderr.on('data', (chunk: Buffer) => {
        // latin1 maps bytes to characters one to one: the markers are found and cut without
        // touching any other byte of the command's stderr.
        let part = chunk.toString('latin1')
        if (pid === undefined) {
          // The PID line comes before the command's own output; hold stderr back until it is
          // complete. What came before it (a banner) is the host's stderr too.
          stderrHead += part
          const match = pidLine.exec(stderrHead)
          if (!match) return
          pid = Number(match[2])
          onStarted?.()
          part = stderrHead.slice(0, match.index) + match[1] + stderrHead.slice(match.index + match[0].length)
          stderrHead = ''
        }
        if (useSudo && part.includes(marker)) {
          prompts += part.split(marker).length - 1
          part = part.replaceAll(marker, '')
          if (prompts > 1) stop(new AppError('SUDO_AUTH_FAILED', 'sudo did not accept that password.'), false)
          else if (!options.sudoPassword)
            stop(new AppError('SUDO_PASSWORD_NEEDED', 'sudo on this host asks for a password.'), false)
          else stream.write(`${options.sudoPassword.reveal()}\n`)
        }
        output('stderr', Buffer.from(part, 'latin1'))
      })
      stream.on('exit', (code: number | null, signalName?: string) => {
        exitCode = code
        if (signalName) exitSignal = signalName
      })
      stream.on('close', () => {
        channelClosed = true
        onStarted?.()
        // Whatever came before a missing PID line (the login shell failing early) is stderr too.
        output('stderr', Buffer.from(stderrHead, 'latin1'))
        stderrHead = ''
        emitLines('stdout', decoders.stdout.end(), true)
        emitLines('stderr', decoders.stderr.end(), true)
        if (stopping) return
        if (exitCode === null && exitSignal === undefined) {
          return finish({ error: new AppError('CONNECTION_LOST', 'The SSH connection dropped while the command ran.') })
        }
        const stderr = Buffer.concat(kept.stderr).toString('utf8')
        const refusal = useSudo ? sudoRefusal(exitCode, stderr) : undefined
        if (refusal) return finish({ error: refusal })
        finish({
          result: {
            exitCode,
            ...(exitSignal ? { signal: exitSignal } : {}),
            stdout: Buffer.concat(kept.stdout),
            stderr,
            stdoutBytes: counted.stdout,
            stderrBytes: counted.stderr,
            truncated: counted.stdout > maxCapture || counted.stderr > maxCapture,
          },
        })
      })
      if (options.stdin !== undefined) stream.end(options.stdin)
    })
  })
}

/**
 * Stops a command's process group: TERM, up to 3 s for it to go, then KILL, and waits (bounded)
 * until nothing of the group is left. Through sudo when the command ran through sudo (only root may
 * signal root's processes; sudo relays the signal to its command). `env kill`: the external kill
 * takes `--` and a negative PID (a group), dash's builtin does not.
 */
async function killGroup(client: Client, pid: number, options: ExecOptions): Promise<void> {
  const group = -pid
  const script = sh`env kill -TERM -- ${group} 2>/dev/null || exit 0; n=0; while env kill -0 -- ${group} 2>/dev/null; do n=$((n + 1)); if [ "$n" = 30 ]; then env kill -KILL -- ${group} 2>/dev/null; fi; if [ "$n" -gt 60 ]; then exit 1; fi; sleep 0.1; done`
  await exec(client, script, {
    sudo: options.sudo === true,
    sudoPassword: options.sudoPassword,
    isRoot: options.isRoot === true,
    timeoutMs: KILL_TIMEOUT_MS,
    startTimeoutMs: KILL_START_TIMEOUT_MS,
  })
}

/** sudo's own refusals, recognised by its messages (exit code 1 is also the command's). */
function sudoRefusal(exitCode: number | null, stderr: string): AppError | undefined {
  if (/is not in the sudoers file|is not allowed to (run|execute) sudo|may not run sudo/i.test(stderr)) {
    return new AppError('SUDO_NOT_ALLOWED', 'This user may not use sudo on this host.')
  }
  if (exitCode === 127 && /sudo: (command )?not found/i.test(stderr)) {
    return new AppError('SUDO_NOT_ALLOWED', 'sudo is not installed on this host.')
  }
  return undefined
}

/** Throws COMMAND_FAILED (with the end of stderr, secrets masked) unless the command exited 0. */
export function expectSuccess(result: ExecResult, what: string): ExecResult {
  if (result.exitCode === 0) return result
  // Masked before it is cut (a cut secret is no longer recognisable): this text reaches the UI.
  const tail = redactKnownSecrets(result.stderr.trim().split('\n').slice(-5).join('\n')).slice(-800)
  throw new AppError(
    'COMMAND_FAILED',
    `${what} failed (exit ${result.exitCode ?? result.signal ?? '?'})${tail ? `: ${tail}` : '.'}`,
    {
      exitCode: result.exitCode,
      stderr: tail,
    },
  )
}
