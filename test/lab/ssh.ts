/**
 * Ground-truth network clients for lab tests, built on OpenSSH's own `ssh` and `ssh-keyscan`:
 * independent of whatever SSH library the app uses, so a test can check the app against them.
 * Everything here runs in the calling process's network namespace (the lab desk).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LabNode } from './harness'

let scratchDir: string | undefined
function scratch(): string {
  if (!scratchDir) {
    const dir = mkdtempSync(join(tmpdir(), 'lab-ssh-'))
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
    scratchDir = dir
  }
  return scratchDir
}

/**
 * An SSH_ASKPASS program: ssh runs it when it wants a password and reads stdout. It prints
 * $LAB_SSH_PASSWORD, so a password reaches ssh without a terminal and never appears in argv.
 */
let askpass: string | undefined
function askpassProgram(): string {
  if (!askpass) {
    askpass = join(scratch(), 'askpass.sh')
    writeFileSync(askpass, '#!/bin/sh\nprintf \'%s\\n\' "$LAB_SSH_PASSWORD"\n', { mode: 0o700 })
  }
  return askpass
}

export interface SshOptions {
  /** default: node.user */
  user?: string
  /** 'key' (default when node.keyLogin) uses node.keyPath; 'password' uses node.password */
  auth?: 'key' | 'password'
  /** override the password sent with auth 'password' */
  password?: string
  /** override the port (default node.port) */
  port?: number
  /** sent to the remote command's stdin, e.g. a sudo password for `sudo -S` */
  input?: string
  /** called with stdout as it arrives (e.g. to know a long command has really started) */
  onStdout?: (chunk: string) => void
  /** whole-command limit (default 20 s); the process is killed after it */
  timeoutMs?: number
  /** TCP connect limit in seconds (default 5) */
  connectTimeoutS?: number
  /**
   * Host keys to trust ("ssh-ed25519 AAAA..." lines). With this, a different host key makes
   * ssh fail as it would for a user; without it any host key is accepted.
   */
  knownHostKeys?: string[]
}

export interface SshResult {
  /** ssh's exit status: the remote command's, or 255 for connection/auth failures */
  code: number
  stdout: string
  stderr: string
  /** wall time in ms */
  ms: number
  timedOut: boolean
}

let knownHostsCount = 0
function knownHostsFile(node: LabNode, port: number, keys: string[]): string {
  const file = join(scratch(), `known_hosts-${++knownHostsCount}`)
  const host = port === 22 ? node.address : `[${node.address}]:${port}`
  writeFileSync(file, keys.map((k) => `${host} ${k.split(' ').slice(0, 2).join(' ')}\n`).join(''))
  return file
}

/** Run `command` on `node` over SSH as the node's user (or opts.user). Never throws. */
export function sshExec(node: LabNode, command: string, opts: SshOptions = {}): Promise<SshResult> {
  const port = opts.port ?? node.port
  const auth = opts.auth ?? (node.keyLogin ? 'key' : 'password')
  const args = [
    '-p',
    String(port),
    '-o',
    `ConnectTimeout=${opts.connectTimeoutS ?? 5}`,
    '-o',
    'LogLevel=ERROR',
    // No agent, no config surprises from the environment.
    '-F',
    '/dev/null',
    '-o',
    'IdentityAgent=none',
  ]
  if (opts.knownHostKeys) {
    args.push('-o', `UserKnownHostsFile=${knownHostsFile(node, port, opts.knownHostKeys)}`)
    args.push('-o', 'StrictHostKeyChecking=yes')
  } else {
    args.push('-o', 'UserKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=no')
  }
  const env: NodeJS.ProcessEnv = { ...process.env }
  if (auth === 'key') {
    args.push('-i', node.keyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes')
    args.push('-o', 'PasswordAuthentication=no', '-o', 'KbdInteractiveAuthentication=no')
  } else {
    const password = opts.password ?? node.password
    if (password === null) throw new Error(`sshExec: ${node.hostname} has no password`)
    args.push('-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password,keyboard-interactive')
    args.push('-o', 'NumberOfPasswordPrompts=1')
    env.SSH_ASKPASS = askpassProgram()
    env.SSH_ASKPASS_REQUIRE = 'force'
    env.LAB_SSH_PASSWORD = password
  }
  args.push(`${opts.user ?? node.user}@${node.address}`, command)
  return run('ssh', args, env, opts.input, opts.timeoutMs ?? 20_000, opts.onStdout)
}

/** Host public keys the node's sshd presents ("ssh-ed25519 AAAA..." lines). */
export async function sshKeyscan(node: LabNode, type = 'ed25519'): Promise<string[]> {
  const r = await run('ssh-keyscan', ['-T', '5', '-t', type, '-p', String(node.port), node.address], process.env)
  return r.stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(' ').slice(1).join(' '))
}

/** SHA256 fingerprint of a public key line, as `ssh-keygen -lf` prints it. */
export async function fingerprint(publicKey: string): Promise<string> {
  const r = await run('ssh-keygen', ['-lf', '-'], process.env, `${publicKey}\n`)
  const fp = r.stdout.split(' ')[1]
  if (r.code !== 0 || !fp) throw new Error(`ssh-keygen -lf failed: ${r.stderr}`)
  return fp
}

export type ConnectOutcome =
  { result: 'connected'; ms: number } | { result: 'refused' | 'timeout' | 'unreachable'; ms: number }

/** Open (and close) a TCP connection: tells "up", "refused" (port closed) and "timeout" apart. */
export function tcpConnect(address: string, port: number, timeoutMs = 3000): Promise<ConnectOutcome> {
  const t0 = performance.now()
  return new Promise((resolve) => {
    const sock = connect({ host: address, port })
    const done = (outcome: ConnectOutcome): void => {
      sock.destroy()
      resolve(outcome)
    }
    const ms = (): number => Math.round(performance.now() - t0)
    sock.setTimeout(timeoutMs, () => done({ result: 'timeout', ms: ms() }))
    sock.once('connect', () => done({ result: 'connected', ms: ms() }))
    sock.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done({ result: 'refused', ms: ms() })
      else if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') done({ result: 'unreachable', ms: ms() })
      else done({ result: 'timeout', ms: ms() })
    })
  })
}

/** Run a local command with a time limit; resolves with its outcome, never rejects. */
export function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
  timeoutMs = 20_000,
  onStdout?: (chunk: string) => void,
): Promise<SshResult> {
  const t0 = performance.now()
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      onStdout?.(d.toString())
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', (err) => {
      stderr += String(err)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? 255, stdout, stderr, ms: Math.round(performance.now() - t0), timedOut })
    })
    // A command that exits without reading its input must not turn into an EPIPE error.
    child.stdin.on('error', () => undefined)
    child.stdin.end(input ?? '')
  })
}
