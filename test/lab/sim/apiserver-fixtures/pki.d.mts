// Types for pki.mjs (a SIMULATOR test fixture).
import type { ChildProcess } from 'node:child_process'
export interface Pair {
  crt: string
  key: string
}
export function makeCA(dir: string, name: string, cn: string): Pair
export function makeLeaf(
  dir: string,
  name: string,
  ca: Pair,
  opts: { cn: string; orgs?: string[]; usage?: 'server' | 'client' | 'both'; dns?: string[]; ips?: string[] },
): Pair
export function startEtcd(
  dir: string,
  opts: { clientPort: number; peerPort: number; name?: string },
): Promise<{
  endpoint: string
  ca: string
  cert: string
  key: string
  caKey: string
  proc: ChildProcess
  stop: () => Promise<void>
}>
