import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { runCli } from './main'

async function cli(dir: string, ...args: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await runCli(['--data-dir', dir, ...args], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  })
  return { code, stdout, stderr }
}

const tmp = () => mkdtempSync(join(tmpdir(), 'flotilla-cli-'))

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
    [['hosts', 'add', '10.0.0.5', '--port', '22abc'], /Port must be a whole number/],
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
})
