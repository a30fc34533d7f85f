import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { PlanStepView, PlanView } from '../../shared/types'
import { createApp } from '../app'
import { writeSpecYaml } from '../services/clusters/spec-yaml'
import { fakeFleet, probedJustNow } from '../services/plan/test-fixtures'
import { confStoreFactory } from '../services/store/conf-store'
import { runCliIn as cli } from './cli-test-support'
import { fileName, LATER_PHASES, planText, writeScripts } from './plan-commands'

function step(id: string, status: PlanStepView['status'], extra: Partial<PlanStepView> = {}): PlanStepView {
  return {
    id,
    hostId: 'h1',
    host: 'n1',
    kind: 'prepare',
    title: `title of ${id}`,
    deps: [],
    actions: [
      { type: 'run', text: 'swapoff -a', sudo: true },
      { type: 'write', path: '/etc/x.conf', mode: '0644', owner: 'root:root', content: 'line 1\nline 2\n' },
    ],
    check: [{ text: 'test -f /etc/x.conf', sudo: false }],
    status,
    ...extra,
  }
}

function view(steps: PlanStepView[], extra: Partial<PlanView> = {}): PlanView {
  const count = (s: string) => steps.filter((x) => x.status === s).length
  return {
    cluster: 'homelab',
    specHash: '0123456789abcdef'.repeat(4),
    factsFingerprint: 'cd'.repeat(32),
    createdAt: '2026-12-07T09:00:00.000Z',
    kubernetes: { minor: '1.32', patch: '1.32.4' },
    problems: [],
    blocked: false,
    hosts: [
      {
        hostId: 'h1',
        host: 'n1',
        roles: ['control-plane'],
        steps: steps.map((s) => s.id),
        probedAt: '2026-12-07T08:59:00.000Z',
        factsHash: 'ef'.repeat(32),
      },
    ],
    steps,
    summary: {
      steps: steps.length,
      done: count('done'),
      todo: count('todo'),
      unknown: count('unknown'),
      notChecked: count('not-checked'),
    },
    ...extra,
  }
}

describe('planText', () => {
  it('lists problems first (blocking before warnings, each with its next step) and says the plan is blocked', () => {
    const text = planText(
      view([step('n1/swap', 'todo')], {
        blocked: true,
        problems: [
          { code: 'quorum-one', severity: 'warning', message: 'One control plane.', next: 'Add two.' },
          { code: 'host-leftovers', severity: 'blocking', message: 'n1 has leftovers.', next: 'Reset it.', host: 'n1' },
        ],
      }),
    )
    const blocking = text.indexOf('BLOCKING host-leftovers (n1): n1 has leftovers.')
    const warning = text.indexOf('warning  quorum-one: One control plane.')
    expect(blocking).toBeGreaterThan(0)
    expect(warning).toBeGreaterThan(blocking)
    expect(text.indexOf('n1 (control-plane')).toBeGreaterThan(warning)
    expect(text).toContain('next: Reset it.')
    expect(text).toContain('The plan is blocked by 1 problem')
  })

  it('says under the title how many failures the cluster survives, and counts one step as one', () => {
    const text = planText(view([step('n1/swap', 'todo')], { quorum: '3 control planes: survives 1 failure.' }))
    expect(text.split('\n')[1]).toBe('3 control planes: survives 1 failure.')
    expect(text).toContain('): 1 step\n')
  })

  it('shows what the user’s own load balancer needs, and API steps as such', () => {
    const text = planText(
      view(
        [
          step('n1/cni', 'not-checked', {
            actions: [{ type: 'api', text: 'server-side apply of every object in /etc/flotilla/cni/x.yaml' }],
            check: [{ text: 'the DaemonSet kube-system/calico-node is ready', sudo: false, api: true }],
          }),
        ],
        { loadBalancer: 'frontend kubernetes-api\n    bind *:6443\n' },
      ),
    )
    expect(text).toContain(
      'Your load balancer: Flotilla changes nothing there. It needs this (HAProxy syntax):\n  | frontend kubernetes-api\n  |     bind *:6443\n',
    )
    expect(text).toContain('check (Kubernetes API): the DaemonSet kube-system/calico-node is ready')
    expect(text).toContain('through the Kubernetes API: server-side apply of every object in /etc/flotilla/cni/x.yaml')
  })

  it('shows a step to do with its check, exact commands and whole files; a done step without them', () => {
    const text = planText(
      view([
        step('n1/done', 'done', { detail: 'swap is off' }),
        step('n1/todo', 'todo', { detail: 'swap is on: /swap' }),
      ]),
    )
    expect(text).toContain('[done] n1/done: title of n1/done (swap is off)')
    expect(text).toContain('[to do] n1/todo: title of n1/todo (swap is on: /swap)')
    expect(text.match(/run \(as root\): swapoff -a/g)).toHaveLength(1)
    expect(text).toContain('write /etc/x.conf (mode 0644, owner root:root):\n        | line 1\n        | line 2\n')
    expect(text).toContain('check: test -f /etc/x.conf')
    expect(text).toContain(LATER_PHASES)
    expect(text).toContain('2 steps: 1 done, 1 to do, 0 unknown.')
    expect(text).toContain('Kubernetes 1.32.4')
  })

  it('says "nothing to do" when every step is done, and an unresolved patch as such', () => {
    const text = planText(view([step('n1/a', 'done')], { kubernetes: { minor: '1.32' } }))
    expect(text).toContain('Nothing to do')
    expect(text).toContain('Kubernetes 1.32 (patch not resolved)')
    expect(planText(view([step('n1/a', 'unknown', { detail: 'no answer' })]))).not.toContain('Nothing to do')
  })

  it('prints host text terminal-safe', () => {
    const text = planText(view([step('n1/a', 'todo', { detail: 'evil \u001b]52;c;AAAA\u0007 \u001b[2J end' })]))
    expect(text).not.toContain('\u001b')
    expect(text).toContain('evil')
  })
})

describe('writeScripts', () => {
  it('writes DIR/<host>.sh, the directory 0700 and the scripts 0700', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'plan-cli-')), 'scripts')
    const [path] = writeScripts(view([step('n1/a', 'todo')]), dir)
    expect(path).toBe(join(dir, 'n1.sh'))
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(path!).mode & 0o777).toBe(0o700)
    expect(readFileSync(path!, 'utf8')).toMatch(/^#!\/bin\/sh\n/)
    expect(fileName('../etc/passwd')).toBe('__etc_passwd')
    expect(fileName('fd00::1')).toBe('fd00::1')
  })
})

describe('flotilla plan (in-process app, no SSH: fresh facts and --no-checks)', () => {
  /** A data dir whose inventory is a fake fleet probed just now, and its spec as a file. */
  function fleetDir(mutate: (yaml: string) => string = (y) => y) {
    const dir = mkdtempSync(join(tmpdir(), 'plan-cli-data-'))
    const fleet = fakeFleet(6)
    const app = createApp({ dataDir: dir, transport: 'cli', version: 'test', createStore: confStoreFactory(dir) })
    app.inventory.mutate(() => probedJustNow(fleet.hosts))
    app.close()
    const file = join(dir, 'homelab.yaml')
    writeFileSync(file, mutate(writeSpecYaml(fleet.spec)))
    return { dir, file }
  }

  it('prints every host’s steps with their exact actions, exit 0 when nothing blocks', async () => {
    const { dir, file } = fleetDir()
    const r = await cli(dir, 'plan', 'homelab', '-f', file, '--no-checks')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('lb-1 (haproxy, facts of ')
    expect(r.stdout).toMatch(/\[not checked\] cp-1\/swap: Turn swap off and keep it off/)
    expect(r.stdout).toContain('run (as root): swapoff -a')
    expect(r.stdout).toContain(LATER_PHASES)
    const json = JSON.parse((await cli(dir, '--json', 'plan', 'homelab', '-f', file, '--no-checks')).stdout) as PlanView
    expect(json.blocked).toBe(false)
    expect(json.hosts.map((h) => h.host)).toEqual(['lb-1', 'cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2'])
    expect(json.summary.notChecked).toBe(json.steps.length)
  })

  it('plans the stored spec when no file is given, and says so for a cluster that does not exist', async () => {
    const { dir, file } = fleetDir()
    expect((await cli(dir, 'clusters', 'import', '-f', file)).code).toBe(0)
    const stored = await cli(dir, '--json', 'plan', 'homelab', '--no-checks')
    expect(stored.code, stored.stderr).toBe(0)
    const view = JSON.parse(stored.stdout) as PlanView
    expect(view.hosts.map((h) => h.host)).toEqual(['lb-1', 'cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2'])
    const fromFile = JSON.parse(
      (await cli(dir, '--json', 'plan', 'homelab', '-f', file, '--no-checks')).stdout,
    ) as PlanView
    expect(view.specHash).toBe(fromFile.specHash)
    // Journaled under its cluster: another process (here: the next CLI run) finds it there.
    const cluster = JSON.parse((await cli(dir, '--json', 'clusters', 'list')).stdout) as { id: string }[]
    const ops = JSON.parse((await cli(dir, '--json', 'ops', 'list')).stdout) as { kind: string; id: string }[]
    const planned = ops.filter((o) => o.kind === 'plan:compute')
    expect(planned).toHaveLength(2)
    const detail = JSON.parse((await cli(dir, '--json', 'ops', 'show', planned[0]!.id)).stdout) as {
      op: { clusterId?: string; state: string }
    }
    expect(detail.op).toMatchObject({ clusterId: cluster[0]!.id, state: 'done' })
    const missing = await cli(dir, 'plan', 'garage')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('No cluster "garage"')
  })

  it('exits 1 and says so when a problem blocks the plan', async () => {
    const { dir, file } = fleetDir((y) => y.replace('host: worker-2', 'host: nobody-here'))
    const r = await cli(dir, 'plan', 'homelab', '-f', file, '--no-checks')
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/BLOCKING host-unknown \(spec\.nodes\[4\]\.host\): .*nobody-here/)
    expect(r.stdout).toContain('The plan is blocked by 1 problem')
  })

  it('names the spec file and line of a problem in it, and refuses a file for another cluster', async () => {
    const { dir, file } = fleetDir((y) => y.replace('devCluster: false', 'devCluster: false\n  colour: blue'))
    const r = await cli(dir, 'plan', 'homelab', '-f', file)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/homelab\.yaml line \d+: "spec\.colour" is not a field Flotilla knows/)
    const other = fleetDir()
    const wrong = await cli(other.dir, 'plan', 'garage', '-f', other.file, '--no-checks')
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain('The spec file is for cluster "homelab", not "garage"')
  })
})
