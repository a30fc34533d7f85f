import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import SSHConfig from 'ssh-config'

/** Where the desktop user's SSH setup lives; tests point it at a throwaway folder. */
export interface SshEnvironment {
  home: string
  /** ssh-agent socket (SSH_AUTH_SOCK), 'pageant' on Windows without one, or undefined. */
  agent: string | undefined
  /** Overall deadline for opening one connection (FLOTILLA_SSH_CONNECT_TIMEOUT, seconds). */
  connectTimeoutMs?: number | undefined
}

/** How long opening a connection may take, all attempts included, unless configured. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

export function defaultSshEnvironment(env: NodeJS.ProcessEnv = process.env): SshEnvironment {
  const agent = env.SSH_AUTH_SOCK ?? (process.platform === 'win32' ? 'pageant' : undefined)
  return { home: homedir(), agent, connectTimeoutMs: connectTimeoutFrom(env.FLOTILLA_SSH_CONNECT_TIMEOUT) }
}

/** FLOTILLA_SSH_CONNECT_TIMEOUT in seconds (1–300); anything else keeps the default. */
export function connectTimeoutFrom(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const seconds = Number(value)
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 300) {
    throw new Error(`FLOTILLA_SSH_CONNECT_TIMEOUT must be a number of seconds from 1 to 300, not "${value}".`)
  }
  return Math.round(seconds * 1000)
}

/** What ~/.ssh/config says about one host, as far as Flotilla honours it. */
export interface ResolvedHost {
  /** Address to connect to (HostName, else the inventory address). */
  connectTo: string
  /** Private keys to offer: IdentityFile entries, then the usual defaults. */
  keyFiles: string[]
  /** ~/.ssh/config has `Match exec` lines, which Flotilla does not run (they count as not matching). */
  ignoredMatchExec?: true
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa']

/**
 * Applies ~/.ssh/config to a host: HostName and IdentityFile are honoured; the inventory's port and
 * user win over the config's (they are what the UI shows). ProxyJump is not supported yet.
 * `Match exec` is never run: the config parser would hand it to a shell on every connection, with
 * this process's environment (secrets included); such blocks count as not matching.
 */
export async function resolveHost(environment: SshEnvironment, address: string): Promise<ResolvedHost> {
  const text = await readFile(join(environment.home, '.ssh', 'config'), 'utf8').catch(() => '')
  let hostName: string | undefined
  let identityFiles: string[] = []
  let ignoredMatchExec = false
  if (text) {
    const config = SSHConfig.parse(text)
    ignoredMatchExec = hasMatchExec(config)
    const computed = config.compute({ Host: address }, { matchExec: false }) as Record<
      string,
      string | string[] | undefined
    >
    if (typeof computed.HostName === 'string') hostName = computed.HostName
    const files = computed.IdentityFile
    identityFiles = (Array.isArray(files) ? files : files ? [files] : []).map((f) => expandHome(f, environment.home))
  }
  const defaults = DEFAULT_KEYS.map((name) => join(environment.home, '.ssh', name))
  return {
    connectTo: hostName ?? address,
    keyFiles: [...new Set([...identityFiles, ...defaults])],
    ...(ignoredMatchExec ? { ignoredMatchExec: true as const } : {}),
  }
}

function hasMatchExec(config: SSHConfig): boolean {
  return config.some(
    (line) =>
      'criteria' in line &&
      Object.keys((line as { criteria: Record<string, unknown> }).criteria).some((k) => k.toLowerCase() === 'exec'),
  )
}

export function knownHostsFiles(environment: SshEnvironment): string[] {
  return [join(environment.home, '.ssh', 'known_hosts'), join(environment.home, '.ssh', 'known_hosts2')]
}

/** The user's public keys, for "install my key". */
export async function defaultPublicKey(environment: SshEnvironment): Promise<string | undefined> {
  for (const name of DEFAULT_KEYS) {
    const text = await readFile(join(environment.home, '.ssh', `${name}.pub`), 'utf8').catch(() => undefined)
    if (text?.trim()) return text.trim()
  }
  return undefined
}

function expandHome(path: string, home: string): string {
  return path.startsWith('~/') ? join(home, path.slice(2)) : path
}
