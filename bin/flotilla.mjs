#!/usr/bin/env node
// The `flotilla` command. Runs the TypeScript sources through tsx, so the CLI is always the code in
// this checkout (no stale build); startup costs a few hundred milliseconds.
import { register } from 'tsx/esm/api'

register()
const { runCli } = await import('../src/main/cli/main.ts')
const code = await runCli(process.argv.slice(2))
// Everything is printed and the app is closed: exit now, once stdout and stderr are flushed. A
// library's leftover (a timer for a command on a connection that is gone, a socket half-closed
// to a host that vanished) must not hold the prompt for seconds after the error is on screen.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
