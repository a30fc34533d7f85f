import { readFile } from 'node:fs/promises'
import ssh2, {
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
  timeoutMs?: number
  signal?: AbortSignal | undefined
}

/**
 * Opens an authenticated SSH connection. The host key is always verified: a pinned key must match,
 * an unpinned one must be in known_hosts, anything else stops with HOST_KEY_UNKNOWN (to ask the
 * user) or HOST_KEY_CHANGED. Authentication tries the agent, then key files, then a password the
 * user gave; when it needs something it does not have it says what (AUTH_NEEDED with the kind).
 */
export async function connect(target: SshTarget, options: ConnectOptions): Promise<Client> {
  const keys = await loadKeys(target.keyFiles, options.secrets)
  const password = options.secrets.get('password', target.hostId)
  let hostKeyError: AppError | undefined
  let serverMethods: AuthenticationType[] = []
  let triedPassword = false

  const methods: AnyAuthMethod[] = []
  if (options.agent) methods.push({ type: 'agent', username: target.user, agent: options.agent })
  for (const key of keys.usable) methods.push({ type: 'publickey', username: target.user, key: key.parsed })
  if (password) {
    methods.push({ type: 'password', username: target.user, password: password.reveal() })
    methods.push({
      type: 'keyboard-interactive',
      username: target.user,
      prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password.reveal())),
    })
  }

  const config: ConnectConfig = {
    host: target.address,
    port: target.port,
    username: target.user,
    readyTimeout: options.timeoutMs ?? 15_000,
    keepaliveInterval: 10_000,
    keepaliveCountMax: 3,
    hostVerifier: (blob: Buffer) => {
      hostKeyError = verifyHostKey(target, blob, options)
      return hostKeyError === undefined
    },
    authHandler: (authsLeft, _partial, next) => {
      if (authsLeft) serverMethods = authsLeft
      const nextMethod = methods.shift()
      // ssh2 takes `false` for "no more methods" though its types do not say so.
      if (!nextMethod) return next(false as never)
      if (nextMethod.type === 'password' || nextMethod.type === 'keyboard-interactive') triedPassword = true
      next(nextMethod)
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
      if (settled) return
      settled = true
      settle()
      client.end()
      if (hostKeyError) return reject(hostKeyError)
      if (error.level === 'client-authentication') {
        return reject(authError(target, { triedPassword, serverMethods, keys, secrets: options.secrets }))
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

/** Reads the server's host key without logging in (for the trust dialog). */
export function scanHostKey(target: Pick<SshTarget, 'address' | 'port' | 'name'>, timeoutMs = 10_000): Promise<Buffer> {
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

function authError(
  target: SshTarget,
  state: { triedPassword: boolean; serverMethods: AuthenticationType[]; keys: LoadedKeys; secrets: SessionSecrets },
): AppError {
  const who = `${target.user}@${target.name}`
  if (state.triedPassword) {
    state.secrets.forget('password', target.hostId)
    return new AppError('AUTH_FAILED', `${who} did not accept that password.`, {
      hostId: target.hostId,
      kind: 'password',
    })
  }
  const keyPath = state.keys.needPassphrase[0]
  if (keyPath) {
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
  if (state.serverMethods.includes('password') || state.serverMethods.includes('keyboard-interactive')) {
    return new AppError('AUTH_NEEDED', `${who} wants a password.`, { hostId: target.hostId, kind: 'password' })
  }
  return new AppError(
    'AUTH_FAILED',
    `${who} accepts only keys, and none of yours was accepted. Add your public key to its authorized_keys.`,
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
  return new AppError('UNREACHABLE', `Could not talk SSH to ${where}: ${error.message}`)
}
