import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'

/** One key line of a known_hosts file that applies to a host. */
export interface KnownKey {
  type: string
  blob: Buffer
  /** `@revoked` lines: this key must never be accepted for the host. */
  revoked: boolean
}

/**
 * The name OpenSSH records for a host: `name` on port 22, `[name]:port` otherwise.
 * Hashed entries (`HashKnownHosts yes`, Debian's default) hash exactly this string.
 */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`
}

/**
 * Keys that `known_hosts` text lists for host:port: plain and hashed (`|1|salt|hmac`) host
 * patterns, comma lists, `!negations`, `*`/`?` wildcards and `@revoked`. `@cert-authority` lines
 * are skipped: Flotilla does not do host certificates.
 */
export function findKnownKeys(text: string, host: string, port: number): KnownKey[] {
  const name = knownHostsName(host, port)
  const found: KnownKey[] = []
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) continue
    const fields = line.split(/\s+/)
    let revoked = false
    if (fields[0]?.startsWith('@')) {
      const marker = fields.shift()
      if (marker === '@cert-authority') continue
      revoked = marker === '@revoked'
    }
    const [patterns, type, base64] = fields
    if (!patterns || !type || !base64) continue
    if (!matchesHost(patterns, name)) continue
    const blob = Buffer.from(base64, 'base64')
    if (blob.length > 0) found.push({ type, blob, revoked })
  }
  return found
}

function matchesHost(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) return hashedMatches(patterns, name)
  let matched = false
  for (const pattern of patterns.split(',')) {
    const negated = pattern.startsWith('!')
    const glob = negated ? pattern.slice(1) : pattern
    if (globMatches(glob.toLowerCase(), name.toLowerCase())) {
      if (negated) return false
      matched = true
    }
  }
  return matched
}

function hashedMatches(entry: string, name: string): boolean {
  const [, , salt, hash] = entry.split('|')
  if (!salt || !hash) return false
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64')
  return digest === hash
}

function globMatches(glob: string, name: string): boolean {
  const pattern = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${pattern}$`).test(name)
}

/** Reads the user's known_hosts files; a missing file simply knows nothing. */
export async function readKnownHosts(paths: readonly string[]): Promise<string> {
  const texts = await Promise.all(paths.map((p) => readFile(p, 'utf8').catch(() => '')))
  return texts.join('\n')
}
