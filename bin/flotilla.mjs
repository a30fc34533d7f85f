#!/usr/bin/env node
// The `flotilla` command. Runs the TypeScript sources through tsx, so the CLI is always the code in
// this checkout (no stale build); startup costs a few hundred milliseconds.
import { register } from 'tsx/esm/api'

register()
const { runCli } = await import('../src/main/cli/main.ts')
process.exitCode = await runCli(process.argv.slice(2))
