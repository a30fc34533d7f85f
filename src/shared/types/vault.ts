/** The OS credential stores Flotilla can keep the vault's data key in. */
export type KeychainBackend = 'secret-service' | 'macos-keychain' | 'windows-credential-manager'

/** How each keychain backend is called where users meet it (UI and CLI). */
export const KEYCHAIN_BACKEND_NAMES: Record<KeychainBackend, string> = {
  'secret-service': 'Secret Service (GNOME Keyring, KWallet, KeePassXC)',
  'macos-keychain': 'macOS Keychain',
  'windows-credential-manager': 'Windows Credential Manager',
}

/** What probing the OS keychain found. */
export interface KeychainProbe {
  /** The backend this platform would use (null on platforms without one). */
  backend: KeychainBackend | null
  /** True when that backend answered; false means keychain mode is refused. */
  available: boolean
  /** Why it is not available, as a sentence (absent when available). */
  reason?: string
}

/** How the vault's data key is protected: in the OS keychain, or wrapped with a passphrase. */
export type VaultMode = 'keychain' | 'passphrase'

/** The vault as the UI and `flotilla vault status` show it. Never contains key material. */
export interface VaultStatus {
  /**
   * `uninitialised`: no vault file yet; `locked`: passphrase mode, no passphrase given yet;
   * `corrupt`: the file is damaged (see `problem`).
   */
  state: 'uninitialised' | 'locked' | 'unlocked' | 'corrupt'
  /** Why the vault cannot be used, as a sentence (state `corrupt`). */
  problem?: string
  mode?: VaultMode
  keychain: KeychainProbe
  /** True when a passphrase came from FLOTILLA_VAULT_PASSPHRASE or --passphrase-file. */
  passphraseProvided: boolean
  /** The vault file. */
  path: string
  /** Incremented on every write. */
  generation?: number
  /** ISO timestamp of the last write. */
  writtenAt?: string
  /** Number of secrets held (only when unlocked). */
  secrets?: number
  /** A previous generation is kept next to the file (for recovery). */
  previousGeneration?: boolean
}

/** What a backup written by `vault:backup` holds. */
export interface VaultBackupResult {
  path: string
  bytes: number
  /** Names of the clusters whose PKI is in the backup. */
  clusters: string[]
  secrets: number
}

/** What `vault:restore` did. */
export interface VaultRestoreResult {
  /** Clusters added or replaced from the backup. */
  restored: string[]
  /** Clusters already present with the same CA: left as they were. */
  unchanged: string[]
  secrets: number
}
