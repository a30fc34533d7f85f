/**
 * The SSH executor as `flotilla ssh run` meets it, against real OpenSSH and sudo: a timeout or
 * Ctrl-C stops the remote command's processes before the CLI returns (with and without sudo);
 * output reaches stdout byte for byte, and a kept result says when it was cut; a closed stdout pipe
 * ends the CLI quietly; sudo does not inflate a command, and one too long for any host is refused
 * before it is sent.
 */
import { execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, type Lab, type LabNode } from '../lab/harness'
import { installLabKey, testApp, type TestApp } from './ssh-app'

const BIN = join(import.meta.dirname, '../../bin/flotilla.mjs')
let lab: Lab
let pi: LabNode
let debian: LabNode
let app: TestApp

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: Buffer
  stderr: string
}

beforeAll(async () => {
  lab = await useLab({ profiles: ['pi4', 'debian-sudo-nopass'] })
  ;[pi, debian] = lab.nodes as [LabNode, LabNode]
  app = testApp()
  installLabKey(app, lab.keyPath)
  for (const [node, label] of [
    [pi, 'pi'],
    [debian, 'deb'],
  ] as const) {
    expect((await flotilla(['hosts', 'add', node.address, '--user', node.user, '--label', label])).code).toBe(0)
    expect((await flotilla(['ssh', 'trust', label, '--fingerprint', node.hostKeyFingerprint!])).code).toBe(0)
  }
})
afterAll(() => app?.close())

/** The CLI as a child process; `whenStdout` sees each stdout chunk (and may signal the child). */
function flotilla(
  args: string[],
  options: { env?: Record<string, string>; whenStdout?: (all: Buffer, child: ReturnType<typeof spawn>) => void } = {},
): Promise<Run> {
  const child = spawn(process.execPath, [BIN, '--data-dir', app.dataDir, ...args], {
    env: { ...process.env, HOME: app.home, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out: Buffer[] = []
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    out.push(chunk)
    options.whenStdout?.(Buffer.concat(out), child)
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr })),
  )
}

const sudoEnv = () => ({ FLOTILLA_SUDO_PASSWORD: pi.password! })

/** Every process on the node whose command line is exactly `args` (none once it was stopped). */
async function running(node: LabNode, args: string): Promise<string[]> {
  const result = await lab.nodeExec(node, 'ps -eo args=')
  expect(result.code).toBe(0)
  return result.stdout.split('\n').filter((line) => line.trim() === args)
}

describe('stopping a command', () => {
  it.each([
    { host: 'pi', sudo: false, seconds: 3001 },
    { host: 'pi', sudo: true, seconds: 3002 },
    { host: 'deb', sudo: true, seconds: 3003 },
  ])('after --timeout leaves nothing running on $host (sudo: $sudo) and prints the output so far', async (c) => {
    const node = c.host === 'pi' ? pi : debian
    const result = await flotilla(
      [
        'ssh',
        'run',
        c.host,
        ...(c.sudo ? ['--sudo'] : []),
        // Long enough for sudo to ask for and check the password on a busy machine first.
        '--timeout',
        '5',
        '--',
        'sh',
        '-c',
        `echo x; sleep ${c.seconds}`,
      ],
      { env: sudoEnv() },
    )
    expect(result.stdout.toString()).toBe('x\n')
    expect(result.stderr).toContain('[TIMEOUT]')
    expect(result.code).toBe(1)
    expect(await running(node, `sleep ${c.seconds}`)).toEqual([])
  })

  it.each([
    { host: 'pi', sudo: true, seconds: 3004 },
    { host: 'deb', sudo: false, seconds: 3005 },
  ])('on Ctrl-C exits 130 with nothing left running on $host (sudo: $sudo)', async (c) => {
    const node = c.host === 'pi' ? pi : debian
    let interrupted = false
    const result = await flotilla(
      ['ssh', 'run', c.host, ...(c.sudo ? ['--sudo'] : []), '--', 'sh', '-c', `echo x; sleep ${c.seconds}`],
      {
        env: sudoEnv(),
        // Ctrl-C once the command is surely running: it has printed its first line.
        whenStdout: (all, child) => {
          if (!interrupted && all.toString() === 'x\n') {
            interrupted = true
            child.kill('SIGINT')
          }
        },
      },
    )
    expect(interrupted).toBe(true)
    expect(result).toMatchObject({ code: 130, stderr: '' })
    expect(await running(node, `sleep ${c.seconds}`)).toEqual([])
  })

  it('gives the output seen before a timeout in the --json error as well', async () => {
    const result = await flotilla([
      '--json',
      'ssh',
      'run',
      'deb',
      '--timeout',
      '4',
      '--',
      'sh',
      '-c',
      'echo x; sleep 3006',
    ])
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout.toString())).toMatchObject({
      error: { code: 'TIMEOUT', details: { stdout: 'x\n', stdoutBytes: 2 } },
    })
    expect(await running(debian, 'sleep 3006')).toEqual([])
  })
})

describe('output', () => {
  it('reaches stdout byte for byte and uncapped; --json says when it kept less and that it is not UTF-8', async () => {
    const make = 'head -c 2500000 /dev/urandom > /tmp/blob && printf "\\377\\376" >> /tmp/blob'
    expect((await lab.nodeExec(pi, make)).code).toBe(0)
    const remote = (await lab.nodeExec(pi, 'sha256sum /tmp/blob')).stdout.split(' ')[0]

    const raw = await flotilla(['ssh', 'run', 'pi', '--', 'cat', '/tmp/blob'])
    expect(raw.code).toBe(0)
    expect(raw.stdout.length).toBe(2_500_002)
    expect(createHash('sha256').update(raw.stdout).digest('hex')).toBe(remote)

    const json = await flotilla(['--json', 'ssh', 'run', 'pi', '--', 'cat', '/tmp/blob'])
    expect(json.code).toBe(0)
    const result = JSON.parse(json.stdout.toString()) as Record<string, unknown>
    expect(result).toMatchObject({ exitCode: 0, stdoutBytes: 2_500_002, truncated: true, binary: true })
    expect(Buffer.byteLength(result.stdout as string)).toBeLessThanOrEqual(3 * 1024 * 1024)
  })

  it('keeps a bounded operation log of the output, and says what it left out', async () => {
    const host = (await app.api.hosts.list()).find((h) => h.label === 'deb')!
    const opId = app.api.ops.newId()
    const result = await app.api.ssh.run(host.id, ['seq', '1', '5000'], {}, { opId })
    expect(result).toMatchObject({ exitCode: 0, stdoutBytes: 23_893, truncated: false })
    const log = app.ops.logOf(opId)
    expect(log).toContain(`[${host.id}] 2000`)
    expect(log).not.toContain(`[${host.id}] 2001`)
    expect(log.at(-1)).toBe(`[${host.id}] … 3000 more lines of output not kept in this log.`)
  })

  it('ends quietly when the reader of stdout goes away (| head -1)', async () => {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} --data-dir ${JSON.stringify(app.dataDir)} ssh run pi -- seq 1 100000 | head -1`
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile('bash', ['-c', command], { env: { ...process.env, HOME: app.home } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      ),
    )
    expect(result).toEqual({ code: 0, stdout: '1\n', stderr: '' })
  })
})

describe('command size', () => {
  it('runs a 60 KB argument full of quotes under sudo as without it', async () => {
    const big = "'".repeat(15_000) + '"'.repeat(45_000)
    const expected = createHash('sha256').update(big).digest('hex')
    for (const sudo of [[], ['--sudo']]) {
      const result = await flotilla(
        ['ssh', 'run', 'pi', ...sudo, '--', 'sh', '-c', 'printf %s "$1" | sha256sum', 'x', big],
        { env: sudoEnv() },
      )
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' })
      expect(result.stdout.toString()).toBe(`${expected}  -\n`)
    }
  })

  it('refuses a command no host could start, before sending anything', async () => {
    const tooBig = "'".repeat(40_000)
    const result = await flotilla(['ssh', 'run', 'deb', '--', 'sh', '-c', 'touch /tmp/was-run', 'x', tooBig])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/too long to send: \d+ bytes .* at most 131071 .*\[INVALID_INPUT\]/)
    expect((await lab.nodeExec(debian, 'test -e /tmp/was-run')).code).not.toBe(0)
  })
})
