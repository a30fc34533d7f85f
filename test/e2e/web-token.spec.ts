import { expect, test } from './web-fixture'

test('the token leaves the address bar once read, stays out of storage, and a reload still works', async ({
  page,
  web,
}) => {
  expect(web.url).toContain('?token=')
  await page.goto(web.url)
  await expect(page.getByRole('heading', { name: 'No hosts yet' })).toBeVisible()
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
  await expect(page.getByTestId('host-row')).toHaveCount(1)
  await page.reload()
  await expect(page.getByTestId('host-row')).toHaveCount(1)
  expect(page.url()).not.toContain('token')
  expect(await stored()).not.toContain(token)
})
