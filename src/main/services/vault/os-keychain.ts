import { AsyncEntry } from '@napi-rs/keyring'
import { execFile } from 'node:child_process'
import { AppError } from '../../../shared/errors'
import type { KeychainBackend, KeychainProbe } from '../../../shared/types'
import { SECRET_ENV_NAMES } from '../secrets/env-secrets'

/** The OS credential store, narrowed to what the vault needs: one small value per account. */
export interface Keychain {
  /** Which backend this platform uses and whether it answers right now. */
  probe(): Promise<KeychainProbe>
  get(account: string): Promise<string | null>
  set(account: string, value: string): Promise<void>
  /** True when something was deleted. */
  delete(account: string): Promise<boolean>
}

export interface OsKeychainOptions {
  /** Keychain "service" the entries are filed under (tests use their own). */
  service?: string
  platform?: NodeJS.Platform
  env?: NodeJS.ProcessEnv
  /** Bound on the D-Bus check, so a hung bus never hangs Flotilla. */
  probeTimeoutMs?: number
}

const SECRET_SERVICE = 'org.freedesktop.secrets'

/*
 * What the user reads when the keychain cannot be used: a sentence and the next step. The raw
 * text of D-Bus or the keyring library never reaches the UI (it names daemons, not choices).
 */
export const NO_SESSION_BUS =
  'No desktop session is running here, so there is no Secret Service (system keychain) to keep the vault key. Use a passphrase instead, or start Flotilla from your desktop session to use the keychain.'
export const KEYCHAIN_SILENT =
  'The system keychain did not answer (it may be locked or still starting). Unlock your keyring and open this screen again, or use a passphrase instead.'
export const KEYCHAIN_REFUSED =
  'The system keychain refused the request (it is locked, or its prompt was dismissed). Unlock your keyring and try again, or use a passphrase instead.'
/** A keychain call may show an unlock prompt; give the user time, but not forever. */
const CALL_TIMEOUT_MS = 120_000

/**
 * The OS keychain through @napi-rs/keyring: macOS Keychain, Windows Credential Manager, or the
 * Secret Service (GNOME Keyring, KWallet, KeePassXC) on Linux and BSD.
 *
 * On Linux the library silently falls back to the kernel keyring when no Secret Service answers;
 * that keyring is per session and lost at reboot, which would lose the vault's key. So the probe
 * first asks the session bus whether `org.freedesktop.secrets` has an owner, and every entry is
 * pinned to the Secret Service store, so the library throws rather than falling back.
 */
export class OsKeychain implements Keychain {
  readonly #service: string
  readonly #platform: NodeJS.Platform
  readonly #env: NodeJS.ProcessEnv
  readonly #timeoutMs: number

  constructor(options: OsKeychainOptions = {}) {
    this.#service = options.service ?? 'Flotilla'
    this.#platform = options.platform ?? process.platform
    this.#env = options.env ?? process.env
    this.#timeoutMs = options.probeTimeoutMs ?? 3000
  }

  get backend(): KeychainBackend {
    if (this.#platform === 'darwin') return 'macos-keychain'
    if (this.#platform === 'win32') return 'windows-credential-manager'
    return 'secret-service'
  }

  async probe(): Promise<KeychainProbe> {
    const backend = this.backend
    if (backend === 'secret-service') {
      const reason = await secretServiceMissing(this.#env, this.#timeoutMs)
      if (reason) return { backend, available: false, reason }
    }
    try {
      // A read of an entry that does not exist: proves the store answers, changes nothing.
      await this.#entry('probe').getPassword(AbortSignal.timeout(CALL_TIMEOUT_MS))
      return { backend, available: true }
    } catch {
      // The library's own text (D-Bus jargon) is no help to the user: say what to do instead.
      return { backend, available: false, reason: KEYCHAIN_SILENT }
    }
  }

  async get(account: string): Promise<string | null> {
    return this.#call(() => this.#entry(account).getPassword(AbortSignal.timeout(CALL_TIMEOUT_MS)))
  }

  async set(account: string, value: string): Promise<void> {
    await this.#call(() => this.#entry(account).setPassword(value, AbortSignal.timeout(CALL_TIMEOUT_MS)))
  }

  async delete(account: string): Promise<boolean> {
    return this.#call(() => this.#entry(account).deleteCredential(AbortSignal.timeout(CALL_TIMEOUT_MS)))
  }

  #entry(account: string): AsyncEntry {
    // The option is ignored off Linux; on Linux it forbids the kernel-keyring fallback.
    return new AsyncEntry(this.#service, account, { linux: { store: 'secret-service' } })
  }

  async #call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch {
      throw new AppError('KEYCHAIN_UNAVAILABLE', KEYCHAIN_REFUSED)
    }
  }
}

/**
 * Asks the session bus whether a Secret Service is running, with a bounded timeout. Returns why
 * not as a sentence, or null when one is there. `dbus-send` first (dbus package), then `gdbus` (glib).
 */
export async function secretServiceMissing(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string | null> {
  // Child processes get no Flotilla secrets from the environment.
  const childEnv = { ...env }
  for (const name of SECRET_ENV_NAMES) delete childEnv[name]
  const attempts: [string, string[], RegExp][] = [
    [
      'dbus-send',
      [
        '--session',
        '--print-reply=literal',
        `--reply-timeout=${timeoutMs}`,
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.NameHasOwner',
        `string:${SECRET_SERVICE}`,
      ],
      /boolean\s+true/,
    ],
    [
      'gdbus',
      [
        'call',
        '--session',
        '--timeout',
        String(Math.max(1, Math.ceil(timeoutMs / 1000))),
        '--dest',
        'org.freedesktop.DBus',
        '--object-path',
        '/org/freedesktop/DBus',
        '--method',
        'org.freedesktop.DBus.NameHasOwner',
        SECRET_SERVICE,
      ],
      /\(true,?\)/,
    ],
  ]
  for (const [command, args, yes] of attempts) {
    const result = await run(command, args, childEnv, timeoutMs + 1000)
    if (result.missing) continue
    // The bus's own words ("Unable to autolaunch a dbus-daemon without a $DISPLAY…") are not shown.
    if (result.error) return NO_SESSION_BUS
    return yes.test(result.stdout)
      ? null
      : 'No Secret Service (GNOME Keyring, KWallet, KeePassXC) is running on the session bus; start your keyring (log in to a desktop session) and try again.'
  }
  return 'Neither dbus-send nor gdbus is installed, so Flotilla cannot check for a Secret Service.'
}

interface RunResult {
  stdout: string
  missing?: boolean
  error?: string
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeout: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout })
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return resolve({ stdout: '', missing: true })
      const why = error.killed ? 'timed out' : stderr.trim().split('\n')[0] || error.message
      resolve({ stdout, error: why.slice(0, 200) })
    })
  })
}
