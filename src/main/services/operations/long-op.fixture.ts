/**
 * Child process for operations-crash.test.ts: the whole app over a data directory runs one long
 * operation of three steps on one host; step 1 finishes, step 2 starts and never ends. The test
 * kills this process with SIGKILL while step 2 runs.
 */
import { testAppIn } from '../../app-test-support'

const [dataDir] = process.argv.slice(2) as [string]
const app = testAppIn(dataDir)
await app.ops.run({ id: 'long-op', kind: 'test:long', title: 'Long work on h1' }, async (ctx) => {
  ctx.steps?.([
    { stepId: 'one', hostId: 'h1' },
    { stepId: 'two', hostId: 'h1' },
    { stepId: 'three', hostId: 'h1' },
  ])
  ctx.step?.('one', 'h1', 'running')
  ctx.log('step one output', 'h1', 'one')
  ctx.step?.('one', 'h1', 'done', { exitStatus: 0 })
  ctx.step?.('two', 'h1', 'running')
  ctx.log('step two started', 'h1', 'two')
  // Runs until killed.
  await new Promise(() => undefined)
})
