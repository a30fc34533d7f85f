import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fakeFleet } from '../plan/test-fixtures'
import type { Step } from '../plan/step'
import { runPlanSteps, type RunnerSsh } from '../apply/runner'
import type { ApiRunner } from '../plan/step-runner'
import { EventBus } from '../events'
import { OperationRegistry } from '../operations/registry'
import { Redactor } from '../secrets/secret'
import type { ExecResult } from '../ssh/exec'
import { buildResetPlan, peerUrl } from './reset-plan'

const fleet = fakeFleet(6) // cp-1..cp-3, lb-1, worker-1, worker-2
const idOf = (label: string) => fleet.hosts.find((h) => h.label === label)!.id
const hostOf = (label: string) => fleet.hosts.find((h) => h.label === label)!

function plan(labels: string[], extra: Partial<Parameters<typeof buildResetPlan>[0]> = {}) {
  return buildResetPlan({
    spec: fleet.spec,
    hosts: fleet.hosts,
    selected: labels.map(idOf),
    api: { answers: true },
    kubernetes: { minor: '1.32' },
    now: fleet.now,
    ...extra,
  })
}

/** Every step `id` waits for, directly or through others. */
function ancestors(steps: readonly Step[], id: string): Set<string> {
  const byId = new Map(steps.map((s) => [s.id, s]))
  const seen = new Set<string>()
  const visit = (x: string) => {
    for (const d of byId.get(x)?.deps ?? []) {
      if (seen.has(d)) continue
      seen.add(d)
      visit(d)
    }
  }
  visit(id)
  return seen
}

const runs = (step: Step) => step.actions.flatMap((a) => (a.type === 'run' ? [a.command.text] : []))

describe('the reset plan of one worker', () => {
  const p = plan(['worker-1'])
  it('drains and deletes the Node through the API, then kubeadm reset and the cleanup, then a reboot only if needed', () => {
    expect(p.blocked).toBe(false)
    expect(p.steps.map((s) => s.id)).toEqual(['worker-1/reset/node', 'worker-1/reset', 'worker-1/reset/reboot'])
    const node = p.steps[0]!
    expect(node.actions.map((a) => (a.type === 'api' ? a.call.op : a.type))).toEqual(['drain-node', 'delete-node'])
    expect(node.check.api).toMatchObject({
      op: 'delete-node',
      args: { name: 'worker-1', address: hostOf('worker-1').address },
    })
    const reset = p.steps[1]!
    expect(ancestors(p.steps, reset.id)).toContain('worker-1/reset/node')
    expect(runs(reset)[1]).toBe('if command -v kubeadm >/dev/null 2>&1; then kubeadm reset -f; fi')
    expect(runs(reset).join('\n')).toContain('rm -rf /etc/kubernetes /etc/cni/net.d /var/lib/etcd /var/lib/kubelet')
    // The kubeconfigs naming this cluster's endpoint (lb-1:6443) go; others stay.
    expect(runs(reset).at(-1)).toContain(`u=https://${hostOf('lb-1').address}:6443`)
    expect(p.steps[2]).toMatchObject({ kind: 'reboot', deps: ['worker-1/reset'] })
    // Only the worker is touched: no HAProxy or etcd step.
    expect(p.hosts.map((h) => h.name)).toEqual(['worker-1'])
  })

  it('without an answering API: no drain/delete step, and a warning saying so', () => {
    const q = plan(['worker-1'], { api: { answers: false, reason: 'connect ECONNREFUSED' } })
    expect(q.steps.map((s) => s.id)).toEqual(['worker-1/reset', 'worker-1/reset/reboot'])
    expect(q.problems).toEqual([expect.objectContaining({ code: 'reset-cluster-unreachable', severity: 'warning' })])
    expect(q.blocked).toBe(false)
  })
})

describe('the reset plan of a control plane', () => {
  const p = plan(['cp-2'])
  const step = (id: string) => p.steps.find((s) => s.id === id)!

  it('HAProxy backend out first, the Node drained, its etcd member removed through a remaining control plane, then kubeadm reset', () => {
    expect(p.blocked).toBe(false)
    expect(p.steps.map((s) => s.id)).toEqual([
      'lb-1/reset/endpoint',
      'cp-2/reset/node',
      'cp-2/reset/etcd-member',
      'cp-2/reset',
      'cp-2/reset/reboot',
    ])
    const before = ancestors(p.steps, 'cp-2/reset')
    expect([...before].sort()).toEqual(['cp-2/reset/etcd-member', 'cp-2/reset/node', 'lb-1/reset/endpoint'])
    expect(ancestors(p.steps, 'cp-2/reset/etcd-member')).toContain('cp-2/reset/node')
    // Run where etcd stays: cp-1's local etcd, as root (the healthcheck client key is root's).
    expect(step('cp-2/reset/etcd-member')).toMatchObject({ hostId: idOf('cp-1'), check: { sudo: true } })
  })

  it("re-renders HAProxy's config without the control plane; the real haproxy -c accepts it", () => {
    const endpoint = step('lb-1/reset/endpoint')
    const write = endpoint.actions.find((a) => a.type === 'write')!
    const text = write.type === 'write' && 'text' in write.content ? write.content.text : ''
    const servers = text.split('\n').filter((l) => l.startsWith('    server '))
    expect(servers.map((l) => l.split(' ')[5])).toEqual(['cp-1', 'cp-3'])
    const dir = mkdtempSync(join(tmpdir(), 'reset-haproxy-'))
    writeFileSync(join(dir, 'haproxy.cfg'), text)
    expect(spawnSync('haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')]).status).toBe(0)
    // haproxy -c before the live file is replaced, a reload only when it was.
    const [validate, reload] = runs(endpoint)
    expect(validate!.indexOf('haproxy -c -f')).toBeLessThan(validate!.indexOf('mv -f'))
    expect(reload).toContain('systemctl reload haproxy.service')
    // The running HAProxy is asked, not only the file: its stats must no longer list cp-2.
    expect(endpoint.verify?.command?.text).toContain('for server in cp-2;')
  })

  it('control planes leave one at a time; the last control plane cannot leave alone', () => {
    const two = plan(['cp-2', 'cp-3'])
    expect(ancestors(two.steps, 'cp-3/reset/etcd-member')).toContain('cp-2/reset/reboot')
    // One endpoint step takes both out (a resumed reset never puts one back).
    expect(two.steps.filter((s) => s.id === 'lb-1/reset/endpoint')).toHaveLength(1)
    const all = plan(['cp-1', 'cp-2', 'cp-3'])
    expect(all.blocked).toBe(true)
    expect(all.problems.map((x) => x.code)).toContain('reset-no-control-plane-left')
    expect(plan(['lb-1']).problems.map((x) => x.code)).toContain('reset-endpoint-host')
  })

  it('with a load balancer Flotilla does not manage: no endpoint step, a warning naming what to take out', () => {
    const spec = { ...fleet.spec, spec: { ...fleet.spec.spec, endpoint: { address: '192.168.1.200:6443' } } }
    const p = plan(['cp-2'], { spec })
    expect(p.steps.map((s) => s.id)).toEqual([
      'cp-2/reset/node',
      'cp-2/reset/etcd-member',
      'cp-2/reset',
      'cp-2/reset/reboot',
    ])
    expect(p.problems).toEqual([
      expect.objectContaining({
        code: 'reset-external-load-balancer',
        severity: 'warning',
        message: expect.stringContaining(`still sends to ${hostOf('cp-2').address}:6443`),
      }),
    ])
  })
})

describe('the etcd member step, run by sh with a stand-in curl', () => {
  const p = plan(['cp-2'])
  const etcd = p.steps.find((s) => s.id === 'cp-2/reset/etcd-member')!
  const url = peerUrl(hostOf('cp-2').address)

  /** Runs `script` with a curl on PATH that answers member/list with `members` and logs its arguments. */
  function withCurl(script: string, members: string): { code: number; stdout: string; calls: string } {
    const dir = mkdtempSync(join(tmpdir(), 'reset-curl-'))
    const log = join(dir, 'calls')
    writeFileSync(join(dir, 'members'), members)
    writeFileSync(
      join(dir, 'curl'),
      `#!/bin/sh\necho "$@" >> ${log}\ncase "$*" in *member/list*) cat ${dir}/members ;; *member/remove*) echo '{"header":{}}' ;; esac\n`,
    )
    chmodSync(join(dir, 'curl'), 0o755)
    const r = spawnSync('sh', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' })
    let calls = ''
    try {
      calls = readFileSync(log, 'utf8')
    } catch {
      calls = ''
    }
    return { code: r.status ?? -1, stdout: r.stdout, calls }
  }
  const list = (withMember: boolean) =>
    JSON.stringify({
      header: { cluster_id: '1' },
      members: [
        {
          ID: '1111',
          name: 'cp-1',
          peerURLs: ['https://192.168.1.10:2380'],
          clientURLs: ['https://192.168.1.10:2379'],
        },
        ...(withMember ? [{ ID: '12345678901234567890', name: 'cp-2', peerURLs: [url], clientURLs: [] }] : []),
      ],
    })

  it('its check: to do while the peer URL is a member, done once it is not', () => {
    expect(withCurl(etcd.check.command!.text, list(true))).toMatchObject({ code: 1 })
    expect(withCurl(etcd.check.command!.text, list(false))).toMatchObject({ code: 0 })
    expect(withCurl(etcd.check.command!.text, '<html>oops</html>')).toMatchObject({ code: 2 })
  })

  it('its action removes exactly that member by ID (a 64-bit ID as etcd writes it), and nothing when it is gone', () => {
    const action = runs(etcd)[0]!
    const r = withCurl(action, list(true))
    expect(r.code).toBe(0)
    expect(r.calls).toContain('-d {"ID":"12345678901234567890"} https://127.0.0.1:2379/v3/cluster/member/remove')
    expect(r.calls).toContain('--cert /etc/kubernetes/pki/etcd/healthcheck-client.crt')
    const none = withCurl(action, list(false))
    expect(none.code).toBe(0)
    expect(none.calls).not.toContain('member/remove')
  })
})

describe('the reset plan of the whole cluster', () => {
  const p = plan([], { deletePki: true })
  it('workers first, then control planes one at a time with the first last, then HAProxy; no drain or etcd steps', () => {
    expect(p.blocked).toBe(false)
    expect(p.steps.some((s) => s.id.endsWith('/node') || s.id.endsWith('/etcd-member'))).toBe(false)
    expect(p.steps.find((s) => s.id === 'worker-1/reset')!.deps).toEqual([])
    expect(ancestors(p.steps, 'cp-2/reset')).toEqual(
      new Set(['worker-1/reset', 'worker-1/reset/reboot', 'worker-2/reset', 'worker-2/reset/reboot']),
    )
    expect(ancestors(p.steps, 'cp-1/reset')).toContain('cp-3/reset/reboot')
    expect(ancestors(p.steps, 'cp-1/reset')).toContain('cp-2/reset/reboot')
    expect(ancestors(p.steps, 'lb-1/reset/endpoint')).toContain('cp-1/reset/reboot')
    expect(p.problems.map((x) => x.code)).toEqual(['reset-delete-pki'])
  })
})

describe('the reset of a control plane, run by the runner', () => {
  it('never starts kubeadm reset before the drain, the etcd member and the HAProxy backend are done', async () => {
    const p = plan(['cp-2'])
    const order: string[] = []
    const done = new Set<string>()
    const result = (exitCode: number): ExecResult =>
      ({
        exitCode,
        stdout: Buffer.from(''),
        stderr: '',
        stdoutBytes: 0,
        stderrBytes: 0,
        truncated: false,
      }) as ExecResult
    const stepOf = (hostId: string, text: string) =>
      p.steps.find(
        (s): boolean =>
          s.hostId === hostId &&
          (s.check.command?.text === text ||
            s.verify?.command?.text === text ||
            s.actions.some((a) => a.type === 'run' && a.command.text === text)),
      )
    const ssh = {
      run: (hostId: string, command: { text: string }) => {
        const s = stepOf(hostId, command.text)
        // The runner reading a file before it writes it (a write action): not there yet.
        if (!s) return Promise.resolve(result(0))
        const isAction = s.actions.some((a) => a.type === 'run' && a.command.text === command.text)
        if (!isAction) return Promise.resolve(result(s.kind === 'reboot' || done.has(s.id) ? 0 : 1))
        if (!order.includes(s.id)) order.push(s.id)
        if (runs(s).at(-1) === command.text) done.add(s.id)
        return Promise.resolve(result(0))
      },
      upload: () => Promise.resolve(),
      reboot: () => Promise.reject(new Error('no reboot expected')),
    } as unknown as RunnerSsh
    const api: ApiRunner = {
      run: (call, s) => {
        if (!order.includes(s.id)) order.push(s.id)
        if (call.op === 'delete-node') done.add(s.id)
        return Promise.resolve()
      },
      check: (_call, s) => Promise.resolve({ state: done.has(s.id) ? 'done' : 'todo', detail: '' }),
    }
    const ops = new OperationRegistry(new EventBus(), new Redactor())
    const run = await ops.run({ id: 'r', kind: 'reset:run', title: 'Resetting' }, (ctx) =>
      runPlanSteps(p.steps, { ssh, api, ctx, verifyPollMs: 1, retryDelayMs: 0 }),
    )
    expect(run.failures).toEqual([])
    expect(order).toEqual(['lb-1/reset/endpoint', 'cp-2/reset/node', 'cp-2/reset/etcd-member', 'cp-2/reset'])
  })
})
