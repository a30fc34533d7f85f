import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { runCliIn as cli } from './cli-test-support'

const tmp = () => mkdtempSync(join(tmpdir(), 'flotilla-cli-'))

/** A loopback "sshd" that only sends `banner` (what `hosts check` reads), and its port. */
async function bannerServer(banner: string | Buffer): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => socket.end(banner))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as AddressInfo).port, server }
}

/** A loopback port nobody listens on (connection refused at once). */
async function closedPort(): Promise<number> {
  const { port, server } = await bannerServer('')
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('flotilla CLI', () => {
  it('adds a host and lists it as JSON', async () => {
    const dir = tmp()
    const added = await cli(dir, 'hosts', 'add', '10.0.0.5', '--user', 'pi')
    expect(added).toMatchObject({ code: 0, stderr: '' })
    expect(added.stdout).toMatch(/^Added pi@10\.0\.0\.5:22 \(id [0-9a-f-]+\)\./)
    const listed = await cli(dir, '--json', 'hosts', 'list')
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ address: '10.0.0.5', user: 'pi', port: 22 })])
  })

  it.each([
    [['hosts', 'add', 'bad host'], /"bad host" is not a valid address/],
    [['hosts', 'add', '10.0.0.5', '--port', '70000'], /Port must be a whole number from 1 to 65535/],
    [['hosts', 'add', '10.0.0.5', '--port', '0'], /Port must be a whole number/],
    [['hosts', 'add', '10.0.0.5', '--port', '22abc'], /--port must be a port number from 1 to 65535, got "22abc"\./],
    [['hosts', 'add', '10.0.0.5', '--user', 'p i'], /no spaces or shell characters/],
    [['hosts', 'add', '10.0.0.5', '--user', 'pi;reboot'], /no spaces or shell characters/],
    [['hosts', 'add', ''], /Address is required/],
  ])('refuses %j with a clear message and writes nothing', async (args, message) => {
    const dir = tmp()
    const result = await cli(dir, ...args)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).toMatch(/\[INVALID_INPUT\]/)
    expect(JSON.parse((await cli(dir, '--json', 'hosts', 'list')).stdout)).toEqual([])
  })

  describe('option errors are sentences about what was typed, naming the option', () => {
    it.each([
      [['hosts', 'add', '10.0.0.5', '--port', 'abc'], '--port must be a port number from 1 to 65535, got "abc".'],
      [['hosts', 'edit', 'pi', '--port', '-1'], '--port must be a port number from 1 to 65535, got "-1".'],
      [
        ['hosts', 'add', '10.0.0.6', '--port', '70000', '--user', 'pi'],
        '--port: Port must be a whole number from 1 to 65535.',
      ],
      [
        ['ssh', 'run', 'pi', '--timeout', 'abc', '--', 'true'],
        '--timeout must be a whole number of seconds, got "abc".',
      ],
      [['ssh', 'run', 'pi', '--timeout', '0', '--', 'true'], '--timeout: The time in seconds must be at least 1.'],
      [['ssh', 'reboot', 'pi', '--timeout', '5m'], '--timeout must be a whole number of seconds, got "5m".'],
      [['ssh', 'reboot', 'pi', '--timeout', '5'], '--timeout: The time in seconds must be at least 10.'],
      [['discover', '--timeout', 'abc'], '--timeout must be a number of seconds, got "abc".'],
      [['discover', '--timeout', '0.1'], '--timeout: Scan for at least half a second.'],
      [
        ['kubeconfig', 'export', 'homelab', '--out', 'x', '--days', 'ten'],
        '--days must be a whole number of days, got "ten".',
      ],
      [
        ['kubeconfig', 'export', 'homelab', '--out', 'x', '--days', '0'],
        '--days: Days must be a whole number from 1 to 3650.',
      ],
      [
        ['clusters', 'create', 'lab2', '--endpoint', '1.2.3.4:6443', '--flavour', 'k8s'],
        '--flavour: Flavour is kubeadm or k3s.',
      ],
      [['pki', 'init', 'homelab', '--algo', 'RSA-1024'], '--algo: Algorithm is one of'],
    ])('%j', async (args, message) => {
      const dir = tmp()
      await cli(dir, 'hosts', 'add', '10.0.0.5', '--label', 'pi', '--user', 'pi')
      await cli(dir, 'clusters', 'create', 'homelab', '--endpoint', '10.0.0.5:6443')
      const result = await cli(dir, ...args)
      expect(result.code).toBe(1)
      expect(result.stderr.startsWith(`error: ${message}`), result.stderr).toBe(true)
      expect(result.stderr).toMatch(/\[INVALID_INPUT\]\n$/)
      expect(result.stderr).not.toMatch(/Invalid input|expected \w+, received/)
    })
  })

  it('prints errors as JSON with --json', async () => {
    const result = await cli(tmp(), '--json', 'hosts', 'add', '10.0.0.5', '--port', '70000')
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout)).toMatchObject({
      error: { code: 'INVALID_INPUT', details: { fields: { port: expect.any(String) } } },
    })
  })

  it('edits and removes by address or label, refusing unknown ones', async () => {
    const dir = tmp()
    await cli(dir, 'hosts', 'add', '10.0.0.5', '--user', 'root', '--label', 'kitchen')
    expect((await cli(dir, 'hosts', 'edit', 'kitchen', '--port', '2222')).stdout).toMatch(
      /Updated kitchen \(root@10\.0\.0\.5:2222\)/,
    )
    expect((await cli(dir, 'hosts', 'rm', 'nope')).stderr).toMatch(/No host "nope".*\[HOST_NOT_FOUND\]/)
    expect((await cli(dir, 'hosts', 'remove', '10.0.0.5')).code).toBe(0)
    expect((await cli(dir, 'hosts', 'list')).stdout).toMatch(/No hosts yet/)
  })

  it('runs as the real `flotilla` command (bin through tsx)', async () => {
    const dir = tmp()
    const bin = join(import.meta.dirname, '../../../bin/flotilla.mjs')
    const run = promisify(execFile)
    await run(process.execPath, [bin, '--data-dir', dir, 'hosts', 'add', 'fd00::5', '--user', 'pi'])
    const { stdout } = await run(process.execPath, [bin, '--data-dir', dir, 'hosts', 'list', '--json'])
    expect(JSON.parse(stdout)).toEqual([expect.objectContaining({ address: 'fd00::5' })])
    const failed = await run(process.execPath, [bin, '--data-dir', dir, 'hosts', 'add', 'x y']).catch(
      (e: { code: number; stderr: string }) => e,
    )
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringMatching(/not a valid address/) })
  }, 30_000)

  describe('hosts check', () => {
    it('fails (exit 1, with the outcome) when every host is unreachable, also with --json', async () => {
      const dir = tmp()
      for (const label of ['a', 'b']) {
        await cli(
          dir,
          'hosts',
          'add',
          '127.0.0.1',
          '--port',
          String(await closedPort()),
          '--label',
          label,
          '--user',
          'pi',
        )
      }
      const human = await cli(dir, 'hosts', 'check')
      expect(human.code).toBe(1)
      expect(human.stdout).toMatch(/a \(pi@127\.0\.0\.1:\d+\)\s+unreachable/)
      expect(human.stderr).toMatch(/^error: 2 of 2 hosts failed\. \[UNREACHABLE\]$/m)
      const json = await cli(dir, '--json', 'hosts', 'check')
      expect(json.code).toBe(1)
      // stdout stays one JSON document (the per-host results); the sentence goes to stderr.
      expect(JSON.parse(json.stdout)).toEqual([
        expect.objectContaining({ reachable: false }),
        expect.objectContaining({ reachable: false }),
      ])
      expect(json.stderr).toMatch(/2 of 2 hosts failed/)
    })

    it('keeps the last result with its time on the host record; a new address forgets it', async () => {
      const dir = tmp()
      await cli(
        dir,
        'hosts',
        'add',
        '127.0.0.1',
        '--port',
        String(await closedPort()),
        '--label',
        'gone',
        '--user',
        'pi',
      )
      const before = Date.now() - 1000
      expect((await cli(dir, 'hosts', 'check')).code).toBe(1)
      // A new process (like a reloaded window) reads it back from the record.
      const [host] = JSON.parse((await cli(dir, '--json', 'hosts', 'list')).stdout)
      expect(host.lastCheck).toMatchObject({ hostId: host.id, reachable: false, reason: expect.any(String) })
      expect(Date.parse(host.lastCheck.at)).toBeGreaterThanOrEqual(before)
      expect((await cli(dir, 'hosts', 'edit', 'gone', '--label', 'still-gone')).code).toBe(0)
      expect(JSON.parse((await cli(dir, '--json', 'hosts', 'list')).stdout)[0].lastCheck).toBeDefined()
      expect((await cli(dir, 'hosts', 'edit', 'still-gone', '--port', '2222')).code).toBe(0)
      expect(JSON.parse((await cli(dir, '--json', 'hosts', 'list')).stdout)[0].lastCheck).toBeUndefined()
    })

    it('fails when some host is unreachable, succeeds when all answer', async () => {
      const dir = tmp()
      const up = await bannerServer('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')
      try {
        await cli(dir, 'hosts', 'add', '127.0.0.1', '--port', String(up.port), '--label', 'up', '--user', 'pi')
        await cli(
          dir,
          'hosts',
          'add',
          '127.0.0.1',
          '--port',
          String(await closedPort()),
          '--label',
          'down',
          '--user',
          'pi',
        )
        const partial = await cli(dir, 'hosts', 'check')
        expect(partial.code).toBe(1)
        expect(partial.stderr).toMatch(/^error: 1 of 2 hosts failed\. \[COMMAND_FAILED\]$/m)
        const ok = await cli(dir, 'hosts', 'check', 'up')
        expect(ok).toMatchObject({ code: 0, stderr: '' })
        expect(ok.stdout).toMatch(/up \(pi@127\.0\.0\.1:\d+\)\s+reachable\s+SSH-2\.0-OpenSSH_9\.2p1 Debian-2/)
      } finally {
        up.server.close()
      }
    })

    it('never prints a host banner’s escape sequences to the terminal', async () => {
      const dir = tmp()
      // A hostile banner: clipboard write (OSC 52), screen clear, cursor home, colour, a bell.
      const evil = await bannerServer(
        'SSH-2.0-Evil\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2J\u001b[H\u001b[31mX\u0007\r\n',
      )
      try {
        await cli(dir, 'hosts', 'add', '127.0.0.1', '--port', String(evil.port), '--user', 'pi')
        const result = await cli(dir, 'hosts', 'check')
        expect(result.code).toBe(0)
        expect(result.stdout).toMatch(/reachable\s+SSH-2\.0-EvilX$/m)
        // eslint-disable-next-line no-control-regex
        expect(result.stdout + result.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/)
      } finally {
        evil.server.close()
      }
    })
    it('escapes a host banner’s C1 and ESC sequences in --json output, which parses back to the banner (item 35)', async () => {
      const dir = tmp()
      const banner = 'SSH-2.0-Evil\u009b[31mX\u001b]52;c;cm0gLXJmIH4=\u0007'
      // Bytes as a hostile sshd sends them (0x9B is one byte, C1 CSI; the banner is read as latin1).
      const evil = await bannerServer(Buffer.from(`${banner}\r\n`, 'latin1'))
      try {
        await cli(dir, 'hosts', 'add', '127.0.0.1', '--port', String(evil.port), '--user', 'pi')
        const result = await cli(dir, '--json', 'hosts', 'check')
        expect(result.code).toBe(0)
        expect(result.stdout).toContain('SSH-2.0-Evil\\u009b[31mX\\u001b]52;c;cm0gLXJmIH4=\\u0007')
        // eslint-disable-next-line no-control-regex
        expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/)
        expect(JSON.parse(result.stdout)).toEqual([expect.objectContaining({ reachable: true, banner })])
      } finally {
        evil.server.close()
      }
    })
  })

  it('says there is nothing to change (exit 1) for an edit that changes nothing', async () => {
    const dir = tmp()
    await cli(dir, 'hosts', 'add', '10.0.0.5', '--label', 'kitchen', '--user', 'pi')
    for (const args of [
      ['--user', 'pi'],
      ['--label', 'kitchen', '--port', '22'],
      ['--address', ' 10.0.0.5 '],
    ]) {
      const result = await cli(dir, 'hosts', 'edit', 'kitchen', ...args)
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(/Nothing to change: kitchen \(pi@10\.0\.0\.5:22\) already has these settings/)
    }
    const none = await cli(dir, 'hosts', 'edit', 'kitchen')
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/Nothing to change: give --address, --port, --user or --label/)
    // A real change still works and says so.
    expect(await cli(dir, 'hosts', 'edit', 'kitchen', '--user', 'root')).toMatchObject({ code: 0 })
  })
})
