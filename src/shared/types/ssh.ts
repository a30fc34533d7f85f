import type { AppErrorData } from '../errors'

/** What a host's SSH server presents, compared with what Flotilla trusts. */
export interface HostKeyScan {
  hostId: string
  type: string
  /** `SHA256:…` as `ssh-keygen -lf` prints it. */
  fingerprint: string
  /** pinned: matches the trusted key; known_hosts: your ~/.ssh/known_hosts has it; unknown: first contact; changed: differs from the trusted one. */
  status: 'pinned' | 'known_hosts' | 'unknown' | 'changed'
  pinnedFingerprint?: string
}

/** How a user gets root on a host. */
export type SudoMode = 'root' | 'nopasswd' | 'password'

/** Result of logging in to one host. */
export interface SshCheckResult {
  hostId: string
  ok: boolean
  /** Remote login name (`id -un`). */
  user?: string
  sudo?: SudoMode
  /** PRETTY_NAME from /etc/os-release. */
  os?: string
  error?: AppErrorData
}

/** Output of one command run on a host. */
export interface RunResult {
  exitCode: number | null
  signal?: string
  /** The output as UTF-8 text, at most the first 1 MiB of each stream (see `truncated`). */
  stdout: string
  stderr: string
  /** Bytes the command wrote to each stream: more than the text holds when `truncated`. */
  stdoutBytes: number
  stderrBytes: number
  /** The text holds only the first 1 MiB of stdout or stderr: the rest was not kept. */
  truncated: boolean
  /** stdout is not valid UTF-8: the text shows U+FFFD where its bytes are not (not an exact copy). */
  binary?: boolean
}

/** Output of `ssh:run` as it arrives, for callers that asked for it (`stream`): raw bytes, base64. */
export interface RunOutput {
  opId: string
  hostId: string
  stream: 'stdout' | 'stderr'
  /** The bytes exactly as the command wrote them, base64-encoded. */
  data: string
}

export interface RebootResult {
  bootIdBefore: string
  bootIdAfter: string
  /** Seconds from issuing the reboot to SSH answering again. */
  seconds: number
}

/** Kinds of secret the user can give for a host. */
export type SshSecretKind = 'password' | 'sudo' | 'passphrase'
