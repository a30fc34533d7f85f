/** `flotilla ssh …` as a script uses it, against a real Pi-like host whose sudo asks for a password. */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, type Lab, type LabNode } from '../lab/harness'
import { installLabKey, testApp, type TestApp } from './ssh-app'

const BIN = join(import.meta.dirname, '../../bin/flotilla.mjs')
let lab: Lab
let pi: LabNode
/** A host whose SSH banner and OS name carry terminal escape sequences (trait hostile-text). */
let evil: LabNode
let app: TestApp

beforeAll(async () => {
  lab = await useLab({ profiles: ['pi4', 'debian-sudo-nopass+hostile-text'] })
  pi = lab.nodes[0]!
  evil = lab.nodes[1]!
  app = testApp()
  installLabKey(app, lab.keyPath)
})
afterAll(() => app?.close())

async function flotilla(args: string[], env: Record<string, string> = {}) {
  const run = promisify(execFile)
  const options = { env: { ...process.env, HOME: app.home, ...env } }
  return run(process.execPath, [BIN, '--data-dir', app.dataDir, ...args], options).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )
}

describe('flotilla ssh', () => {
  it('will not trust a key blindly from a script, and trusts the exact fingerprint given', async () => {
    expect((await flotilla(['hosts', 'add', pi.address, '--user', 'pi', '--label', 'pi4'])).code).toBe(0)
    const blind = await flotilla(['ssh', 'trust', 'pi4'])
    expect(blind.code).toBe(1)
    expect(blind.stderr).toContain(`--fingerprint ${pi.hostKeyFingerprint}`)
    const wrong = await flotilla(['ssh', 'trust', 'pi4', '--fingerprint', `SHA256:${'B'.repeat(43)}`])
    // First contact: a wrong fingerprint is a mismatch, not a "changed key".
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining('HOST_KEY_UNKNOWN') })
    const ok = await flotilla(['ssh', 'trust', 'pi4', '--fingerprint', pi.hostKeyFingerprint!])
    expect(ok).toMatchObject({ code: 0, stdout: `Trusted pi4 (pi@${pi.address}:22): ${pi.hostKeyFingerprint}\n` })
  })

  it('runs a command as root with the sudo password from the environment, every word quoted', async () => {
    const result = await flotilla(
      ['ssh', 'run', 'pi4', '--sudo', '--', 'sh', '-c', 'id -u; echo "$1"', 'x', "it's $(not run)"],
      {
        FLOTILLA_SUDO_PASSWORD: pi.password!,
      },
    )
    expect(result).toMatchObject({ code: 0, stdout: "0\nit's $(not run)\n" })
    expect(result.stdout + result.stderr).not.toContain(pi.password!)
  })

  it('says what is missing when no password is given, and reports check results as JSON', async () => {
    const noPassword = await flotilla(['ssh', 'run', 'pi4', '--sudo', '--', 'true'])
    expect(noPassword).toMatchObject({ code: 1, stderr: expect.stringContaining('[SUDO_PASSWORD_NEEDED]') })
    const checked = await flotilla(['--json', 'ssh', 'check', 'pi4'], { FLOTILLA_SUDO_PASSWORD: pi.password! })
    expect(checked.code).toBe(0)
    expect(JSON.parse(checked.stdout)).toEqual([
      expect.objectContaining({ ok: true, user: 'pi', sudo: 'password', os: expect.stringMatching(/Debian/) }),
    ])
    expect(app.logText()).not.toContain(pi.password!)
  })

  it('keeps the last reachability check and login on the host record, with their time', async () => {
    const before = Date.now() - 1000
    expect((await flotilla(['hosts', 'check', 'pi4'])).code).toBe(0)
    expect((await flotilla(['ssh', 'check', 'pi4'], { FLOTILLA_SUDO_PASSWORD: pi.password! })).code).toBe(0)
    // A later run (as a reloaded window would) reads them from the record.
    const [host] = JSON.parse((await flotilla(['--json', 'hosts', 'list'])).stdout)
    expect(host.lastCheck).toMatchObject({ reachable: true, banner: expect.stringMatching(/^SSH-2\.0-OpenSSH/) })
    expect(host.lastLogin).toMatchObject({ ok: true, user: 'pi', sudo: 'password' })
    for (const at of [host.lastCheck.at, host.lastLogin.at]) expect(Date.parse(at)).toBeGreaterThanOrEqual(before)
  })

  it('prints a hostile host’s banner and OS name without their escape sequences', async () => {
    // C0 controls but \n, ESC, DEL and C1: none may reach the terminal.
    // eslint-disable-next-line no-control-regex
    const controls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/
    expect((await flotilla(['hosts', 'add', evil.address, '--user', evil.user, '--label', 'evil'])).code).toBe(0)
    expect((await flotilla(['ssh', 'trust', 'evil', '--fingerprint', evil.hostKeyFingerprint!])).code).toBe(0)
    const reach = await flotilla(['hosts', 'check', 'evil'])
    expect(reach.code).toBe(0)
    expect(reach.stdout).toMatch(/reachable\s+SSH-2\.0-OpenSSH_\S+ .*EvilX$/m)
    const login = await flotilla(['ssh', 'check', 'evil'])
    expect(login.code).toBe(0)
    expect(login.stdout).toMatch(/\)X$/m)
    for (const out of [reach, login]) expect(out.stdout + out.stderr).not.toMatch(controls)
    // --json keeps what the host sent, escaped by JSON (a script decides what to do with it).
    const json = await flotilla(['--json', 'hosts', 'check', 'evil'])
    expect(json.stdout).not.toMatch(controls)
    expect(JSON.parse(json.stdout)[0].banner).toContain('\u001b]52;c;')
  })
})
