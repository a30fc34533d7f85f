import type { Client } from 'ssh2'
import { AppError } from '../../../shared/errors'
import type {
  Host,
  HostKeyScan,
  RebootResult,
  RunResult,
  SshCheckResult,
  SshSecretKind,
  SudoMode,
} from '../../../shared/types'
import type { HostInventory } from '../inventory/host-inventory'
import type { Logger } from '../log/logger'
import { fanOut, type FanOutResult } from '../operations/fan-out'
import type { OperationContext } from '../operations/registry'
import { Secret, type Redactor } from '../secrets/secret'
import { connect, scanHostKey, type SshTarget } from './connect'
import { exec, expectSuccess, type ExecOptions, type ExecResult } from './exec'
import { fingerprintOf, pinnedFrom, sameKey } from './host-key'
import { findKnownKeys, readKnownHosts } from './known-hosts'
import { rebootAndWait } from './reboot'
import { readRemoteFile, uploadFile, type UploadOptions } from './remote-files'
import { SessionSecrets } from './session-secrets'
import { argv, sh, type ShellCommand } from './shell-command'
import { defaultPublicKey, knownHostsFiles, resolveHost, type SshEnvironment } from './ssh-environment'
import { SshPool, type PoolOptions } from './ssh-pool'

export interface SshServiceOptions {
  inventory: HostInventory
  redactor: Redactor
  log: Logger
  environment: SshEnvironment
  pool?: PoolOptions
  connectTimeoutMs?: number
}

export interface RunOptions {
  sudo?: boolean
  timeoutMs?: number
  stdin?: Buffer | string
}

const MAX_TEXT = 1024 * 1024
/**
 * Hosts worked on at once. Each host gets one connection, so sshd's per-host MaxStartups does not
 * apply; a homelab has well under 32 machines, so in practice every host starts at once (a lower
 * limit measurably slowed a 20-host fan-out: the key exchanges queue behind each other).
 */
export const FAN_OUT_CONCURRENCY = 32

/**
 * Everything Flotilla does over SSH goes through here: host-key trust, credentials asked once per
 * host per session, pooled connections, commands (with sudo), files, reboots, and fan-out over many
 * hosts. Output lines stream into the operation log, redacted.
 */
export class SshService {
  readonly secrets: SessionSecrets
  readonly #pool: SshPool
  readonly #options: SshServiceOptions

  constructor(options: SshServiceOptions) {
    this.#options = options
    this.secrets = new SessionSecrets(options.redactor)
    this.#pool = new SshPool((target, signal) => this.#open(target, signal), options.pool)
  }

  /** Reads a host's key and compares it with what is trusted, without logging in. */
  async scan(hostId: string): Promise<HostKeyScan> {
    const host = this.#options.inventory.get(hostId)
    const target = await this.#target(host)
    const blob = await scanHostKey(target, this.#options.connectTimeoutMs)
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
   * different pinned key needs `replace` (the deliberate re-trust of a re-installed machine).
   */
  async trust(hostId: string, fingerprint: string, replace = false): Promise<Host> {
    const host = this.#options.inventory.get(hostId)
    const target = await this.#target(host)
    const blob = await scanHostKey(target, this.#options.connectTimeoutMs)
    const seen = fingerprintOf(blob)
    if (seen !== fingerprint) {
      throw new AppError(
        'HOST_KEY_CHANGED',
        `${target.name} now presents ${seen}, not the ${fingerprint} you confirmed. Nothing was trusted; check again.`,
        { hostId, oldFingerprint: fingerprint, newFingerprint: seen },
      )
    }
    if (host.hostKey && !sameKey(host.hostKey, blob) && !replace) {
      throw new AppError(
        'HOST_KEY_CHANGED',
        `${target.name} already has a different trusted key (${host.hostKey.fingerprint}). Re-trust it deliberately if you re-installed it.`,
        { hostId, oldFingerprint: host.hostKey.fingerprint, newFingerprint: seen },
      )
    }
    this.#pool.drop(hostId)
    this.#options.log.info(`host key of ${target.name} trusted: ${seen}${replace ? ' (replacing the old one)' : ''}`)
    return this.#options.inventory.pinHostKey(hostId, pinnedFrom(blob, 'confirmed'))
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
    const results = await fanOut(
      hosts,
      async (host) => {
        // A check logs in afresh: it must prove the host (and its key) as they are now.
        this.#pool.drop(host.id)
        ctx.progress({ step: 'Logging in', done: 0, total: 1, nodeId: host.id })
        return this.#checkOne(host, ctx)
      },
      {
        concurrency: FAN_OUT_CONCURRENCY,
        signal: ctx.signal,
        onDone: (result, done) => {
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
    return fanOut(hosts, (host) => this.run(host.id, command, options, ctx), {
      concurrency: FAN_OUT_CONCURRENCY,
      signal: ctx.signal,
      onDone: (result, done) => {
        ctx.progress({ step: result.ok ? 'Done' : 'Failed', done, total: hosts.length, nodeId: result.id })
        if (!result.ok) ctx.log(`${this.#name(result.id)}: ${result.error.message}`, result.id)
      },
    })
  }

  /** Runs one command (given as argv, every word quoted) and returns its output. */
  async runArgv(hostId: string, words: string[], options: RunOptions, ctx: OperationContext): Promise<RunResult> {
    const result = await this.run(hostId, argv(words), options, ctx)
    return {
      exitCode: result.exitCode,
      ...(result.signal ? { signal: result.signal } : {}),
      stdout: this.#options.redactor.redact(result.stdout.toString('utf8').slice(0, MAX_TEXT)),
      stderr: this.#options.redactor.redact(result.stderr.slice(0, MAX_TEXT)),
    }
  }

  /** Runs a built command on a host, streaming its output into the operation log. */
  async run(hostId: string, command: ShellCommand, options: RunOptions, ctx: OperationContext): Promise<ExecResult> {
    const host = this.#options.inventory.get(hostId)
    const target = await this.#target(host)
    ctx.log(`${target.name}$ ${options.sudo ? 'sudo ' : ''}${command.text}`, hostId)
    return this.#pool
      .use(
        target,
        (client) =>
          exec(client, command, {
            ...this.#execOptions(host, options.sudo === true, ctx.signal),
            ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
            ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
            onLine: (_stream, line) => ctx.log(line, hostId),
          }),
        ctx.signal,
      )
      .catch((error: unknown) => this.#afterFailure(hostId, error))
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
    await this.#pool
      .use(
        target,
        (client) =>
          uploadFile(client, path, content, options, this.#execOptions(host, options.sudo === true, ctx.signal)),
        ctx.signal,
      )
      .catch((error: unknown) => this.#afterFailure(hostId, error))
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
    return this.#pool
      .use(
        target,
        (client) => readRemoteFile(client, path, this.#execOptions(host, options.sudo === true, ctx.signal)),
        ctx.signal,
      )
      .catch((error: unknown) => this.#afterFailure(hostId, error))
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
    const probe = sh`id -un; . /etc/os-release 2>/dev/null && printf '%s\\n' "$PRETTY_NAME"; if [ "$(id -u)" = 0 ]; then echo root; elif sudo -n true 2>/dev/null; then echo nopasswd; else echo password; fi`
    const result = expectSuccess(await this.run(host.id, probe, { timeoutMs: 20_000 }, ctx), 'Logging in')
    const [user = '', os = '', sudoLine = ''] = result.stdout.toString('utf8').trim().split('\n')
    const sudo = (['root', 'nopasswd', 'password'].includes(sudoLine) ? sudoLine : 'password') as SudoMode
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

  async #open(target: SshTarget, signal?: AbortSignal): Promise<Client> {
    const client = await connect(target, {
      secrets: this.secrets,
      agent: this.#options.environment.agent,
      knownHosts: await this.#knownHosts(),
      onKnownHostsKey: (blob) => {
        this.#options.inventory.pinHostKey(target.hostId, pinnedFrom(blob, 'known_hosts'))
        this.#options.log.info(`host key of ${target.name} taken from known_hosts: ${fingerprintOf(blob)}`)
      },
      ...(this.#options.connectTimeoutMs ? { timeoutMs: this.#options.connectTimeoutMs } : {}),
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
