import { expect, startWebUi, stopWebUi, test } from './web-fixture'

test('the token leaves the address bar once read, stays out of storage, and a reload still works', async ({
  page,
  web,
}) => {
  expect(web.url).toContain('?token=')
  await page.goto(web.url)
  await expect(page.getByTestId('connection')).toHaveText('Connected')
  expect(page.url()).toBe(web.url.replace(/\?token=.*$/, ''))
  const token = new URL(web.url).searchParams.get('token')!
  const stored = () =>
    page.evaluate(() =>
      Object.entries(sessionStorage)
        .concat(Object.entries(localStorage))
        .map(([, v]) => v),
    )
  expect(await stored()).not.toContain(token)

  // A reload of this tab reconnects (the token is handed over once) and the address stays clean.
  await page.evaluate(() => window.api.hosts.add({ address: '10.0.0.5', user: 'pi' }))
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Hosts' }).click()
  await expect(page.getByTestId('host-row')).toHaveCount(1)
  await page.reload()
  await expect(page.getByTestId('host-row')).toHaveCount(1)
  expect(page.url()).not.toContain('token')
  expect(await stored()).not.toContain(token)
})

test('without its token, or with a wrong one, the page says how to get in instead of showing an empty app', async ({
  page,
  web,
}) => {
  for (const address of [web.url.replace(/\?token=.*$/, ''), web.url.replace(/token=.*$/, 'token=wrong-token')]) {
    await page.goto(address)
    await expect(page.getByRole('heading', { level: 1, name: 'This link needs its token' })).toBeVisible()
    await expect(page.getByRole('main')).toContainText('npm run web')
    // Nothing of the app: no false empty fleet, no FORBIDDEN messages, no navigation.
    await expect(page.getByRole('heading', { name: 'No hosts yet' })).toHaveCount(0)
    await expect(page.getByText('FORBIDDEN')).toHaveCount(0)
    await expect(page.locator('.toast')).toHaveCount(0)
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0)
  }
})

test('a stopped server shows "Disconnected — reconnecting…" at once, and the page recovers when it returns', async ({
  page,
}) => {
  const first = await startWebUi()
  let second: Awaited<ReturnType<typeof startWebUi>> | undefined
  try {
    await page.goto(first.url)
    const connection = page.getByTestId('connection')
    await expect(connection).toHaveText('Connected')
    await page.evaluate(() => window.api.hosts.add({ address: '10.0.0.7', user: 'pi', label: 'before' }))

    stopWebUi(first.child)
    // No click, no navigation: the socket's close alone says it.
    await expect(connection).toHaveText('Disconnected — reconnecting…')
    await expect(connection).toHaveAttribute('data-state', 'disconnected')
    await expect(page.locator('.toast')).toHaveCount(0)

    // The same server again (same port, data and token): the page reconnects by itself and reloads.
    const { port } = new URL(first.url)
    const token = new URL(first.url).searchParams.get('token')!
    second = await startWebUi({ FLOTILLA_WEB_TOKEN: token }, { again: { port: Number(port), dataDir: first.dataDir } })
    await expect(connection).toHaveText('Connected')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Hosts' }).click()
    await expect(page.getByTestId('host-row').filter({ hasText: 'before' })).toBeVisible()
    // Live events flow again on the new socket.
    await page.evaluate(() => window.api.hosts.add({ address: '10.0.0.8', user: 'pi', label: 'after' }))
    await expect(page.getByTestId('host-row').filter({ hasText: 'after' })).toBeVisible()
  } finally {
    stopWebUi(first.child)
    if (second) stopWebUi(second.child)
  }
})
