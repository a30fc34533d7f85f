import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ClusterHost, RecipeContext, Step } from '../step'
import { context } from './fixtures'
import { HAPROXY_CONFIG, haproxyConfig, externalLoadBalancerSnippet, CHECK, worstCaseDownMs } from './haproxy-config'
import { haproxyRecipe, RELOAD_PENDING, STAGED_CONFIG } from './haproxy'
import { ENDPOINT_RECIPES, PREPARE_RECIPES } from './index'

const cp = (name: string, address: string): ClusterHost => ({
  hostId: `id-${name}`,
  name,
  address,
  roles: ['control-plane'],
})
const lb: ClusterHost = { hostId: 'host-debian-12', name: 'lb', address: '10.0.0.2', roles: ['haproxy'] }
const three: RecipeContext['cluster'] = {
  hosts: [
    lb,
    cp('cp-1', '10.0.0.11'),
    cp('cp-2', 'fd00::12'),
    { ...cp('cp-3', '10.0.0.13'), roles: ['control-plane', 'worker'] },
    { ...cp('w-1', '10.0.0.21'), roles: ['worker'] },
  ],
  endpoint: { host: '10.0.0.2', port: 8443 },
}
const one: RecipeContext['cluster'] = {
  hosts: [lb, cp('solo', '10.0.0.11')],
  endpoint: { host: '10.0.0.2', port: 6443 },
}

const lbContext = (os: 'debian-12' | 'raspios-13' | 'microos', cluster = three): RecipeContext => ({
  ...context(os),
  roles: ['haproxy'],
  name: 'lb',
  cluster,
})

/** The real haproxy of this machine (the lab's HAProxy) checks a configuration file. */
function haproxyCheck(text: string): { code: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-cfg-'))
  const file = join(dir, 'haproxy.cfg')
  writeFileSync(file, text)
  try {
    return { code: 0, output: execFileSync('haproxy', ['-c', '-f', file], { encoding: 'utf8', stdio: 'pipe' }) }
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string }
    return { code: e.status, output: `${e.stdout}${e.stderr}` }
  }
}

const runs = (step: Step) => step.actions.flatMap((a) => (a.type === 'run' ? [a.command.text] : []))

describe('the generated haproxy.cfg', () => {
  it('has a TCP frontend on the endpoint port and one HTTPS /readyz-checked server per control plane', () => {
    const text = haproxyConfig('homelab', three)
    expect(text).toContain('frontend kubernetes-api\n    bind *:8443\n    mode tcp\n')
    expect(text).toContain('    option httpchk GET /readyz\n    http-check expect status 200\n')
    expect(text).toContain('    stats socket /run/haproxy/admin.sock mode 660 level admin\n')
    const servers = text.split('\n').filter((l) => l.startsWith('    server '))
    expect(servers).toEqual([
      '    server cp-1 10.0.0.11:6443 check check-ssl verify none',
      '    server cp-2 [fd00::12]:6443 check check-ssl verify none',
      '    server cp-3 10.0.0.13:6443 check check-ssl verify none',
    ])
    expect(haproxyCheck(text)).toMatchObject({ code: 0 })
  })

  it('for one control plane: one server; the real haproxy -c accepts it', () => {
    const text = haproxyConfig('homelab', one)
    expect(text.split('\n').filter((l) => l.startsWith('    server '))).toEqual([
      '    server solo 10.0.0.11:6443 check check-ssl verify none',
    ])
    expect(text).toContain('    bind *:6443\n')
    expect(haproxyCheck(text)).toMatchObject({ code: 0 })
  })

  it('brackets IPv6 addresses (haproxy reads the last colon as the port) and binds [::] for an IPv6 endpoint', () => {
    const v6 = { hosts: [lb, cp('a', 'fd00::1:2')], endpoint: { host: 'fd00::2', port: 6443 } }
    const text = haproxyConfig('homelab', v6)
    expect(text).toContain('    server a [fd00::1:2]:6443 check')
    expect(text).toContain('    bind [::]:6443 v4v6\n')
    expect(haproxyCheck(text).code).toBe(0)
    // Without brackets haproxy takes ":2" as the port: the backend would be fd00::1 port 2.
    expect(haproxyCheck(text.replace('[fd00::1:2]:6443', 'fd00::1:2')).output).not.toContain('6443')
  })

  it('is deterministic and gives duplicate or odd host names distinct valid server names', () => {
    expect(haproxyConfig('homelab', three)).toBe(haproxyConfig('homelab', structuredClone(three)))
    const odd = { hosts: [cp('kitchen pi', '10.0.0.1'), cp('kitchen pi', '10.0.0.2')], endpoint: one.endpoint }
    const text = haproxyConfig('homelab', odd)
    expect(text).toContain('    server kitchen_pi 10.0.0.1:6443')
    expect(text).toContain('    server kitchen_pi_2 10.0.0.2:6443')
    expect(haproxyCheck(text).code).toBe(0)
  })

  it('marks a dead backend DOWN within the HA drill 2 s, even when it does not answer at all', () => {
    expect(worstCaseDownMs()).toBeLessThanOrEqual(2000)
    const text = haproxyConfig('homelab', one)
    expect(text).toContain(`    default-server inter ${CHECK.interMs}ms fall ${CHECK.fall} rise ${CHECK.rise}\n`)
    expect(text).toContain(`    timeout check ${CHECK.timeoutMs}ms\n`)
  })

  it('for an address endpoint: a snippet of the frontend and backend, valid for haproxy -c', () => {
    const snippet = externalLoadBalancerSnippet({ ...three, endpoint: { host: 'k8s.home.arpa', port: 6443 } })
    expect(snippet.split('\n')[0]).toBe('# Put this on the load balancer that answers k8s.home.arpa:6443')
    expect(snippet).not.toContain('global')
    expect(snippet).toContain('    server cp-2 [fd00::12]:6443 check check-ssl verify none')
    expect(haproxyCheck(snippet).code).toBe(0)
  })
})

describe('the haproxy recipe', () => {
  it('is the endpoint phase only, and gives steps to the haproxy host alone', () => {
    expect(ENDPOINT_RECIPES).toEqual([haproxyRecipe])
    expect(PREPARE_RECIPES).not.toContain(haproxyRecipe)
    expect(haproxyRecipe.steps({ ...context('debian-12'), cluster: three })).toEqual([])
    // An address endpoint: no host has the haproxy role, so no step anywhere.
    for (const host of three.hosts.slice(1))
      expect(haproxyRecipe.steps({ ...context('debian-12'), roles: host.roles, cluster: three })).toEqual([])
  })

  it('on Debian: install with apt, stage, validate before the move, enable, start or reload (never restart)', () => {
    const [step, ...rest] = haproxyRecipe.steps(lbContext('debian-12'))
    expect(rest).toEqual([])
    expect(step!.id).toBe('lb/haproxy')
    expect(step!.kind).toBe('haproxy')
    expect(step!.check.sudo).toBe(false)
    expect(step!.verify?.sudo).toBe(true)
    const texts = runs(step!)
    expect(texts[0]).toContain('apt-get install -y haproxy')
    const write = step!.actions.find((a) => a.type === 'write')!
    expect(write).toMatchObject({ path: STAGED_CONFIG, mode: 0o644, owner: 'root:root' })
    expect(write.type === 'write' && 'text' in write.content && write.content.text).toBe(
      haproxyConfig('homelab', three),
    )
    const apply = texts.find((t) => t.includes('mv -f'))!
    expect(apply.indexOf(`haproxy -c -f ${STAGED_CONFIG}`)).toBeLessThan(apply.indexOf('mv -f'))
    expect(texts).toContain('systemctl enable haproxy.service')
    expect(texts.join('\n')).toContain('systemctl reload haproxy.service')
    expect(texts.join('\n')).not.toContain('restart')
    expect(haproxyRecipe.steps(lbContext('debian-12'))).toEqual(haproxyRecipe.steps(lbContext('debian-12')))
  })

  it('on MicroOS: a transactional-update install and a reboot first, then the same configuration step', () => {
    const [install, config] = haproxyRecipe.steps(lbContext('microos'))
    expect(runs(install!)).toEqual([
      'transactional-update --non-interactive pkg install -y haproxy',
      'systemctl reboot',
    ])
    expect(config!.deps).toEqual([install!.id])
    expect(runs(config!).join('\n')).not.toContain('apt-get')
  })
})

/**
 * Runs a step's script with /bin/sh, its absolute paths moved into `dir` and stand-ins for
 * systemctl (state in files) first on PATH; the real haproxy stays.
 */
function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-step-'))
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  mkdirSync(join(dir, 'etc_haproxy'))
  writeFileSync(
    join(bin, 'systemctl'),
    `#!/bin/sh\n[ "$1" = -q ] && shift; [ "$2" = -q ] && set -- "$1" "$3"\necho "$@" >> ${dir}/calls\ncase $1 in is-active) [ -e ${dir}/active ];; is-enabled) [ -e ${dir}/enabled ];; enable) touch ${dir}/enabled;; start) touch ${dir}/active;; reload) true;; *) exit 9;; esac\n`,
  )
  chmodSync(join(bin, 'systemctl'), 0o755)
  const paths = [STAGED_CONFIG, HAPROXY_CONFIG, RELOAD_PENDING]
  const local = (p: string) => join(dir, p.replaceAll('/', '_'))
  const exec = (script: string) => {
    const text = paths.reduce((s, p) => s.replaceAll(p, local(p)), script)
    try {
      const stdout = execFileSync('sh', ['-c', text], {
        encoding: 'utf8',
        stdio: 'pipe',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      })
      return { code: 0, stdout, stderr: '' }
    } catch (error) {
      const e = error as { status: number; stdout: string; stderr: string }
      return { code: e.status, stdout: e.stdout, stderr: e.stderr }
    }
  }
  const calls = () => (existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8') : '')
  return { dir, exec, local, calls }
}

describe('the haproxy step, run in a sandbox with the real haproxy -c', () => {
  const step = haproxyRecipe.steps(lbContext('debian-12'))[0]!
  const config = haproxyConfig('homelab', three)
  const [, , validate, enable, startOrReload] = runs(step)

  it('its check names what is missing first, then says done', () => {
    const box = sandbox()
    const first = (r: { stdout: string }) => r.stdout.split('\n')[0]
    let r = box.exec(step.check.command!.text)
    expect(r.code).toBe(1)
    expect(first(r)).toMatch(/haproxy\.cfg is not the configuration Flotilla generated for this cluster$/)
    writeFileSync(box.local(HAPROXY_CONFIG), config)
    r = box.exec(step.check.command!.text)
    expect([r.code, first(r)]).toEqual([1, 'HAProxy is not running'])
    writeFileSync(join(box.dir, 'active'), '')
    r = box.exec(step.check.command!.text)
    expect([r.code, first(r)]).toEqual([1, 'HAProxy does not start at boot'])
    writeFileSync(join(box.dir, 'enabled'), '')
    writeFileSync(box.local(RELOAD_PENDING), '')
    expect(first(box.exec(step.check.command!.text))).toContain('has not reloaded it yet')
    execFileSync('rm', [box.local(RELOAD_PENDING)])
    expect(box.exec(step.check.command!.text)).toMatchObject({
      code: 0,
      stdout: 'HAProxy runs the generated configuration\n',
    })
  })

  it('refuses an invalid staged file and leaves the live configuration untouched', () => {
    const box = sandbox()
    writeFileSync(box.local(HAPROXY_CONFIG), 'the live one\n')
    writeFileSync(box.local(STAGED_CONFIG), config.replace('balance roundrobin', 'balance nonsense'))
    const r = box.exec(validate!)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('haproxy -c refused the generated configuration')
    expect(readFileSync(box.local(HAPROXY_CONFIG), 'utf8')).toBe('the live one\n')
    expect(existsSync(box.local(RELOAD_PENDING))).toBe(false)
  })

  it('moves a valid file in, reloads a running HAProxy once, and a second run changes nothing', () => {
    const box = sandbox()
    writeFileSync(box.local(HAPROXY_CONFIG), 'the old one\n')
    writeFileSync(join(box.dir, 'active'), '')
    writeFileSync(box.local(STAGED_CONFIG), config)
    for (const script of [validate!, enable!, startOrReload!]) expect(box.exec(script).code).toBe(0)
    expect(readFileSync(box.local(HAPROXY_CONFIG), 'utf8')).toBe(config)
    expect(existsSync(box.local(STAGED_CONFIG))).toBe(false)
    expect(existsSync(box.local(RELOAD_PENDING))).toBe(false)
    expect(box.calls()).toContain('reload haproxy.service')
    const before = box.calls()
    writeFileSync(box.local(STAGED_CONFIG), config)
    for (const script of [validate!, startOrReload!]) expect(box.exec(script).code).toBe(0)
    expect(box.calls().slice(before.length)).toBe('is-active haproxy.service\n')
    expect(existsSync(box.local(STAGED_CONFIG))).toBe(false)
  })

  it('starts a stopped HAProxy instead of reloading it', () => {
    const box = sandbox()
    writeFileSync(box.local(STAGED_CONFIG), config)
    for (const script of [validate!, startOrReload!]) expect(box.exec(script).code).toBe(0)
    expect(box.calls()).toContain('start haproxy.service')
    expect(box.calls()).not.toContain('reload')
  })

  it('its verify reads show stat over the loopback stats socket and wants every control plane', () => {
    const text = step.verify!.command!.text
    expect(text).toContain('/dev/tcp/127.0.0.1/8404')
    expect(text).toContain('for server in cp-1 cp-2 cp-3;')
  })
})
