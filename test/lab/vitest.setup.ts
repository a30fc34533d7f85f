import { afterAll } from 'vitest'
import { disposeAllLabs } from './harness'

// Whatever a test file forgot to dispose is removed when the file is done.
afterAll(async () => {
  await disposeAllLabs()
})
