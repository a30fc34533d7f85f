import { isUtf8 } from 'node:buffer'
import { StringDecoder } from 'node:string_decoder'
import type { Client } from 'ssh2'
import { AppError } from '../../../shared/errors'
import type { Host, HostKeyScan, RebootResult, RunResult, SshCheckResult, SshSecretKind } from '../../../shared/types'
import { parseLoginCheck } from '../identify/probe-output'
import { loginCheckScript } from '../identify/probe-script'
import type { HostInventory } from '../inventory/host-inventory'
import type { Logger } from '../log/logger'
import { fanOut, type FanOutResult } from '../operations/fan-out'
import type { OperationContext, SecretNeed } from '../operations/registry'
import { Secret, type Redactor } from '../secrets/secret'
import { connect, scanHostKey, type SshTarget } from './connect'
import { exec, expectSuccess, type ExecOptions, type ExecResult, type OutputStream } from './exec'
import { fingerprintOf, pinnedFrom, sameKey } from './host-key'
import { findKnownKeys, readKnownHosts } from './known-hosts'
import { rebootAndWait } from './reboot'
import { readRemoteFile, uploadFile, type UploadOptions } from './remote-files'
import { SessionSecrets } from './session-secrets'
import { argv, sh, type ShellCommand } from './shell-command'
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  defaultPublicKey,
  knownHostsFiles,
  resolveHost,
  type SshEnvironment,
} from './ssh-environment'
import { SshPool, type PoolOptions } from './ssh-pool'

export interface SshServiceOptions {
  inventory: HostInventory
  redactor: Redactor
  log: Logger
  environment: SshEnvironment
  pool?: PoolOptions
  /** Overall deadline for opening a connection (default: the environment's, else 10 s). */
  connectTimeoutMs?: number
}

export interface RunOptions {
  sudo?: boolean
  timeoutMs?: number
  stdin?: Buffer | string
  /** The output's bytes as they arrive, unchanged and uncapped (see ExecOptions.onData). */
  onData?: (stream: OutputStream, chunk: Buffer) => void
  /** The operation step this command belongs to: its log lines name it (ops:log by step). */
  stepId?: string
}

/** What a RunResult keeps of each stream as text; RunResult says when the output was longer. */
const MAX_TEXT = 1024 * 1024
/** What an error keeps of the output before a timeout, cancel or lost connection (its end). */
const MAX_PARTIAL = 64 * 1024
/** The operation log takes a command's output line by line, this many at most (it says when not). */
const MAX_LOG_LINES_PER_COMMAND = 2000
/**
 * Hosts worked on at once. Each host gets one connection, so sshd's per-host MaxStartups does not
 * apply; a homelab has well under 32 machines, so in practice every host starts at once (a lower
 * limit measurably slowed a 20-host fan-out: the key exchanges queue behind each other).
 */
export const FAN_OUT_CONCURRENCY = 32
/** The step id of `check` on each host, in its operation's journal. */
export const CHECK_STEP = 'ssh-check'

/**
 * Everything Flotilla does over SSH goes through here: host-key trust, credentials asked once per
 * host per session, pooled connections, commands (with sudo), files, reboots, and fan-out over many
 * hosts. Output lines stream into the operation log, redacted.
 */
export class SshService {
  readonly secrets: SessionSecrets
  readonly #pool: SshPool
  readonly #options: SshServiceOptions
  readonly #connectTimeoutMs: number
  #toldMatchExec = false

  constructor(options: SshServiceOptions) {
    this.#options = options
    this.#connectTimeoutMs =
      options.connectTimeoutMs ?? options.environment.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    this.secrets = new SessionSecrets(options.redactor)
    this.#pool = new SshPool((target, signal, timeoutMs) => this.#open(target, signal, timeoutMs), {
      connectTimeoutMs: this.#connectTimeoutMs,
      ...options.pool,
    })
  }

  /** Reads a host's key and compares it with what is trusted, without logging in. */
  async scan(hostId: string): Promise<HostKeyScan> {
    const host = this.#options.inventory.get(hostId)
    const target = await this.#target(host)
    const blob = await scanHostKey(target, this.#connectTimeoutMs)
    const base = { hostId, type: pinnedFrom(blob, 'confirmed').type, fingerprint: fingerprintOf(blob) }
    if (host.hostKey) {
      return sameKey(host.hostKey, blob)
        ? { ...base, status: 'pinned' }
        : { ...base, status: 'changed', pinnedFingerprint: host.hostKey.fingerprint }
    }
    const known = findKnownKeys(await this.#knownHosts(), target.address, target.port).filter((k) => !k.revoked)
    if (known.some((k) => k.blob.equals(blob))) return { ...base, status: 'known_hosts' }
    if (known.length > 0) return { ...base, status: 'changed', pinnedFingerprint: fingerprintOf(known[0]!.blob) }
    return { ...base, status: 'unknown' }
  }

  /**
   * Pins the key the host presents now, if it is the one the user saw (`fingerprint`). Replacing a
   * different trusted key — Flotilla's own pin or a key your known_hosts lists for the host — needs
   * `replace` (the deliberate re-trust of a re-installed machine). Errors carry what the next step
   * needs: details.fingerprint (what the host presents) and, for a conflict, old/new fingerprints.
   */
  async trust(hostId: string, fingerprint: string, replace = false): Promise<Host> {
    const host = this.#options.inventory.get(hostId)
    const target = await this.#target(host)
    const blob = await scanHostKey(target, this.#connectTimeoutMs)
    const seen = fingerprintOf(blob)
    const conflict = await this.#conflictingKey(host, target, blob)
    if (seen !== fingerprint) {
      if (conflict) {
        throw new AppError(
          'HOST_KEY_CHANGED',
          `${target.name} presents ${seen}, not the ${fingerprint} you gave, and ${conflict.where} a different key (${conflict.fingerprint}). Nothing was trusted. If you re-installed it, check ${seen} on the machine and re-trust it deliberately.`,
          { hostId, oldFingerprint: conflict.fingerprint, newFingerprint: seen, fingerprint: seen },
        )
      }
      throw new AppError(
        'HOST_KEY_UNKNOWN',
        `${target.name} presents ${seen}, not the ${fingerprint} you gave. Nothing was trusted. Check which one the machine really has (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on it), then trust that one.`,
        { hostId, fingerprint: seen, givenFingerprint: fingerprint },
      )
    }
    if (conflict && !replace) {
      throw new AppError(
        'HOST_KEY_CHANGED',
        `${target.name} presents ${seen}, but ${conflict.where} a different key (${conflict.fingerprint}). Nothing was trusted. If you re-installed it, re-trust it deliberately (replace the old key).`,
        { hostId, oldFingerprint: conflict.fingerprint, newFingerprint: seen, fingerprint: seen },
      )
    }
    this.#pool.drop(hostId)
    this.#options.log.info(`host key of ${target.name} trusted: ${seen}${conflict ? ' (replacing the old one)' : ''}`)
    return this.#options.inventory.pinHostKey(hostId, pinnedFrom(blob, 'confirmed'))
  }

  /** A trusted key other than `blob`: Flotilla's pin, or (with no pin) what known_hosts lists. */
  async #conflictingKey(
    host: Host,
    target: SshTarget,
    blob: Buffer,
  ): Promise<{ fingerprint: string; where: string } | undefined> {
    if (host.hostKey) {
      return sameKey(host.hostKey, blob)
        ? undefined
        : { fingerprint: host.hostKey.fingerprint, where: 'Flotilla trusts' }
    }
    const known = findKnownKeys(await this.#knownHosts(), target.address, target.port)
    if (known.some((k) => k.blob.equals(blob))) return undefined
    const other = known.find((k) => !k.revoked)
    return other ? { fingerprint: fingerprintOf(other.blob), where: 'your ~/.ssh/known_hosts lists' } : undefined
  }

  /** Remembers a secret the user typed, for this session only. */
  provideSecret(hostId: string, kind: SshSecretKind, value: string, keyPath?: string): void {
    this.#options.inventory.get(hostId)
    if (kind === 'passphrase' && !keyPath)
      throw new AppError('INVALID_INPUT', 'Which key is the passphrase for?', {
        fields: { keyPath: 'Required for a passphrase.' },
      })
    this.secrets.set(kind, kind === 'passphrase' ? keyPath! : hostId, new Secret(value))
    if (kind !== 'sudo') this.#pool.drop(hostId)
  }

  forgetSecrets(hostId: string): void {
    this.secrets.forget('password', hostId)
    this.secrets.forget('sudo', hostId)
    this.#pool.drop(hostId)
  }

  /** Logs in to each host, reads who and what it is and how sudo behaves; per-host results. */
  async check(hostIds: string[], ctx: OperationContext): Promise<SshCheckResult[]> {
    const hosts = hostIds.map((id) => this.#options.inventory.get(id))
    // One journaled step per host, so the per-host state is typed and outlives the process.
    ctx.steps?.(hosts.map((h) => ({ stepId: CHECK_STEP, hostId: h.id })))
    const results = await fanOut(
      hosts,
      async (host) => {
        // A check logs in afresh: it must prove the host (and its key) as they are now.
        this.#pool.drop(host.id)
        ctx.step?.(CHECK_STEP, host.id, 'running')
        ctx.progress({ step: 'Logging in', done: 0, total: 1, nodeId: host.id })
        return this.#checkOne(host, perHost(ctx))
      },
      {
        concurrency: FAN_OUT_CONCURRENCY,
        signal: ctx.signal,
        onDone: (result, done) => {
          if (result.ok) ctx.step?.(CHECK_STEP, result.id, 'done')
          else if (result.error.code !== 'CANCELLED')
            ctx.step?.(CHECK_STEP, result.id, 'failed', { error: result.error })
          ctx.progress({ step: result.ok ? 'Ready' : 'Failed', done, total: hosts.length, nodeId: result.id })
          if (!result.ok) ctx.log(`${this.#name(result.id)}: ${result.error.message}`, result.id)
          ctx.progress({ step: `${done} of ${hosts.length} checked`, done, total: hosts.length })
        },
      },
    )
    return results.map((r) => (r.ok ? r.value : { hostId: r.id, ok: false, error: r.error }))
  }

  /** Runs the same command on many hosts at once; one host's failure is its own result. */
  runEach(
    hostIds: string[],
    command: ShellCommand,
    options: RunOptions,
    ctx: OperationContext,
  ): Promise<FanOutResult<ExecResult>[]> {
    const hosts = hostIds.map((id) => this.#options.inventory.get(id))
    return fanOut(hosts, (host) => this.run(host.id, command, options, perHost(ctx)), {
      concurrency: FAN_OUT_CONCURRENCY,
      signal: ctx.signal,
      onDone: (result, done) => {
        ctx.progress({ step: result.ok ? 'Done' : 'Failed', done, total: hosts.length, nodeId: result.id })
        if (!result.ok) ctx.log(`${this.#name(result.id)}: ${result.error.message}`, result.id)
      },
    })
  }

  /**
   * Runs one command (given as argv, every word quoted) and returns its output as text, at most
   * MAX_TEXT of each stream (flagged `truncated`). `onData` gets every byte as it comes. After a
   * timeout, cancel or lost connection, the error carries the end of the output seen until then.
   */
  async runArgv(hostId: string, words: string[], options: RunOptions, ctx: OperationContext): Promise<RunResult> {
    const tail = { stdout: new OutputTail(MAX_PARTIAL), stderr: new OutputTail(MAX_PARTIAL) }
    const onData = (stream: OutputStream, chunk: Buffer) => {
      tail[stream].add(chunk)
      options.onData?.(stream, chunk)
    }
    let result: ExecResult
    try {
      result = await this.run(hostId, argv(words), { ...options, onData }, ctx)
    } catch (error) {
      if (!(error instanceof AppError) || !['TIMEOUT', 'CANCELLED', 'CONNECTION_LOST'].includes(error.code)) throw error
      const partial = (stream: OutputStream) => tail[stream].text((t) => this.#options.redactor.redact(t))
      throw new AppError(error.code, error.message, {
        ...error.details,
        stdout: partial('stdout'),
        stderr: partial('stderr'),
        stdoutBytes: tail.stdout.bytes,
        stderrBytes: tail.stderr.bytes,
      })
    }
    return {
      exitCode: result.exitCode,
      ...(result.signal ? { signal: result.signal } : {}),
      // Redact the whole text first: a cut through a secret would leave a piece no pattern matches.
      stdout: textOf(Buffer.from(this.#options.redactor.redact(result.stdout.toString('utf8'))), MAX_TEXT),
      stderr: textOf(Buffer.from(this.#options.redactor.redact(result.stderr)), MAX_TEXT),
      stdoutBytes: result.stdoutBytes,
      stderrBytes: result.stderrBytes,
      truncated: result.truncated || result.stdoutBytes > MAX_TEXT || result.stderrBytes > MAX_TEXT,
      ...(isUtf8(result.stdout) ? {} : { binary: true }),
    }
  }

  /**
   * Runs a built command on a host, streaming its output into the operation log. When sudo (or the
   * login) needs a secret Flotilla does not hold and the operation can ask, it waits for it.
   */
  async run(hostId: string, command: ShellCommand, options: RunOptions, ctx: OperationContext): Promise<ExecResult> {
    const host = this.#options.inventory.get(hostId)
    const target = await this.#target(host)
    return this.#askingForSecrets(host, ctx, () => this.#runOnce(host, target, command, options, ctx))
  }

  #runOnce(
    host: Host,
    target: SshTarget,
    command: ShellCommand,
    options: RunOptions,
    ctx: OperationContext,
  ): Promise<ExecResult> {
    const hostId = host.id
    const { stepId } = options
    ctx.log(`${target.name}$ ${options.sudo ? 'sudo ' : ''}${command.text}`, hostId, stepId)
    let logged = 0
    let unlogged = 0
    // The operation log redacts and bounds each line's length; this bounds how many lines.
    const onLine = (_stream: OutputStream, line: string) => {
      if (logged >= MAX_LOG_LINES_PER_COMMAND) return void unlogged++
      logged++
      ctx.log(line, hostId, stepId)
    }
    const logRest = () => {
      if (unlogged > 0) ctx.log(`… ${unlogged} more lines of output not kept in this log.`, hostId, stepId)
    }
    return this.#pool
      .use(
        target,
        (client) =>
          exec(client, command, {
            ...this.#execOptions(host, options.sudo === true, ctx.signal),
            ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
            ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
            ...(options.onData ? { onData: options.onData } : {}),
            onLine,
          }),
        ctx.signal,
      )
      .finally(logRest)
      .catch((error: unknown) => this.#afterFailure(hostId, error))
  }

  /**
   * Runs `attempt`; when it fails for want of a secret (sudo password, login password, key
   * passphrase) and the operation can ask, the operation waits until the secret is given
   * (ssh:provideSecret), then `attempt` runs once more. Retrying is safe: sudo asks before it runs
   * anything, and a login fails before any command. A wrong secret then fails as it always did
   * (SUDO_AUTH_FAILED, AUTH_FAILED); nobody to ask (a script, a test double) keeps the first error.
   */
  async #askingForSecrets<T>(host: Host, ctx: OperationContext, attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt()
    } catch (error) {
      const need = error instanceof AppError ? secretNeedOf(host, error) : undefined
      if (!need || !ctx.needSecret) throw error
      ctx.log(need.reason, host.id)
      if (!(await ctx.needSecret(need))) throw error
      return attempt()
    }
  }

  /** Writes a file atomically with mode and owner (as root when `sudo`). */
  async upload(
    hostId: string,
    path: string,
    content: Buffer | string,
    options: UploadOptions & { sudo?: boolean },
    ctx: OperationContext,
  ): Promise<void> {
    const host = this.#options.inventory.get(hostId)
    const target = await this.#target(host)
    ctx.log(`${target.name}: writing ${path} (mode ${options.mode.toString(8)})`, hostId)
    await this.#askingForSecrets(host, ctx, () =>
      this.#pool
        .use(
          target,
          (client) =>
            uploadFile(client, path, content, options, this.#execOptions(host, options.sudo === true, ctx.signal)),
          ctx.signal,
        )
        .catch((error: unknown) => this.#afterFailure(hostId, error)),
    )
  }

  /** Reads a file (null when it does not exist). */
  async readFile(
    hostId: string,
    path: string,
    options: { sudo?: boolean },
    ctx: OperationContext,
  ): Promise<Buffer | null> {
    const host = this.#options.inventory.get(hostId)
    const target = await this.#target(host)
    return this.#askingForSecrets(host, ctx, () =>
      this.#pool
        .use(
          target,
          (client) => readRemoteFile(client, path, this.#execOptions(host, options.sudo === true, ctx.signal)),
          ctx.signal,
        )
        .catch((error: unknown) => this.#afterFailure(hostId, error)),
    )
  }

  /** Adds a public key to the login user's authorized_keys, once, with the permissions sshd wants. */
  async installKey(hostId: string, publicKey: string | undefined, ctx: OperationContext): Promise<{ added: boolean }> {
    const key = publicKey ?? (await defaultPublicKey(this.#options.environment))
    if (!key)
      throw new AppError(
        'INVALID_INPUT',
        'No public key found in ~/.ssh (id_ed25519.pub, id_ecdsa.pub or id_rsa.pub). Create one with ssh-keygen.',
      )
    const line = key.trim()
    const script = sh`umask 077 && mkdir -p ~/.ssh && touch ~/.ssh/authorized_keys && chmod 700 ~/.ssh && chmod 600 ~/.ssh/authorized_keys && if grep -qxF -- ${line} ~/.ssh/authorized_keys; then echo present; else printf '%s\\n' ${line} >> ~/.ssh/authorized_keys && echo added; fi`
    const result = expectSuccess(await this.run(hostId, script, {}, ctx), 'Installing your key')
    return { added: result.stdout.toString().trim() === 'added' }
  }

  /** Reboots a host and waits until it answers with a new boot id and the same host key. */
  async reboot(hostId: string, ctx: OperationContext, timeoutMs?: number): Promise<RebootResult> {
    const bootIdCommand = sh`cat /proc/sys/kernel/random/boot_id`
    return rebootAndWait(
      {
        bootId: async (signal) => {
          const result = await this.run(hostId, bootIdCommand, { timeoutMs: 10_000 }, { ...ctx, signal })
          return expectSuccess(result, 'Reading the boot id').stdout.toString().trim()
        },
        issueReboot: async () => {
          // Detached and delayed, so the command returns before the connection goes away.
          const command = sh`nohup sh -c 'sleep 1; systemctl reboot || reboot' >/dev/null 2>&1 &`
          expectSuccess(await this.run(hostId, command, { sudo: true, timeoutMs: 15_000 }, ctx), 'Issuing the reboot')
        },
        dropConnection: () => this.#pool.drop(hostId),
        progress: (step) => ctx.progress({ step, done: 0, total: 1, nodeId: hostId }),
      },
      { signal: ctx.signal, ...(timeoutMs ? { timeoutMs } : {}) },
    )
  }

  close(): void {
    this.#pool.closeAll()
    this.secrets.clear()
  }

  async #checkOne(host: Host, ctx: OperationContext): Promise<SshCheckResult> {
    const result = loginChecked(host, await this.run(host.id, loginCheckScript(), { timeoutMs: 20_000 }, ctx))
    const answers = parseLoginCheck(result.stdout.toString('utf8'))
    if (!answers)
      throw new AppError('COMMAND_FAILED', 'The host ended the login check early (its output was cut short).')
    const { user, os, sudo } = answers
    if (sudo === 'password') {
      // Verify the password now (asking for it if needed), so later steps do not stop half-way.
      expectSuccess(await this.run(host.id, sh`true`, { sudo: true, timeoutMs: 20_000 }, ctx), 'Checking sudo')
    }
    return { hostId: host.id, ok: true, user, sudo, ...(os ? { os } : {}) }
  }

  #execOptions(host: Host, sudo: boolean, signal: AbortSignal): ExecOptions {
    return { sudo, isRoot: host.user === 'root', sudoPassword: this.secrets.get('sudo', host.id), signal }
  }

  #afterFailure(hostId: string, error: unknown): never {
    if (error instanceof AppError && error.code === 'SUDO_AUTH_FAILED') this.secrets.forget('sudo', hostId)
    if (error instanceof AppError) {
      throw new AppError(error.code, this.#options.redactor.redact(error.message), { ...error.details, hostId })
    }
    throw error
  }

  /** Where and how to reach a host: ~/.ssh/config is read once here (HostName, IdentityFile). */
  async #target(host: Host): Promise<SshTarget> {
    if (!host.user) {
      // A discovered host of unknown kind has no login until it is adopted (login-user.ts).
      const name = host.label ?? host.address
      throw new AppError(
        'INVALID_INPUT',
        `${name} has no login user yet: adopt it first (in the app, or: flotilla hosts adopt ${name} --user U).`,
      )
    }
    const resolved = await resolveHost(this.#options.environment, host.address)
    if (resolved.ignoredMatchExec && !this.#toldMatchExec) {
      this.#toldMatchExec = true
      this.#options.log.info(
        '~/.ssh/config has "Match exec" lines: Flotilla does not run them (they would run a shell command on every connection), so those blocks count as not matching',
      )
    }
    return {
      hostId: host.id,
      name: host.label ?? host.address,
      address: resolved.connectTo,
      port: host.port,
      user: host.user,
      pinned: host.hostKey,
      keyFiles: resolved.keyFiles,
    }
  }

  async #open(target: SshTarget, signal: AbortSignal | undefined, timeoutMs: number): Promise<Client> {
    const client = await connect(target, {
      secrets: this.secrets,
      agent: this.#options.environment.agent,
      knownHosts: await this.#knownHosts(),
      onKnownHostsKey: (blob) => {
        this.#options.inventory.pinHostKey(target.hostId, pinnedFrom(blob, 'known_hosts'))
        this.#options.log.info(`host key of ${target.name} taken from known_hosts: ${fingerprintOf(blob)}`)
      },
      timeoutMs,
      signal,
    })
    this.#options.log.info(`ssh connected to ${target.user}@${target.name}`)
    return client
  }

  #knownHosts(): Promise<string> {
    return readKnownHosts(knownHostsFiles(this.#options.environment))
  }

  #name(hostId: string): string {
    const host = this.#options.inventory.list().find((h) => h.id === hostId)
    return host ? (host.label ?? host.address) : hostId
  }
}

/**
 * The login check's result, or why it failed as a sentence with the next step. The login itself
 * worked (a refused login fails before any command); what failed is the shell the host gave us.
 * "Logging in failed (exit 1)." told the user neither (issue 14).
 */
function loginChecked(host: Host, result: ExecResult): ExecResult {
  try {
    return expectSuccess(result, 'The login check')
  } catch (error) {
    if (!(error instanceof AppError)) throw error
    const name = host.label ?? host.address
    const address = host.address.includes(':') ? `[${host.address}]` : host.address
    const stderr =
      typeof error.details?.stderr === 'string' && error.details.stderr ? ` It said: ${error.details.stderr}` : ''
    throw new AppError(
      'COMMAND_FAILED',
      `Flotilla logged in to ${name} as ${host.user}, but the host ended its short login check (id, /etc/os-release, sudo -n) with exit status ${result.exitCode ?? result.signal ?? 'unknown'}.${stderr} ` +
        `Log in yourself (ssh -p ${host.port} ${host.user}@${address}) and check that this account gets a normal shell (no forced command, no restricted shell), then log in again.`,
      error.details,
    )
  }
}

/** What to ask for when `error` says a secret is missing (undefined: it says something else). */
function secretNeedOf(host: Host, error: AppError): SecretNeed | undefined {
  const name = host.label ?? host.address
  const base = { hostId: host.id, host: name }
  if (error.code === 'SUDO_PASSWORD_NEEDED') {
    return { ...base, kind: 'sudo', reason: `sudo on ${name} asks for a password.` }
  }
  if (error.code !== 'AUTH_NEEDED') return undefined
  const { kind, keyPath } = error.details ?? {}
  if (kind === 'password') return { ...base, kind: 'password', reason: `${name} asks for a login password.` }
  if (kind === 'passphrase' && typeof keyPath === 'string') {
    return {
      ...base,
      kind: 'passphrase',
      keyPath,
      reason: `Your key ${keyPath} needs its passphrase to log in to ${name}.`,
    }
  }
  return undefined
}

/**
 * The operation's context with a signal of this host's own, following the operation's. Many hosts
 * at once each wait on their signal (connect, exec, backoff); on the one shared signal they would
 * add a listener per host and trip Node's MaxListenersExceededWarning past ten.
 * AbortSignal.any adds no listener to its source.
 */
function perHost(ctx: OperationContext): OperationContext {
  return { ...ctx, signal: AbortSignal.any([ctx.signal]) }
}

/** Bytes as text, at most `max` bytes of them (a character cut in two at the end is left out). */
function textOf(bytes: Buffer, max: number): string {
  return new StringDecoder('utf8').write(bytes.subarray(0, max))
}

/** The last `max` bytes of a stream, and how many it had in all. */
class OutputTail {
  #chunks: Buffer[] = []
  #kept = 0
  bytes = 0

  constructor(private readonly max: number) {}

  add(chunk: Buffer): void {
    this.bytes += chunk.length
    this.#chunks.push(chunk)
    this.#kept += chunk.length
    while (this.#kept - this.#chunks[0]!.length >= this.max) this.#kept -= this.#chunks.shift()!.length
  }

  /** The tail, redacted before it is cut to `max` bytes (a secret cut in two would not match). */
  text(redact: (text: string) => string): string {
    const all = Buffer.from(redact(Buffer.concat(this.#chunks).toString('utf8')))
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8')
  }
}
