import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { testAppIn } from '../app-test-support'
import type { Output } from './output'
import { answerSecretsAtTerminal } from './secret-prompts'

function quietOutput(): Output & { err: string } {
  const out = { err: '', stdout: () => undefined, stderr: (text: string) => void (out.err += text) }
  return out
}

describe('answerSecretsAtTerminal', () => {
  it('asks (hidden) when an operation pauses for a sudo password, hands it over, and the operation goes on', async () => {
    const app = testAppIn(mkdtempSync(join(tmpdir(), 'flotilla-prompts-')))
    try {
      const host = await app.api.hosts.add({ address: '192.0.2.7', port: 22, label: 'kitchen-pi', user: 'pi' })
      const questions: string[] = []
      const out = quietOutput()
      const stop = answerSecretsAtTerminal(app, out, async (question) => {
        questions.push(question)
        return 'typed-pw'
      })
      const given = await app.ops.run({ id: 'op1', kind: 'test', title: 'x' }, (ctx) =>
        ctx.needSecret!({ hostId: host.id, host: 'kitchen-pi', kind: 'sudo', reason: 'sudo on kitchen-pi asks.' }),
      )
      expect(given).toBe(true)
      expect(questions).toEqual(['sudo password for kitchen-pi: '])
      expect(out.err).toContain('sudo on kitchen-pi asks.')
      expect(app.ssh.secrets.get('sudo', host.id)?.reveal()).toBe('typed-pw')
      stop()
      // Stopped (the command ended): nobody answers any more.
      const after = await app.ops.run({ id: 'op2', kind: 'test', title: 'x' }, (ctx) =>
        ctx.needSecret!({ hostId: host.id, kind: 'sudo', reason: 'again' }),
      )
      expect(after).toBe(false)
    } finally {
      app.close()
    }
  })

  it('cancels the operation on an empty answer', async () => {
    const app = testAppIn(mkdtempSync(join(tmpdir(), 'flotilla-prompts-')))
    try {
      const host = await app.api.hosts.add({ address: '192.0.2.8', port: 22, label: 'garage-pi', user: 'pi' })
      const stop = answerSecretsAtTerminal(app, quietOutput(), async () => '')
      await expect(
        app.ops.run({ id: 'op1', kind: 'test', title: 'x' }, (ctx) =>
          ctx.needSecret!({ hostId: host.id, kind: 'sudo', reason: 'sudo asks.' }),
        ),
      ).rejects.toMatchObject({ code: 'CANCELLED' })
      expect((await app.api.ops.get('op1')).op.state).toBe('cancelled')
      stop()
    } finally {
      app.close()
    }
  })
})
