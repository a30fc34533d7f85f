/**
 * Secrets that need escaping (quotes, backslashes, non-ASCII) against a real host: real sudo takes
 * such a password through the executor, and neither the log nor the CLI's --json output shows it in
 * any form (raw, JSON-escaped), also where the logged text is cut.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, type Lab, type LabNode } from '../lab/harness'
import { installLabKey, testApp, type TestApp } from './ssh-app'

const BIN = join(import.meta.dirname, '../../bin/flotilla.mjs')
// No colon (chpasswd's separator) and no newline; everything else a person might type.
const ODD = `Pa"ss\\wörd 'q' ü-密码-${process.pid}`
let lab: Lab
let pi: LabNode
let app: TestApp

async function flotilla(args: string[], env: Record<string, string> = {}) {
  const run = promisify(execFile)
  const options = { env: { ...process.env, HOME: app.home, ...env } }
  return run(process.execPath, [BIN, '--data-dir', app.dataDir, ...args], options).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )
}

/** Every 4-character piece of the password, raw and JSON-escaped. */
function pieces(secret: string): string[] {
  const out = new Set<string>()
  for (const form of [secret, JSON.stringify(secret).slice(1, -1)]) {
    for (let i = 0; i + 4 <= form.length; i++) out.add(form.slice(i, i + 4))
  }
  return [...out]
}

/** How many pieces of the password `text` holds (a count: a failure must not print them). */
function leaks(text: string): number {
  return pieces(ODD).filter((p) => text.includes(p)).length
}

beforeAll(async () => {
  lab = await useLab({ profiles: ['pi4'] })
  pi = lab.nodes[0]!
  app = testApp()
  installLabKey(app, lab.keyPath)
  expect((await flotilla(['hosts', 'add', pi.address, '--user', 'pi', '--label', 'pi4'])).code).toBe(0)
  expect((await flotilla(['ssh', 'trust', 'pi4', '--fingerprint', pi.hostKeyFingerprint!])).code).toBe(0)
  // The user's password becomes the odd one (through the real chpasswd), handed over in base64.
  const encoded = Buffer.from(`pi:${ODD}\n`).toString('base64')
  const set = await flotilla(
    ['ssh', 'run', 'pi4', '--sudo', '--', 'sh', '-c', 'echo "$1" | base64 -d | chpasswd', 'x', encoded],
    {
      FLOTILLA_SUDO_PASSWORD: pi.password!,
    },
  )
  expect(set.code, set.stderr).toBe(0)
  // Only what follows is under test.
  writeFileSync(join(app.dataDir, 'logs', 'flotilla.log'), '')
})
afterAll(() => app?.close())

describe('a sudo password with quotes, backslashes and non-ASCII', () => {
  it('is accepted by the real sudo through the executor', async () => {
    const result = await flotilla(['ssh', 'run', 'pi4', '--sudo', '--', 'id', '-u'], { FLOTILLA_SUDO_PASSWORD: ODD })
    expect(result).toMatchObject({ code: 0, stdout: '0\n' })
    expect(leaks(result.stdout + result.stderr)).toBe(0)
  })

  it('never reaches the log or --json, in any escaped form, wherever the cut of a logged call falls', async () => {
    for (const pad of [0, 37, 61, 90]) {
      // The password as a command argument: the logged call carries it JSON-escaped.
      const result = await flotilla(['--json', 'ssh', 'run', 'pi4', '--sudo', '--', 'true', 'p'.repeat(pad), ODD], {
        FLOTILLA_SUDO_PASSWORD: ODD,
      })
      expect(result.code).toBe(0)
      expect(leaks(result.stdout), `--json output, pad ${pad}`).toBe(0)
    }
    const wrong = await flotilla(['--json', 'ssh', 'run', 'pi4', '--sudo', '--', 'true'], {
      FLOTILLA_SUDO_PASSWORD: `${ODD}-not`,
    })
    expect(wrong.code).toBe(1)
    expect(leaks(wrong.stdout + wrong.stderr)).toBe(0)
    const log = app.logText()
    expect(log).toContain('call ssh:run')
    expect(leaks(log), 'pieces of the password in flotilla.log').toBe(0)
  })
})
