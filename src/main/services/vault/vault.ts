import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AppError } from '../../../shared/errors'
import { newPassphraseProblem } from '../../../shared/schemas'
import type { KeychainProbe, VaultMode, VaultStatus } from '../../../shared/types'
import type { EventBus } from '../events'
import { Secret, type Redactor, type Registration } from '../secrets/secret'
import { PREVIOUS_SUFFIX, writeFileAtomic } from './atomic-file'
import {
  deriveKey,
  DEFAULT_SCRYPT_COST,
  newDataKey,
  newScryptParams,
  seal,
  unseal,
  type ScryptCost,
  type ScryptParams,
} from './envelope'
import { withFileLock } from './file-lock'
import type { Keychain } from './os-keychain'
import {
  buildVaultFile,
  keychainAccount,
  keyCheck,
  openVaultFile,
  parseVaultFile,
  wrappedKeyAad,
  type VaultFile,
  type VaultHeader,
  type VaultPayload,
} from './vault-file'

export interface VaultOptions {
  dataDir: string
  keychain: Keychain
  events: EventBus
  redactor: Redactor
  /** From FLOTILLA_VAULT_PASSPHRASE or --passphrase-file: unlocks (or creates) a passphrase vault. */
  passphrase?: Secret | undefined
  /** scrypt cost for new passphrase vaults (tests lower it; the file records what was used). */
  scryptCost?: ScryptCost
  now?: () => Date
}

interface UnlockedKey {
  keyId: string
  dataKey: Buffer
  /** Passphrase mode: the key derived from the passphrase, kept to seal a rotated data key. */
  kek?: Buffer
  kdf?: ScryptParams
}

const PROBE_CACHE_MS = 10_000
/** Next to the vault file: held by the process changing it. */
const LOCK_SUFFIX = '.lock'

/**
 * Every secret Flotilla keeps (CA keys, the service-account key, passwords the user chose to keep),
 * encrypted with AES-256-GCM under one random 32-byte data key. The data key lives in the OS
 * keychain, or — where there is none — is sealed with a passphrase. Each write re-reads the file
 * under a lock between processes (the CLI and the app may both write), is atomic and keeps the
 * previous generation.
 */
export class Vault {
  /** The vault file. */
  readonly path: string
  #key: UnlockedKey | null = null
  #probe: { at: number; value: KeychainProbe } | null = null
  /** Salt for which the provided passphrase already failed: do not pay scrypt again for it. */
  #providedFailedFor: string | null = null
  #queue: Promise<unknown> = Promise.resolve()
  /** The passphrase given at start-up (environment or file), until the vault is locked. */
  #passphrase: Secret | undefined
  /** What this vault registered with the redactor (secrets, passphrases), released on lock. */
  readonly #held = new Map<string, Registration>()

  constructor(private readonly options: VaultOptions) {
    this.path = join(options.dataDir, 'vault', 'flotilla.vault')
    this.#passphrase = options.passphrase
    if (options.passphrase) this.#hold(options.passphrase.reveal())
  }

  /** What the UI shows: mode, keychain backend, lock state. Never throws for a damaged file. */
  async status(): Promise<VaultStatus> {
    const base = {
      keychain: await this.probeKeychain(),
      passphraseProvided: Boolean(this.#passphrase),
      path: this.path,
    }
    const raw = this.#readRaw()
    if (!raw) return { state: 'uninitialised', ...base }
    let file: VaultFile
    try {
      file = parseVaultFile(raw)
    } catch (error) {
      return { state: 'corrupt', problem: (error as AppError).message, ...base }
    }
    const { header } = file
    const facts = {
      ...base,
      mode: header.mode,
      generation: header.generation,
      writtenAt: header.writtenAt,
      previousGeneration: existsSync(this.path + PREVIOUS_SUFFIX),
    }
    try {
      const payload = openVaultFile(file, await this.#keyFor(file))
      return { state: 'unlocked', ...facts, secrets: Object.keys(payload.secrets).length }
    } catch (error) {
      const e = error as AppError
      if (e.code === 'VAULT_CORRUPT') return { state: 'corrupt', problem: e.message, ...facts }
      if (e instanceof AppError) return { state: 'locked', problem: e.message, ...facts }
      throw error
    }
  }

  /** Creates the vault in the chosen mode; refuses keychain mode without a working keychain. */
  setup(mode: VaultMode, passphrase?: Secret): Promise<VaultStatus> {
    return this.#exclusive(async () => {
      if (this.#readRaw()) {
        throw new AppError('INVALID_INPUT', 'The vault already exists. Rotate its key or restore a backup instead.')
      }
      await this.#create(mode, passphrase)
      return this.#changed()
    })
  }

  /** Unlocks a passphrase vault; VAULT_PASSPHRASE when the passphrase does not open it. */
  unlock(passphrase: Secret): Promise<VaultStatus> {
    return this.#serial(async () => {
      const file = this.#readFile()
      if (!file) throw notInitialised()
      if (file.header.mode !== 'passphrase') return this.#changed()
      await this.#unlockWith(file, passphrase)
      this.#hold(passphrase.reveal())
      return this.#changed()
    })
  }

  /**
   * Locked means locked: forgets the keys, the passphrase given at start-up (a later unlock needs
   * it again) and lets the redactor forget every secret the vault handed out, CA keys included.
   * (In keychain mode the keychain itself unlocks the vault again on the next read.)
   */
  lock(): Promise<VaultStatus> {
    return this.#serial(async () => {
      this.#forget()
      this.#passphrase = undefined
      this.#providedFailedFor = null
      for (const registration of this.#held.values()) registration.release()
      this.#held.clear()
      return this.#changed()
    })
  }

  /**
   * A new data key: the secrets are re-encrypted under it, written twice so the kept previous
   * generation is under the new key too, and only then is the old key deleted from the keychain.
   */
  rotate(): Promise<VaultStatus> {
    return this.#exclusive(async () => {
      const { file, payload } = await this.#read()
      const old = this.#key!
      const dataKey = newDataKey()
      const keyId = randomUUID()
      let header: VaultHeader
      if (file.header.mode === 'keychain') {
        await this.#storeInKeychain(keyId, dataKey)
        header = { ...file.header, keyId, check: keyCheck(dataKey, keyId) }
      } else {
        if (!old.kek || !old.kdf) throw locked()
        const wrappedKey = seal(old.kek, dataKey, wrappedKeyAad(keyId))
        header = { ...file.header, keyId, check: keyCheck(dataKey, keyId), kdf: old.kdf, wrappedKey }
      }
      const next: UnlockedKey = { ...old, keyId, dataKey }
      header = this.#write(header, payload, next.dataKey)
      this.#write(header, payload, next.dataKey)
      this.#key = next
      if (file.header.mode === 'keychain') await this.options.keychain.delete(keychainAccount(old.keyId))
      old.dataKey.fill(0)
      return this.#changed()
    })
  }

  /** One secret, or undefined. Registered with the redactor, so it never reaches a log. */
  async get(name: string): Promise<Secret | undefined> {
    const { payload } = await this.#read()
    const value = payload.secrets[name]
    return value === undefined ? undefined : this.#secret(value)
  }

  /** Every secret whose name starts with `prefix`. */
  async entries(prefix = ''): Promise<Map<string, Secret>> {
    const { payload } = await this.#read()
    const out = new Map<string, Secret>()
    for (const [name, value] of Object.entries(payload.secrets)) {
      if (name.startsWith(prefix)) out.set(name, this.#secret(value))
    }
    return out
  }

  /**
   * Changes secrets in one atomic write: `mutate` edits the freshly read map (set or delete
   * names). Creates the vault first if there is none (keychain when available, else the provided
   * passphrase, else KEYCHAIN_UNAVAILABLE saying how to choose a passphrase).
   */
  update(mutate: (secrets: Record<string, string>) => void): Promise<void> {
    return this.#exclusive(async () => {
      if (!this.#readRaw()) await this.#createDefault()
      const { file, payload } = await this.#read()
      mutate(payload.secrets)
      for (const value of Object.values(payload.secrets)) this.#hold(value)
      this.#write(file.header, payload, this.#key!.dataKey)
    })
  }

  /** The keychain probe, cached briefly (it runs a D-Bus call on Linux). */
  async probeKeychain(): Promise<KeychainProbe> {
    if (this.#probe && Date.now() - this.#probe.at < PROBE_CACHE_MS) return this.#probe.value
    const value = await this.options.keychain.probe()
    this.#probe = { at: Date.now(), value }
    return value
  }

  async #createDefault(): Promise<void> {
    if (this.#passphrase) return this.#create('passphrase', this.#passphrase)
    const probe = await this.probeKeychain()
    if (probe.available) return this.#create('keychain')
    throw keychainUnavailable(probe)
  }

  async #create(mode: VaultMode, passphrase?: Secret): Promise<void> {
    const dataKey = newDataKey()
    const keyId = randomUUID()
    const base = { mode, keyId, generation: 0, writtenAt: '', check: keyCheck(dataKey, keyId) }
    let header: VaultHeader
    let key: UnlockedKey
    if (mode === 'keychain') {
      const probe = await this.probeKeychain()
      if (!probe.available) throw keychainUnavailable(probe)
      await this.#storeInKeychain(keyId, dataKey)
      header = base
      key = { keyId, dataKey }
    } else {
      if (!passphrase) {
        throw new AppError('INVALID_INPUT', 'Choose a passphrase for the vault.', {
          fields: { passphrase: 'Required.' },
        })
      }
      this.#hold(passphrase.reveal())
      // The schema checks the UI's and `vault setup`'s passphrase; one given at start
      // (FLOTILLA_VAULT_PASSPHRASE, --passphrase-file) reaches here unchecked: same rule.
      const problem = newPassphraseProblem(passphrase.reveal())
      if (problem) {
        const given = passphrase === this.#passphrase
        throw new AppError(
          'INVALID_INPUT',
          given
            ? `The vault passphrase given in FLOTILLA_VAULT_PASSPHRASE or --passphrase-file is too short to create a vault: ${problem} Nothing was created.`
            : problem,
          { fields: { passphrase: problem } },
        )
      }
      const kdf = newScryptParams(this.options.scryptCost ?? DEFAULT_SCRYPT_COST)
      const kek = await deriveKey(passphrase, kdf)
      header = { ...base, kdf, wrappedKey: seal(kek, dataKey, wrappedKeyAad(keyId)) }
      key = { keyId, dataKey, kek, kdf }
    }
    this.#write(header, { secrets: {} }, dataKey)
    this.#forget()
    this.#key = key
  }

  /** Stores a data key in the keychain and reads it back: a store that drops it must fail now. */
  async #storeInKeychain(keyId: string, dataKey: Buffer): Promise<void> {
    const account = keychainAccount(keyId)
    const value = dataKey.toString('base64')
    await this.options.keychain.set(account, value)
    if ((await this.options.keychain.get(account)) !== value) {
      throw new AppError('KEYCHAIN_UNAVAILABLE', 'The system keychain did not keep the vault key. Use a passphrase.')
    }
  }

  /** The data key for this file: from memory, the keychain, or the provided passphrase. */
  async #keyFor(file: VaultFile): Promise<Buffer> {
    const { header } = file
    if (this.#key?.keyId === header.keyId) return this.#key.dataKey
    if (header.mode === 'passphrase') {
      const rotated = this.#rotatedElsewhere(file)
      if (rotated) return rotated
      const provided = this.#passphrase
      if (!provided || this.#providedFailedFor === header.kdf!.salt) throw locked()
      try {
        return await this.#unlockWith(file, provided)
      } catch (error) {
        if ((error as AppError).code === 'VAULT_PASSPHRASE') this.#providedFailedFor = header.kdf!.salt
        throw error
      }
    }
    const probe = await this.probeKeychain()
    if (!probe.available) throw keychainUnavailable(probe)
    const stored = await this.options.keychain.get(keychainAccount(header.keyId))
    const dataKey = stored === null ? null : Buffer.from(stored, 'base64')
    if (!dataKey || dataKey.length !== 32 || keyCheck(dataKey, header.keyId) !== header.check) {
      throw new AppError(
        'VAULT_KEY_MISSING',
        'This computer’s keychain does not hold the key of this vault (was it copied from another computer?). Restore a backup instead.',
      )
    }
    this.#key = { keyId: header.keyId, dataKey }
    return dataKey
  }

  /**
   * Another process (the CLI next to the app) rotated the data key: the passphrase did not change,
   * so the key derived from it in memory opens the new data key without asking again.
   */
  #rotatedElsewhere(file: VaultFile): Buffer | null {
    const { header } = file
    const held = this.#key
    if (!held?.kek || !held.kdf || held.kdf.salt !== header.kdf!.salt) return null
    const dataKey = unseal(held.kek, header.wrappedKey!, wrappedKeyAad(header.keyId))
    if (!dataKey || keyCheck(dataKey, header.keyId) !== header.check) return null
    held.dataKey.fill(0)
    this.#key = { ...held, keyId: header.keyId, dataKey }
    return dataKey
  }

  async #unlockWith(file: VaultFile, passphrase: Secret): Promise<Buffer> {
    const { header } = file
    const kek = await deriveKey(passphrase, header.kdf!, 'vault file')
    const dataKey = unseal(kek, header.wrappedKey!, wrappedKeyAad(header.keyId))
    if (!dataKey) {
      throw new AppError('VAULT_PASSPHRASE', 'That passphrase does not open the vault.', {
        fields: { passphrase: 'Wrong passphrase.' },
      })
    }
    if (keyCheck(dataKey, header.keyId) !== header.check) {
      throw new AppError('VAULT_CORRUPT', 'The vault’s key check does not match: the file was altered.')
    }
    this.#forget()
    this.#key = { keyId: header.keyId, dataKey, kek, kdf: header.kdf! }
    return dataKey
  }

  async #read(): Promise<{ file: VaultFile; payload: VaultPayload }> {
    const file = this.#readFile()
    if (!file) throw notInitialised()
    return { file, payload: openVaultFile(file, await this.#keyFor(file)) }
  }

  #readFile(): VaultFile | null {
    const raw = this.#readRaw()
    return raw ? parseVaultFile(raw) : null
  }

  #readRaw(): Buffer | null {
    try {
      return readFileSync(this.path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw new AppError('STORAGE', `Flotilla could not read its vault file (${this.path}).`)
    }
  }

  #write(previous: VaultHeader, payload: VaultPayload, dataKey: Buffer): VaultHeader {
    const header: VaultHeader = {
      ...previous,
      generation: previous.generation + 1,
      writtenAt: (this.options.now?.() ?? new Date()).toISOString(),
    }
    try {
      writeFileAtomic(this.path, buildVaultFile(header, payload, dataKey), {
        keepPrevious: true,
        expectCurrent: (current) => this.#expectGeneration(current, previous.generation),
      })
    } catch (error) {
      if (error instanceof AppError) throw error
      const why = (error as NodeJS.ErrnoException).code ?? 'error'
      throw new AppError('STORAGE', `Flotilla could not write its vault file (${this.path}): ${why}. Nothing changed.`)
    }
    return header
  }

  /**
   * The file about to be replaced must be the generation this write started from (0: no file).
   * Under the lock it always is; a mismatch means a writer that ignores the lock (an older Flotilla,
   * a copy by hand), and overwriting would silently drop its change.
   */
  #expectGeneration(current: Buffer | null, expected: number): void {
    let generation = 0
    if (current) {
      try {
        generation = parseVaultFile(current).header.generation
      } catch {
        generation = -1
      }
    }
    if (generation !== expected) {
      throw new AppError(
        'STORAGE',
        `The vault file changed while Flotilla was writing it (${this.path}: another program wrote it). Nothing was changed; try again.`,
      )
    }
  }

  #secret(value: string): Secret {
    this.#hold(value)
    return new Secret(value)
  }

  /** Registers a value with the redactor until the vault is locked (once per value). */
  #hold(value: string): void {
    if (!this.#held.has(value)) this.#held.set(value, this.options.redactor.register(value))
  }

  #forget(): void {
    this.#key?.dataKey.fill(0)
    this.#key?.kek?.fill(0)
    this.#key = null
  }

  async #changed(): Promise<VaultStatus> {
    const status = await this.status()
    this.options.events.emit('vault:changed', { status })
    return status
  }

  /**
   * Runs a read-change-write of the file: one at a time in this process, and under the lock file
   * against other processes (the CLI next to the app), so no process writes over a generation it
   * did not read.
   */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#serial(() => withFileLock(this.path + LOCK_SUFFIX, work, { what: 'the vault' }))
  }

  /** Runs vault mutations one at a time within this process. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work)
    this.#queue = next.catch(() => undefined)
    return next
  }
}

function notInitialised(): AppError {
  return new AppError('VAULT_LOCKED', 'The vault has not been set up yet. Choose keychain or passphrase mode first.')
}

function locked(): AppError {
  return new AppError(
    'VAULT_LOCKED',
    'The vault is locked. Enter its passphrase (or start Flotilla with FLOTILLA_VAULT_PASSPHRASE / --passphrase-file).',
  )
}

function keychainUnavailable(probe: KeychainProbe): AppError {
  return new AppError(
    'KEYCHAIN_UNAVAILABLE',
    `${probe.reason ?? 'The system keychain is not available.'} Flotilla will not keep the vault key anywhere weaker: choose a passphrase for the vault instead (Security screen, FLOTILLA_VAULT_PASSPHRASE or --passphrase-file).`,
    { backend: probe.backend },
  )
}
