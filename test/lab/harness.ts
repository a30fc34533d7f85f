/**
 * Test harness for suites that need real hosts on a LAN.
 *
 *   let lab: Lab
 *   beforeAll(async () => {
 *     lab = await useLab({ profiles: ['pi5', 'microos', 'debian-sudo-nopass'] })
 *   })
 *   it('...', async () => {
 *     const pi = lab.nodes[0]   // address, port, user, password, keyPath, hostKey, ...
 *     await lab.reboot(pi, { wait: true })
 *   })
 *
 * How it fits together: `npm run test:lab` (run-tests.sh) brings up a lab with no nodes and runs
 * vitest inside that lab's desk namespace, so tests and the app's services see the LAN directly.
 * useLab() asks lab.sh to add this suite's nodes to that LAN and returns their descriptions; the
 * nodes are removed by lab.dispose(), which the setup file (vitest.setup.ts) calls after every
 * test file, and again on process exit. run-tests.sh tears the whole lab down at the end whatever
 * happened. Suites run one file at a time, so each one sees only its own nodes on the LAN.
 *
 * Passwords in LabNode are test fixtures: pass them on stdin (see ssh.ts), never log them.
 */
import { execFile, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const LAB_SH = fileURLToPath(new URL('./lab.sh', import.meta.url))

export type Sudo = 'password' | 'nopasswd' | 'root'
export type NodeState = 'up' | 'booting' | 'rebooting' | 'off' | 'dead'

/** One fake host, as described by `lab.sh status --json`. */
export interface LabNode {
  /** the node's number in the lab (address is NET.(10+index)) */
  index: number
  /** host name set on the node; mDNS may have renamed it on a collision (name-clash) */
  hostname: string
  namespace: string
  address: string
  /** SSH port */
  port: number
  /** MAC of the node's eth0, as the desk sees it in ARP */
  mac: string
  /** the profile as requested (an alias like "old-cluster" or BASE+TRAITS) */
  profile: string
  /** the profile with aliases expanded */
  spec: string
  base: string
  traits: string[]
  family: 'raspios' | 'microos' | 'debian' | 'ubuntu'
  os: { id: string; versionId: string; prettyName: string }
  arch: 'aarch64' | 'x86_64' | 'armv7l'
  kernel: string
  /** Raspberry Pi model string, null on PCs */
  model: string | null
  /** "none" or "<type> <device> <size KiB>" as in /proc/swaps */
  swap: string
  /** login user: pi, root, debian, ubuntu */
  user: string
  /** the user's password (null when it has none: key-only hosts) */
  password: string | null
  sudo: Sudo
  /** the lab key (keyPath) is in the user's authorized_keys and sshd accepts keys */
  keyLogin: boolean
  passwordLogin: boolean
  /** sshd runs at all (false: the host refuses SSH) */
  sshd: boolean
  mdns: { responder: boolean; workstation: boolean; ssh: boolean }
  oldCluster: boolean
  state: NodeState
  unplugged: boolean
  impaired: boolean
  bootId: string | null
  /** current ed25519 host public key ("ssh-ed25519 AAAA... root@host") */
  hostKey: string | null
  /** its SHA256 fingerprint, as `ssh-keygen -lf` prints it */
  hostKeyFingerprint: string | null
  /** private key that logs in as `user` when keyLogin is true */
  keyPath: string
}

interface StatusJson {
  up: boolean
  prefix: string
  net: string
  desk: { namespace: string; address: string }
  keyPath: string
  stateDir: string
  nodes: Omit<LabNode, 'keyPath'>[]
}

export interface LabRunResult {
  code: number
  stdout: string
  stderr: string
}

export interface LabRunOptions {
  /** another lab than the one this process runs in */
  prefix?: string
  net?: string
  timeoutMs?: number
  /** extra environment for lab.sh (e.g. LAB_BOOT_TIMEOUT) */
  env?: Record<string, string>
}

/** Run `lab.sh ARGS`; never throws for a non-zero exit (check `code`). */
export function runLab(args: string[], opts: LabRunOptions = {}): Promise<LabRunResult> {
  const env = { ...process.env, ...opts.env }
  if (opts.prefix !== undefined) env.LAB_PREFIX = opts.prefix
  if (opts.net !== undefined) env.LAB_NET = opts.net
  return new Promise((resolve) => {
    execFile(
      'bash',
      [LAB_SH, ...args],
      { env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

async function runLabOrThrow(args: string[], opts: LabRunOptions = {}): Promise<string> {
  const r = await runLab(args, opts)
  if (r.code !== 0) throw new Error(`lab.sh ${args.join(' ')} failed (${r.code}):\n${r.stderr.trim()}`)
  return r.stdout
}

export async function labStatus(opts: LabRunOptions = {}): Promise<StatusJson> {
  return JSON.parse(await runLabOrThrow(['status', '--json'], opts)) as StatusJson
}

export type NodeRef = LabNode | string

export interface ImpairOptions {
  /** added in each direction: a TCP handshake takes 2 x delayMs longer */
  delayMs?: number
  /** percentage of frames dropped, each direction */
  lossPercent?: number
}

export interface RebootOptions {
  /** how long the machine stays off the network (default 2 s) */
  downForSeconds?: number
  /** resolve only once the node is back up (default: as soon as it went down) */
  wait?: boolean
}

export class Lab {
  readonly prefix: string
  readonly net: string
  readonly desk: { namespace: string; address: string }
  readonly keyPath: string
  /** this suite's nodes, in the order of the requested profiles */
  readonly nodes: LabNode[]
  private disposed = false

  constructor(status: StatusJson, nodes: LabNode[]) {
    this.prefix = status.prefix
    this.net = status.net
    this.desk = status.desk
    this.keyPath = status.keyPath
    this.nodes = nodes
  }

  /** A node by host name, namespace or profile (first match), or the node itself. */
  node(ref: NodeRef): LabNode {
    if (typeof ref !== 'string') return ref
    const found =
      this.nodes.find((n) => n.hostname === ref || n.namespace === ref) ?? this.nodes.find((n) => n.profile === ref)
    if (!found) throw new Error(`no node '${ref}' in this lab (${this.nodes.map((n) => n.hostname).join(', ')})`)
    return found
  }

  /** Re-read states, boot ids and host keys; LabNode objects are updated in place. */
  async refresh(): Promise<void> {
    const status = await labStatus()
    for (const n of this.nodes) {
      const fresh = status.nodes.find((s) => s.index === n.index)
      if (fresh) Object.assign(n, fresh)
    }
  }

  private async fault(ref: NodeRef, ...args: string[]): Promise<string> {
    const out = await runLabOrThrow(['fault', String(this.node(ref).index), ...args])
    await this.refresh()
    return out.trim()
  }

  /** Pull the node's cable: carrier lost on both ends, nothing gets through. */
  unplug(ref: NodeRef): Promise<string> {
    return this.fault(ref, 'unplug')
  }
  replug(ref: NodeRef): Promise<string> {
    return this.fault(ref, 'replug')
  }
  /** SIGKILL every sshd process on the node: sessions drop; new connections are refused. */
  killSshd(ref: NodeRef, opts: { restart?: boolean } = {}): Promise<string> {
    return opts.restart ? this.fault(ref, 'kill-sshd', '--restart') : this.fault(ref, 'kill-sshd')
  }
  startSshd(ref: NodeRef): Promise<string> {
    return this.fault(ref, 'start-sshd')
  }
  /** New SSH host keys (re-flashed Pi or impostor). Resolves with the new ed25519 fingerprint. */
  changeHostKey(ref: NodeRef): Promise<string> {
    return this.fault(ref, 'host-key')
  }
  /** Kill the node's PID 1: everything on it dies without a goodbye; its link goes dark. */
  powerCut(ref: NodeRef): Promise<string> {
    return this.fault(ref, 'power-cut')
  }
  /** Boot a powered-off node from its disk (same identity and files, new boot id). */
  powerOn(ref: NodeRef): Promise<string> {
    return this.fault(ref, 'power-on')
  }
  /** Orderly reboot: sessions closed, link down for a while, new boot id, services restarted. */
  reboot(ref: NodeRef, opts: RebootOptions = {}): Promise<string> {
    const args = ['reboot', '--down-for', String(opts.downForSeconds ?? 2)]
    if (opts.wait) args.push('--wait')
    return this.fault(ref, ...args)
  }
  /** Delay and/or loss on the node's cable, until clearImpair(). */
  impair(ref: NodeRef, opts: ImpairOptions): Promise<string> {
    return this.fault(ref, 'impair', '--delay-ms', String(opts.delayMs ?? 0), '--loss', String(opts.lossPercent ?? 0))
  }
  clearImpair(ref: NodeRef): Promise<string> {
    return this.fault(ref, 'impair', '--clear')
  }

  /** Run a command as root inside the node without SSH: for checking what SSH did. */
  nodeExec(ref: NodeRef, command: string): Promise<LabRunResult> {
    return runLab(['node-exec', String(this.node(ref).index), 'sh', '-c', command])
  }

  /** Remove this suite's nodes. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    live.delete(this)
    const r = await runLab(['remove', ...this.nodes.map((n) => String(n.index))])
    if (r.code !== 0) throw new Error(`removing lab nodes failed: ${r.stderr.trim()}`)
  }

  /** Synchronous variant for process exit. */
  disposeSync(): void {
    if (this.disposed) return
    this.disposed = true
    live.delete(this)
    spawnSync('bash', [LAB_SH, 'remove', ...this.nodes.map((n) => String(n.index))], { stdio: 'ignore' })
  }
}

const live = new Set<Lab>()
let exitHookInstalled = false

/** Why useLab() cannot work in this process, or null when it can. */
export function labUnavailableReason(): string | null {
  if (process.platform !== 'linux') return 'the lab needs Linux network namespaces'
  if (!process.env.LAB_HOST_PID || !process.env.LAB_PREFIX) {
    return 'not running inside a lab desk: use `npm run test:lab` (or `npm run lab -- exec <cmd>` with a lab up)'
  }
  return null
}

export interface UseLabOptions {
  /** one node per entry: a base ("pi5"), BASE+TRAITS ("pi4+port=2222") or an alias ("old-cluster") */
  profiles: string[]
}

/**
 * Add nodes with these profiles to the lab this process runs in, wait until each one is up
 * (sshd listening, mDNS records established) and describe them.
 */
export async function useLab(opts: UseLabOptions): Promise<Lab> {
  const reason = labUnavailableReason()
  if (reason) throw new Error(`useLab(): ${reason}`)
  if (opts.profiles.length === 0) throw new Error('useLab(): no profiles given')
  if (opts.profiles.some((p) => p.includes(','))) throw new Error('useLab(): one profile per entry')
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.on('exit', () => {
      for (const lab of [...live]) lab.disposeSync()
    })
  }
  // `add` is all or nothing: when a node fails to boot, lab.sh removes what it added.
  const added = await runLab(['add', '--profile', opts.profiles.join(',')], { timeoutMs: 120_000 })
  if (added.code !== 0) throw new Error(`useLab(): adding ${opts.profiles.join(',')} failed:\n${added.stderr.trim()}`)
  const indexes = added.stdout.trim().split(/\s+/).filter(Boolean).map(Number)
  const status = await labStatus()
  const nodes = indexes.map((i) => {
    const n = status.nodes.find((s) => s.index === i)
    if (!n) throw new Error(`useLab(): node ${i} missing from lab status`)
    return { ...n, keyPath: status.keyPath }
  })
  // lab.sh boots hosts that copy another's name last; report them in the order asked for.
  const ordered: LabNode[] = []
  const pool = [...nodes]
  for (const p of opts.profiles) {
    const at = pool.findIndex((n) => n.profile === p)
    if (at >= 0) ordered.push(...pool.splice(at, 1))
  }
  const lab = new Lab(status, ordered)
  live.add(lab)
  return lab
}

/** Dispose every lab this process created and has not disposed yet (used by vitest.setup.ts). */
export async function disposeAllLabs(): Promise<void> {
  for (const lab of [...live]) await lab.dispose()
}

/**
 * Poll `check` until it returns something truthy (which is returned), or fail after `timeoutMs`
 * naming `what`. For states that take a moment on a real network (a rebooted host answering).
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | false | null | undefined> | T | false | null | undefined,
  timeoutMs = 10_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
