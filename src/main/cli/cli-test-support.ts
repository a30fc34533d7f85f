import { runCli } from './main'

/** What one CLI run printed and how it exited. */
export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs `flotilla --data-dir DIR ARGS…` in this process (the same code path as bin/flotilla.mjs),
 * capturing stdout and stderr: the CLI tests' one way to call the command.
 */
export async function runCliIn(dir: string, ...args: string[]): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(['--data-dir', dir, ...args], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  })
  return { code, stdout, stderr }
}
