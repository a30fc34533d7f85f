import type { OpSecretNeeded } from '../../shared/types'
import type { App } from '../app'
import { terminalSafe, type Output } from './output'
import { ask } from './prompt'

/**
 * While a command runs at a terminal, an operation that pauses for a secret (op:secret-needed) is
 * answered here: one prompt at a time, nothing echoed, handed over with ssh.provideSecret, which
 * resumes every operation waiting for that host and kind. An empty answer cancels the operation.
 * Not at a terminal this is not started, so nothing answers and the operation fails at once with
 * its usual error (SUDO_PASSWORD_NEEDED …) and next step, as before. Returns the stop function.
 */
export function answerSecretsAtTerminal(
  app: App,
  out: Output,
  askHidden: (question: string) => Promise<string> = (question) => ask(question, { hidden: true }),
): () => void {
  const stopAnswering = app.ops.answerSecrets()
  let queue = Promise.resolve()
  const off = app.api.ops.onSecretNeeded((need) => {
    queue = queue.then(() => answer(need)).catch((error: unknown) => out.stderr(`${String(error)}\n`))
  })
  async function answer(need: OpSecretNeeded): Promise<void> {
    // An earlier answer (same host and kind) may already have resumed it: then nothing to ask.
    const op = app.ops.list().find((o) => o.id === need.opId)
    if (!op?.waitingFor?.some((w) => w.hostId === need.hostId && w.kind === need.kind)) return
    out.stderr(terminalSafe(`${need.message}\n`))
    const question =
      need.kind === 'sudo'
        ? `sudo password for ${need.host}: `
        : need.kind === 'passphrase'
          ? `Passphrase for ${need.keyPath ?? 'your key'}: `
          : `Password for ${need.host}: `
    const value = await askHidden(terminalSafe(question, { singleLine: true }))
    if (value === '') return app.api.ops.cancel(need.opId)
    await app.api.ssh.provideSecret(need.hostId, need.kind, value, need.keyPath)
  }
  return () => {
    off()
    stopAnswering()
  }
}
