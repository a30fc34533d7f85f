import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import SSHConfig from 'ssh-config'

/** Where the desktop user's SSH setup lives; tests point it at a throwaway folder. */
export interface SshEnvironment {
  home: string
  /** ssh-agent socket (SSH_AUTH_SOCK), 'pageant' on Windows without one, or undefined. */
  agent: string | undefined
}

export function defaultSshEnvironment(env: NodeJS.ProcessEnv = process.env): SshEnvironment {
  const agent = env.SSH_AUTH_SOCK ?? (process.platform === 'win32' ? 'pageant' : undefined)
  return { home: homedir(), agent }
}

/** What ~/.ssh/config says about one host, as far as Flotilla honours it. */
export interface ResolvedHost {
  /** Address to connect to (HostName, else the inventory address). */
  connectTo: string
  /** Private keys to offer: IdentityFile entries, then the usual defaults. */
  keyFiles: string[]
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa']

/**
 * Applies ~/.ssh/config to a host: HostName and IdentityFile are honoured; the inventory's port and
 * user win over the config's (they are what the UI shows). ProxyJump is not supported yet.
 */
export async function resolveHost(environment: SshEnvironment, address: string): Promise<ResolvedHost> {
  const text = await readFile(join(environment.home, '.ssh', 'config'), 'utf8').catch(() => '')
  let hostName: string | undefined
  let identityFiles: string[] = []
  if (text) {
    const computed = SSHConfig.parse(text).compute(address) as Record<string, string | string[] | undefined>
    if (typeof computed.HostName === 'string') hostName = computed.HostName
    const files = computed.IdentityFile
    identityFiles = (Array.isArray(files) ? files : files ? [files] : []).map((f) => expandHome(f, environment.home))
  }
  const defaults = DEFAULT_KEYS.map((name) => join(environment.home, '.ssh', name))
  return { connectTo: hostName ?? address, keyFiles: [...new Set([...identityFiles, ...defaults])] }
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
