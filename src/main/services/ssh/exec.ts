import { randomBytes } from 'node:crypto'
import type { Client, ClientChannel } from 'ssh2'
import { AppError } from '../../../shared/errors'
import { redactKnownSecrets, type Secret } from '../secrets/secret'
import { quote, sh, type ShellCommand } from './shell-command'

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
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void
  /** Bytes for the command's stdin (not with sudo: there stdin carries the password). */
  stdin?: Buffer | string
}

export interface ExecResult {
  exitCode: number | null
  signal?: string
  stdout: Buffer
  stderr: string
}

const DEFAULT_TIMEOUT_MS = 120_000
const MAX_CAPTURE = 8 * 1024 * 1024

/**
 * Runs one command on an open connection and collects its output. Non-zero exit codes are results,
 * not errors (see `expectSuccess`); timeouts, cancels, lost connections and sudo refusals are.
 *
 * sudo: `sudo -S -k -p <random marker> -- sh -c 'exec </dev/null; <command>'`. The password is
 * written only when the marker shows up on stderr, i.e. only when sudo itself asks; the wrapped
 * command's stdin is /dev/null, so it can never read a password (the known pitfall when sudo does not
 * prompt). A second prompt means the password was wrong.
 */
export function exec(client: Client, command: ShellCommand, options: ExecOptions = {}): Promise<ExecResult> {
  const useSudo = options.sudo === true && options.isRoot !== true
  if (useSudo && options.stdin !== undefined) {
    return Promise.reject(new AppError('INTERNAL', 'A sudo command cannot take stdin: upload the data first.'))
  }
  const tag = randomBytes(8).toString('hex')
  const marker = `[flotilla-sudo-${tag}]`
  const pidMarker = `[flotilla-pid-${tag}]`
  const body = useSudo
    ? `sudo -S -k -p ${quote(marker)} -- sh -c ${quote(`exec </dev/null; ${command.text}`)}`
    : command.text
  // sshd starts each command in a session of its own, so this shell's PID is also its process
  // group: reporting it lets a cancel or timeout stop everything the command started.
  const text = `printf '%s %s\\n' ${quote(pidMarker)} "$$" >&2; ${body}`
  const pidLine = new RegExp(`^${pidMarker.replace(/[[\]]/g, '\\$&')} (\\d+)\\n`)
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS

  return new Promise<ExecResult>((resolve, reject) => {
    const stdout: Buffer[] = []
    let stdoutBytes = 0
    let stderr = ''
    let stderrHead = ''
    let pid: number | undefined
    let prompts = 0
    let exitCode: number | null = null
    let exitSignal: string | undefined
    let settled = false
    let channel: ClientChannel | undefined
    const lines = { stdout: '', stderr: '' }

    const emitLines = (stream: 'stdout' | 'stderr', chunk: string, flush = false) => {
      if (!options.onLine) return
      lines[stream] += chunk
      const parts = lines[stream].split(/\r?\n/)
      lines[stream] = flush ? '' : (parts.pop() ?? '')
      for (const line of flush ? parts.filter((l) => l !== '') : parts) options.onLine(stream, line)
    }
    const finish = (outcome: { error: AppError } | { result: ExecResult }) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      client.off('close', onClientClose)
      if ('error' in outcome) reject(outcome.error)
      else resolve(outcome.result)
    }
    /** Fails now, and stops the remote command in the background. */
    const stop = (error: AppError) => {
      if (settled) return
      finish({ error })
      if (pid !== undefined) {
        // TERM the command's process group, then KILL what is left. Through sudo when the command
        // ran through sudo: only root may signal sudo, which relays the signal to its command.
        // `env kill`: the external kill takes `--` and a negative PID (a group); dash's builtin does not.
        const kill = sh`env kill -TERM -- ${-pid} 2>/dev/null; sleep 2; env kill -KILL -- ${-pid} 2>/dev/null; true`
        const { sudo, sudoPassword, isRoot } = options
        exec(client, kill, { sudo, sudoPassword, isRoot, timeoutMs: 15_000 } as ExecOptions).catch(() => undefined)
      }
      channel?.close()
      // A connection that cannot even close a channel (unplugged link) is dead: end it, so the
      // pool opens a fresh one next time instead of queueing behind keepalive timeouts.
      setTimeout(() => {
        if (channel && !channelClosed) client.end()
      }, 3000).unref?.()
    }
    let channelClosed = false
    const timer = setTimeout(
      () =>
        stop(
          new AppError(
            'TIMEOUT',
            `The command did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.`,
          ),
        ),
      timeoutMs,
    )
    const onAbort = () => stop(new AppError('CANCELLED', 'The operation was cancelled.'))
    const onClientClose = () =>
      stop(new AppError('CONNECTION_LOST', 'The SSH connection dropped while the command ran.'))
    options.signal?.addEventListener('abort', onAbort, { once: true })
    client.once('close', onClientClose)
    if (options.signal?.aborted) return onAbort()

    client.exec(text, (error, stream) => {
      if (error) {
        return finish({
          error: new AppError('CONNECTION_LOST', `The host would not start the command: ${error.message}`),
        })
      }
      channel = stream
      if (settled) return void stream.close()
      stream.on('data', (chunk: Buffer) => {
        if (stdoutBytes < MAX_CAPTURE) stdout.push(chunk)
        stdoutBytes += chunk.length
        emitLines('stdout', chunk.toString('utf8'))
      })
      stream.stderr.on('data', (chunk: Buffer) => {
        let part = chunk.toString('utf8')
        if (pid === undefined) {
          // The PID line comes first; hold stderr back until it is complete.
          stderrHead += part
          const match = pidLine.exec(stderrHead)
          if (!match) return
          pid = Number(match[1])
          part = stderrHead.slice(match[0].length)
          stderrHead = ''
        }
        if (useSudo && part.includes(marker)) {
          prompts += part.split(marker).length - 1
          part = part.replaceAll(marker, '')
          if (prompts > 1) stop(new AppError('SUDO_AUTH_FAILED', 'sudo did not accept that password.'))
          else if (!options.sudoPassword)
            stop(new AppError('SUDO_PASSWORD_NEEDED', 'sudo on this host asks for a password.'))
          else stream.write(`${options.sudoPassword.reveal()}\n`)
        }
        if (stderr.length < MAX_CAPTURE) stderr += part
        emitLines('stderr', part)
      })
      stream.on('exit', (code: number | null, signalName?: string) => {
        exitCode = code
        if (signalName) exitSignal = signalName
      })
      stream.on('close', () => {
        channelClosed = true
        emitLines('stdout', '', true)
        emitLines('stderr', '', true)
        if (exitCode === null && exitSignal === undefined) {
          return finish({ error: new AppError('CONNECTION_LOST', 'The SSH connection dropped while the command ran.') })
        }
        const refusal = useSudo ? sudoRefusal(exitCode, stderr) : undefined
        if (refusal) return finish({ error: refusal })
        finish({
          result: {
            exitCode,
            ...(exitSignal ? { signal: exitSignal } : {}),
            stdout: Buffer.concat(stdout),
            stderr: stderr + stderrHead,
          },
        })
      })
      if (options.stdin !== undefined) stream.end(options.stdin)
    })
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
