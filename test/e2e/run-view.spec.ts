/**
 * The run view from a seeded journal (deterministic: no hosts, no SSH): an apply that ended with
 * one failed step on one of three hosts and a 10,000-line log, and an apply that was interrupted
 * (its process is gone). The view shows a bar per host, the failed step's reason, the honest end
 * state, a virtualised log that reaches its last line, and Resume for the interrupted run.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { JournalRecord } from '../../src/main/services/operations/journal'
import type { OpLogLine, OpStep } from '../../src/shared/types'
import { passwordSshServer } from './support/ssh-server'
import { themedShots } from './support/shots'
import { expect, seededTest as test } from './web-fixture'

const CLUSTER_ID = 'c-home'
const FAILED_OP = 'op-apply-failed'
const INTERRUPTED_OP = 'op-apply-interrupted'
const LINES = 10_000
const REASON = 'pi2: step pi2/runtime (Install containerd) failed while applying it: apt-get exited with 100.'
/** Above the kernel's largest pid: no process has it, so its running journal was interrupted. */
const GONE_PID = 4_194_305

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 10, 0, s)).toISOString()

function steps(host: string, hostId: string, states: OpStep['state'][]): OpStep[] {
  const recipes = ['probe', 'runtime', 'packages']
  return states.map((state, i) => ({
    stepId: `${host}/${recipes[i]}`,
    hostId,
    state,
    ...(state !== 'skipped' || host === 'pi1' ? { startedAt: at(i * 10), endedAt: at(i * 10 + 7) } : {}),
    ...(state === 'failed' ? { exitStatus: 100, error: { code: 'COMMAND_FAILED' as const, message: REASON } } : {}),
  }))
}

function record(
  id: string,
  op: Partial<JournalRecord['op']>,
  journalSteps: OpStep[],
  updatedAt = at(50),
): JournalRecord {
  return {
    version: 1,
    pid: GONE_PID,
    instance: 'seeded',
    updatedAt,
    op: {
      id,
      kind: 'apply:run',
      title: 'Applying home',
      state: 'done',
      startedAt: at(0),
      done: journalSteps.length,
      total: journalSteps.length,
      step: '',
      clusterId: CLUSTER_ID,
      ...op,
    },
    steps: journalSteps,
  }
}

function seed(dataDir: string): void {
  // A version-1 cluster record (migrated on read): the page the run view lives on.
  writeFileSync(
    join(dataDir, 'clusters.json'),
    JSON.stringify({
      clusters: [
        {
          id: CLUSTER_ID,
          name: 'home',
          flavour: 'kubeadm',
          endpointHost: '10.0.0.10',
          endpointPort: 6443,
          createdAt: at(0),
        },
      ],
    }),
    { mode: 0o600 },
  )
  const dir = join(dataDir, 'operations')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const failed = record(
    FAILED_OP,
    {
      endedAt: at(40),
      outcome: {
        result: 'partial',
        items: { total: 3, failed: 1 },
        reasons: [{ nodeId: 'h2', name: 'pi2', code: 'COMMAND_FAILED', message: REASON }],
        summary: '1 of 3 hosts failed.',
      },
    },
    [
      ...steps('pi1', 'h1', ['done', 'skipped', 'done']),
      ...steps('pi2', 'h2', ['done', 'failed', 'skipped']),
      ...steps('pi3', 'h3', ['done', 'done', 'skipped']),
    ],
  )
  writeFileSync(join(dir, `${FAILED_OP}.json`), JSON.stringify(failed), { mode: 0o600 })
  const log: string[] = []
  for (let i = 1; i <= LINES; i++) {
    const host = (i % 3) + 1
    const line: OpLogLine = {
      at: at(1),
      hostId: `h${host}`,
      stepId: `pi${host}/runtime`,
      line: i === LINES ? 'the very last line of the log' : `output line ${i}`,
    }
    log.push(JSON.stringify(line))
  }
  writeFileSync(join(dir, `${FAILED_OP}.log`), log.join('\n') + '\n', { mode: 0o600 })
  // Newer, and still "running" by its journal: its process is gone, so it was interrupted.
  const interrupted = record(
    INTERRUPTED_OP,
    { state: 'running', startedAt: at(100), done: 1 },
    [
      { stepId: 'pi1/probe', hostId: 'h1', state: 'done', startedAt: at(100), endedAt: at(101) },
      { stepId: 'pi1/runtime', hostId: 'h1', state: 'running', startedAt: at(101) },
      { stepId: 'pi1/packages', hostId: 'h1', state: 'pending' },
    ],
    at(130),
  )
  writeFileSync(join(dir, `${INTERRUPTED_OP}.json`), JSON.stringify(interrupted), { mode: 0o600 })
}

test.use({ seed: { write: seed } })

test('a finished apply: a bar per host, the failed step and why, "Failed", and a 10,000-line log that scrolls', async ({
  page,
  web,
}) => {
  await page.goto(`${web.url}#/clusters/home/run/${FAILED_OP}`)
  const hosts = page.getByTestId('run-host')
  await expect(hosts).toHaveCount(3)
  for (const [name, done, word] of [
    ['pi1', 3, 'Done'],
    ['pi2', 1, 'Failed'],
    ['pi3', 2, 'Stopped'],
  ] as const) {
    const host = page.getByRole('article', { name })
    const bar = host.getByRole('progressbar')
    await expect(bar).toHaveAttribute('aria-valuenow', String(done))
    await expect(bar).toHaveAttribute('aria-valuemax', '3')
    await expect(host.getByTestId('run-host-count')).toHaveText(`${done} of 3 steps`)
    await expect(host.locator('.status')).toHaveText(word)
  }
  // The honest end state: the operation "ran to its end", but a host failed.
  await expect(page.getByTestId('run-state')).toHaveText('Failed')
  await expect(page.getByTestId('run-sentence')).toContainText('1 of 3 hosts failed.')
  // Which step on which host, and why: in the summary and at the step itself.
  await expect(page.getByRole('list', { name: 'Failed steps' })).toContainText('pi2: runtime failed.')
  await expect(page.getByRole('list', { name: 'Failed steps' })).toContainText('apt-get exited with 100.')
  const failedStep = page.getByRole('article', { name: 'pi2' }).getByTestId('run-step').filter({ hasText: 'runtime' })
  await expect(failedStep).toContainText('failed')
  await expect(failedStep).toContainText(REASON)
  await expect(failedStep).toContainText('(exit 100)')
  // Already done vs never reached: both "skipped" in the journal, told apart in words. (A host
  // that is done shows its timeline folded.)
  await expect(page.getByRole('article', { name: 'pi1' }).getByTestId('run-step')).toHaveCount(0)
  await page.getByRole('button', { name: 'Show the steps of pi1' }).click()
  await expect(page.getByRole('article', { name: 'pi1' }).getByTestId('run-step').nth(1)).toContainText('already done')
  await expect(page.getByRole('article', { name: 'pi3' }).getByTestId('run-step').nth(2)).toContainText('not run')
  await expect(page.getByRole('button', { name: 'Retry failed steps' })).toBeVisible()

  // The log: every line is there, few are in the DOM, and it starts at its end.
  const log = page.getByRole('log')
  await expect(page.locator('.log-toolbar')).toContainText('10,000 lines')
  await expect(log.getByText('the very last line of the log')).toBeVisible()
  const rows = await page.getByTestId('log-row').count()
  expect(rows).toBeGreaterThan(10)
  expect(rows).toBeLessThan(200)
  await themedShots(page, 'run-failed')
  // Scrolled to the top, the first line shows (and the last is no longer in the DOM) …
  await log.evaluate((el) => (el.scrollTop = 0))
  await expect(log.getByText('output line 1', { exact: true })).toBeVisible()
  await expect(log.getByText('the very last line of the log')).toHaveCount(0)
  // … and "Jump to end" brings the last line back.
  await page.getByRole('button', { name: 'Jump to end' }).click()
  await expect(log.getByText('the very last line of the log')).toBeVisible()
  expect(await page.getByTestId('log-row').count()).toBeLessThan(200)

  // One step's log: pi2's runtime step holds every third line (1, 4, … 10,000).
  await failedStep.getByRole('button').click()
  await expect(page.locator('.log-toolbar')).toContainText('3,334 lines')
  await expect(page.getByRole('log', { name: 'Log of pi2, step runtime' })).toBeVisible()
  // "Copy all" copies the whole step log, not only the rows in the DOM.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'])
  await page.getByRole('button', { name: 'Copy all' }).click()
  await expect(page.locator('.log-toolbar')).toContainText('Copied 3334 lines')
  const copied = (await page.evaluate(() => navigator.clipboard.readText())).split('\n')
  expect(copied).toHaveLength(3334)
  expect(copied[0]).toBe('output line 1')
  expect(copied.at(-1)).toBe('the very last line of the log')
})

test('the newest apply of a cluster was interrupted: the run view says so and offers Resume', async ({ page, web }) => {
  // No operation in the route: the cluster's newest apply from ops:list.
  await page.goto(`${web.url}#/clusters/home/run`)
  await expect(page.getByTestId('run-state')).toHaveText('Interrupted')
  await expect(page.getByTestId('run-sentence')).toContainText('Flotilla stopped')
  await expect(page.getByTestId('run-sentence')).toContainText('pi1/runtime had not finished')
  await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible()
  await expect(page.getByRole('button', { name: 'Cancel' })).toHaveCount(0)
  const host = page.getByRole('article', { name: 'pi1' })
  await expect(host.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '1')
  await expect(host.locator('.status')).toHaveText('Stopped')
  // What was running when Flotilla stopped did not finish; what was to do did not run.
  await expect(host.getByTestId('run-step').nth(1)).toContainText('did not finish')
  await expect(host.getByTestId('run-step').nth(2)).toContainText('not run')
  await themedShots(page, 'run-interrupted')
})

test('an operation that waits for a password: the run view says so, the dialog asks, and the same run goes on', async ({
  page,
  web,
}) => {
  // A loopback SSH server that takes only a password (as secret-dialog.spec.ts): the login waits.
  const PASSWORD = 'e2e-run-password'
  const ssh = await passwordSshServer(PASSWORD)
  try {
    await page.goto(web.url)
    await page.evaluate(async (p) => {
      const host = await window.api.hosts.add({ address: '127.0.0.1', port: p, user: 'pi', label: 'locked' })
      const scan = await window.api.ssh.scan(host.id)
      await window.api.ssh.trust(host.id, scan.fingerprint)
      // Not awaited: it waits for the password the dialog asks for.
      void window.api.ssh.check([host.id], { opId: 'op-waits' }).catch(() => undefined)
    }, ssh.port)
    await page.evaluate(() => (window.location.hash = '#/clusters/home/run/op-waits'))
    await expect(page.getByTestId('run-state')).toHaveText('Waiting for a password')
    await expect(page.locator('.banner-warn')).toContainText('Give it in the dialog')
    const dialog = page.getByRole('dialog', { name: 'Password needed' })
    await expect(dialog).toBeVisible()
    await themedShots(page, 'run-waiting')
    await page.getByLabel('Login password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Continue' }).click()
    // The same operation went on: it logged in, and the view no longer says it waits.
    await expect.poll(() => ssh.accepted.length).toBeGreaterThan(0)
    await expect(page.getByTestId('run-state')).not.toHaveText('Waiting for a password')
    await expect(page.locator('.banner-warn')).toHaveCount(0)
    expect(await page.content()).not.toContain(PASSWORD)
  } finally {
    await ssh.close()
  }
})
