import { readFile } from 'node:fs/promises'
import ssh2, {
  type Algorithms,
  type AnyAuthMethod,
  type AuthenticationType,
  type Client,
  type ConnectConfig,
  type ParsedKey,
} from 'ssh2'
import { AppError } from '../../../shared/errors'
import { fingerprintOf, sameKey, type PinnedHostKey } from './host-key'
import { findKnownKeys } from './known-hosts'
import type { SessionSecrets } from './session-secrets'

// ssh2 is CommonJS: Node's ESM loader cannot see its named exports, so take them off the default.
const { Client: SshClient, utils } = ssh2

/**
 * The algorithms Flotilla offers, set explicitly rather than ssh2's defaults (which include SHA-1
 * `ssh-rsa` host keys, `hmac-sha1` and zlib). Every entry is supported by OpenSSH 9.x and 10.x, the
 * sshd of Raspberry Pi OS 12/13 and openSUSE MicroOS, whose first choices (curve25519, ed25519,
 * chacha20-poly1305 or AES-GCM) are in here; a server offering only older ones is refused with a
 * message saying so. AEAD ciphers carry their own integrity, so the MACs only matter for CTR.
 */
export const SSH_ALGORITHMS = {
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
  ],
  serverHostKey: [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
  ],
  cipher: [
    'chacha20-poly1305@openssh.com',
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
  ],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
  compress: ['none'],
} satisfies Algorithms

/**
 * A dead link (pulled cable, powered-off host) is noticed after KEEPALIVE_COUNT_MAX unanswered
 * keep-alives: about (count + 1) × interval = 15 s of silence.
 */
export const KEEPALIVE_INTERVAL_MS = 5_000
export const KEEPALIVE_COUNT_MAX = 2

/** Everything needed to reach one host. */
export interface SshTarget {
  hostId: string
  /** Name shown in messages (label or address). */
  name: string
  address: string
  port: number
  user: string
  pinned?: PinnedHostKey | undefined
  /** Private key files to offer, in order (from ~/.ssh/config IdentityFile, then the defaults). */
  keyFiles: readonly string[]
}

export interface ConnectOptions {
  secrets: SessionSecrets
  /** ssh-agent socket (SSH_AUTH_SOCK) or 'pageant'. */
  agent?: string | undefined
  /** Contents of the user's known_hosts files. */
  knownHosts: string
  /** Called when an unpinned host's key is accepted because known_hosts already lists it. */
  onKnownHostsKey?: (blob: Buffer) => void
  /** The whole attempt (TCP, key exchange, login) must be done within this. */
  timeoutMs?: number
  signal?: AbortSignal | undefined
}

/**
 * Opens an authenticated SSH connection. The host key is always verified: a pinned key must match,
 * an unpinned one must be in known_hosts, anything else stops with HOST_KEY_UNKNOWN (to ask the
 * user) or HOST_KEY_CHANGED. Authentication first asks the server which methods it takes (the
 * "none" request, as OpenSSH does), then tries the agent and key files if it takes keys, then a
 * password the user gave if it takes passwords; when it needs something it does not have it says
 * what (AUTH_NEEDED with the kind).
 */
export async function connect(target: SshTarget, options: ConnectOptions): Promise<Client> {
  const keys = await loadKeys(target.keyFiles, options.secrets)
  const password = options.secrets.get('password', target.hostId)
  let hostKeyError: AppError | undefined
  const auth: AuthState = { serverMethods: undefined, triedPassword: false, offeredKeys: false }

  const keyMethods: AnyAuthMethod[] = []
  if (options.agent) keyMethods.push({ type: 'agent', username: target.user, agent: options.agent })
  for (const key of keys.usable) keyMethods.push({ type: 'publickey', username: target.user, key: key.parsed })
  let passwordTried = false

  const config: ConnectConfig = {
    host: target.address,
    port: target.port,
    username: target.user,
    readyTimeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    keepaliveInterval: KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    algorithms: SSH_ALGORITHMS,
    hostVerifier: (blob: Buffer) => {
      hostKeyError = verifyHostKey(target, blob, options)
      return hostKeyError === undefined
    },
    authHandler: (authsLeft, _partial, next) => {
      // First call: ask with "none", whose refusal lists the methods the server takes. Without
      // it a client with no key and no password would give up before learning that the server
      // would take a password.
      if (!authsLeft) return next({ type: 'none', username: target.user })
      auth.serverMethods = authsLeft
      if (authsLeft.includes('publickey')) {
        const keyMethod = keyMethods.shift()
        if (keyMethod) {
          auth.offeredKeys = true
          return next(keyMethod)
        }
      }
      if (password && !passwordTried) {
        passwordTried = true
        // One attempt per connection: a second (keyboard-interactive after password) would only
        // cost another PAM fail delay with the same password.
        if (authsLeft.includes('password')) {
          auth.triedPassword = true
          return next({ type: 'password', username: target.user, password: password.reveal() })
        }
        if (authsLeft.includes('keyboard-interactive')) {
          auth.triedPassword = true
          return next({
            type: 'keyboard-interactive',
            username: target.user,
            prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password.reveal())),
          })
        }
      }
      // ssh2 takes `false` for "no more methods" though its types do not say so.
      next(false as never)
    },
  }

  const client = new SshClient()
  return new Promise<Client>((resolve, reject) => {
    const onAbort = () => {
      client.end()
      reject(new AppError('CANCELLED', 'The operation was cancelled.'))
    }
    if (options.signal?.aborted) return onAbort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    const settle = () => options.signal?.removeEventListener('abort', onAbort)
    let settled = false
    client.once('ready', () => {
      settled = true
      settle()
      resolve(client)
    })
    // Stays attached for the connection's whole life: ssh2 emits 'error' for a dead keepalive or
    // a reset long after 'ready', and an 'error' without a listener would crash the process. Such
    // a connection also emits 'close', which the pool and running commands act on.
    client.on('error', (error: Error & { level?: string; code?: string }) => {
      // After 'ready' an error means the link is dead (keep-alives unanswered, reset): destroy
      // rather than end, so no half-closed socket waits for a peer that is gone and keeps the
      // process alive.
      if (settled) return void client.destroy()
      // An agent that cannot be reached (a stale SSH_AUTH_SOCK) is not the end: ssh2 goes on
      // with the next method (the key files, a password) by itself.
      if (error.level === 'agent') return
      settled = true
      settle()
      client.destroy()
      if (hostKeyError) return reject(hostKeyError)
      if (error.level === 'client-authentication') {
        return reject(authError(target, { ...auth, keys, secrets: options.secrets }))
      }
      reject(connectionError(target, error))
    })
    // A server that drops the TCP connection mid-handshake (sshd stopping for a reboot) may end
    // the client with 'close' and no 'error': without this the promise would wait forever.
    client.once('close', () => {
      if (settled) return
      settled = true
      settle()
      reject(
        hostKeyError ??
          connectionError(
            target,
            Object.assign(new Error('the connection closed during the SSH handshake'), { code: 'ECONNRESET' }),
          ),
      )
    })
    client.connect(config)
  })
}

/** ssh2's readyTimeout when the caller gives none (the service passes its connect deadline). */
const DEFAULT_TIMEOUT_MS = 10_000

interface AuthState {
  /** What the server said it takes (undefined until its first answer). */
  serverMethods: AuthenticationType[] | undefined
  /** A password (or keyboard-interactive answer) was really sent. */
  triedPassword: boolean
  /** The agent or a key file was offered. */
  offeredKeys: boolean
}

/** Reads the server's host key without logging in (for the trust dialog). */
export function scanHostKey(
  target: Pick<SshTarget, 'address' | 'port' | 'name'>,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Buffer> {
  const client = new SshClient()
  return new Promise<Buffer>((resolve, reject) => {
    let seen: Buffer | undefined
    // on, not once: ssh2 may emit a second error while tearing down, which must not go unheard.
    client.on('error', (error: Error & { level?: string; code?: string }) => {
      client.end()
      if (seen) resolve(seen)
      else reject(connectionError(target, error))
    })
    client.once('ready', () => client.end())
    client.once('close', () => {
      if (seen) resolve(seen)
      else
        reject(
          connectionError(
            target,
            Object.assign(new Error('the connection closed before the key exchange'), { code: 'ECONNRESET' }),
          ),
        )
    })
    client.connect({
      host: target.address,
      port: target.port,
      username: 'flotilla-scan',
      readyTimeout: timeoutMs,
      algorithms: SSH_ALGORITHMS,
      // Take the key and refuse to go on: nothing is sent past the key exchange.
      hostVerifier: (blob: Buffer) => {
        seen = Buffer.from(blob)
        return false
      },
    })
  })
}

function verifyHostKey(target: SshTarget, blob: Buffer, options: ConnectOptions): AppError | undefined {
  const seen = fingerprintOf(blob)
  if (target.pinned) {
    return sameKey(target.pinned, blob) ? undefined : hostKeyChanged(target, target.pinned.fingerprint, seen)
  }
  const known = findKnownKeys(options.knownHosts, target.address, target.port)
  if (known.some((k) => k.revoked && k.blob.equals(blob))) {
    return new AppError(
      'HOST_KEY_CHANGED',
      `${target.name} presents a host key that your known_hosts marks as revoked (${seen}). Stop here.`,
      {
        hostId: target.hostId,
        newFingerprint: seen,
      },
    )
  }
  const match = known.find((k) => !k.revoked && k.blob.equals(blob))
  if (match) {
    options.onKnownHostsKey?.(blob)
    return undefined
  }
  const other = known.find((k) => !k.revoked)
  if (other) return hostKeyChanged(target, fingerprintOf(other.blob), seen)
  return new AppError(
    'HOST_KEY_UNKNOWN',
    `Flotilla has not met ${target.name} before. Check that its host key fingerprint is ${seen}, then trust it.`,
    { hostId: target.hostId, fingerprint: seen },
  )
}

function hostKeyChanged(target: SshTarget, oldFingerprint: string, newFingerprint: string): AppError {
  return new AppError(
    'HOST_KEY_CHANGED',
    `The host key of ${target.name} changed since you trusted it (${oldFingerprint} → ${newFingerprint}). If you re-installed this machine, re-trust it; otherwise stop: something may be impersonating it.`,
    { hostId: target.hostId, oldFingerprint, newFingerprint },
  )
}

interface LoadedKeys {
  usable: { path: string; parsed: ParsedKey }[]
  /** Encrypted keys for which no passphrase is known yet. */
  needPassphrase: string[]
}

async function loadKeys(paths: readonly string[], secrets: SessionSecrets): Promise<LoadedKeys> {
  const loaded: LoadedKeys = { usable: [], needPassphrase: [] }
  for (const path of paths) {
    const data = await readFile(path).catch(() => undefined)
    if (!data) continue
    const passphrase = secrets.get('passphrase', path)
    const parsed = utils.parseKey(data, passphrase?.reveal())
    const key = Array.isArray(parsed) ? parsed[0] : parsed
    if (key instanceof Error || key === undefined) {
      if (/passphrase|encrypted/i.test(key?.message ?? '')) {
        if (passphrase) secrets.forget('passphrase', path)
        loaded.needPassphrase.push(path)
      }
      continue
    }
    if (key.isPrivateKey()) loaded.usable.push({ path, parsed: key })
  }
  return loaded
}

function authError(target: SshTarget, state: AuthState & { keys: LoadedKeys; secrets: SessionSecrets }): AppError {
  const who = `${target.user}@${target.name}`
  const methods = state.serverMethods ?? []
  if (state.triedPassword) {
    state.secrets.forget('password', target.hostId)
    return new AppError('AUTH_FAILED', `${who} did not accept that password.`, {
      hostId: target.hostId,
      kind: 'password',
    })
  }
  const keyPath = state.keys.needPassphrase[0]
  if (keyPath && methods.includes('publickey')) {
    return new AppError(
      'AUTH_NEEDED',
      `Your key ${keyPath} is protected by a passphrase. Enter it to log in to ${who}.`,
      {
        hostId: target.hostId,
        kind: 'passphrase',
        keyPath,
      },
    )
  }
  if (methods.includes('password') || methods.includes('keyboard-interactive')) {
    return new AppError('AUTH_NEEDED', `${who} wants a password.`, { hostId: target.hostId, kind: 'password' })
  }
  if (methods.includes('publickey')) {
    const tried = state.offeredKeys
      ? 'none of yours was accepted'
      : 'you have none to offer (no key in ~/.ssh and no ssh-agent)'
    return new AppError(
      'AUTH_FAILED',
      `${who} accepts only keys, and ${tried}. Add your public key to its authorized_keys.`,
      { hostId: target.hostId, kind: 'key' },
    )
  }
  return new AppError(
    'AUTH_FAILED',
    `${who} offers no login method Flotilla can use (it offers: ${methods.join(', ') || 'nothing'}). Enable key or password login in its sshd_config.`,
    { hostId: target.hostId, kind: 'key' },
  )
}

/** Network and protocol failures as sentences with a next step. */
export function connectionError(
  target: Pick<SshTarget, 'name' | 'address' | 'port'>,
  error: Error & { level?: string; code?: string },
): AppError {
  const where = `${target.name} (${target.address}:${target.port})`
  switch (error.code) {
    case 'ECONNREFUSED':
      return new AppError('UNREACHABLE', `${where} refused the SSH connection: is SSH enabled and on that port?`)
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new AppError('UNREACHABLE', `No route to ${where}: is it switched on and on this network?`)
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new AppError('UNREACHABLE', `The name of ${where} does not resolve: use its IP address.`)
    case 'ECONNRESET':
      return new AppError('UNREACHABLE', `${where} closed the connection during the SSH handshake.`)
  }
  if (error.level === 'client-timeout' || error.code === 'ETIMEDOUT') {
    return new AppError('TIMEOUT', `${where} did not complete the SSH handshake in time.`)
  }
  if (error.level === 'handshake' && /no matching/i.test(error.message)) {
    // ssh2 says e.g. "Handshake failed: no matching C->S MAC": the server offers none of ours.
    const what = error.message.replace(/^Handshake failed:\s*/i, '')
    return new AppError(
      'UNREACHABLE',
      `${where} offers only old SSH algorithms that Flotilla does not use (${what}). Update its OpenSSH, or allow modern algorithms (curve25519, ed25519 or ECDSA host keys, AES-GCM or ChaCha20, HMAC-SHA2).`,
      { reason: 'algorithms' },
    )
  }
  return new AppError('UNREACHABLE', `Could not talk SSH to ${where}: ${error.message}`)
}
