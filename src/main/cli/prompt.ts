import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'

/** True when a person is at the keyboard (not a script or CI). */
export function interactive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY)
}

/** Asks on the terminal; with `hidden`, nothing typed is echoed (passwords). */
export function ask(question: string, { hidden = false } = {}): Promise<string> {
  let muted = false
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk)
      done()
    },
  })
  const rl = createInterface({ input: process.stdin, output, terminal: true })
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close()
      if (hidden) process.stderr.write('\n')
      resolve(answer)
    })
    muted = hidden
  })
}
