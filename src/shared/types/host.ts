import type { HostDiscovery, HostIdentification } from './discovery'
import type { SshCheckResult } from './ssh'

/** A machine Flotilla knows about: added by address, or discovered over mDNS. */
export interface Host {
  /** Stable id, generated when the host is added. */
  id: string
  /** IPv4, IPv6 (without brackets) or DNS name, as the user gave it (lower-cased for names). */
  address: string
  /** SSH port. */
  port: number
  /** SSH login user. */
  user: string
  /** Optional friendly name shown instead of the address. */
  label?: string
  /** How Flotilla learned of the host. */
  source: 'manual' | 'mdns'
  /** Discovered and not adopted yet: the user has not confirmed its login (user/port). */
  pending?: boolean
  /** The user chose to ignore this discovered host: hidden, and not re-added by later scans. */
  ignored?: boolean
  /** What mDNS shows of it (kept up to date while scanning). */
  discovery?: HostDiscovery
  /** The last identification over SSH, with its timestamp and readiness per role. */
  identification?: HostIdentification
  /** The SSH host key the user trusted; every connection must present exactly this key. */
  hostKey?: PinnedHostKey
  /** The last reachability check (hosts:check) and when it ran: a reload still shows it. */
  lastCheck?: ReachabilityResult & { at: string }
  /** The last login check (ssh:check, Connect) and when it ran. */
  lastLogin?: SshCheckResult & { at: string }
  /** ISO timestamps. */
  addedAt: string
  updatedAt: string
}

/** What the user types to add a host. Port defaults to 22; the user has no default (login-user.ts). */
export interface HostInput {
  address: string
  port?: number
  user: string
  label?: string
}

/** Fields that can change on an existing host; absent fields stay. `label: ''` clears it. */
export interface HostPatch {
  address?: string
  port?: number
  user?: string
  label?: string
}

/** Result of a reachability check of one host (TCP connect + SSH banner). */
export interface ReachabilityResult {
  hostId: string
  reachable: boolean
  /** The SSH identification line the server sent, e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2". */
  banner?: string
  /** Round-trip of the TCP connect in milliseconds. */
  latencyMs?: number
  /** Why it is not reachable, as a sentence. */
  reason?: string
}

/** A host key the user trusted, pinned in the inventory. */
export interface PinnedHostKey {
  /** e.g. "ssh-ed25519". */
  type: string
  /** `SHA256:<base64 without padding>`, exactly as `ssh-keygen -lf` prints it. */
  fingerprint: string
  /** The key blob (SSH wire format), base64. */
  blob: string
  trustedAt: string
  /** How trust came about: the user confirmed it, or ~/.ssh/known_hosts already had it. */
  source: 'confirmed' | 'known_hosts'
}
