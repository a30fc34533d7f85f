/** The Hosts screen's add form and loopback ports, as the e2e specs use them. */
import { createServer, type AddressInfo } from 'node:net'
import type { Page } from '@playwright/test'

/** Fills the "Add host" form (user pi) and submits it; what to wait for after is the caller's. */
export async function submitAddHost(page: Page, address: string, port: number, label: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Add host' })
  await form.getByLabel('Address').fill(address)
  await form.getByLabel('SSH port').fill(String(port))
  await form.getByLabel('User').fill('pi')
  await form.getByLabel('Label (optional)').fill(label)
  await form.getByRole('button', { name: 'Add host' }).click()
}

/** A loopback port nothing listens on (it was free a moment ago): connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
