import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { plannedActions, type Recipe, type Step } from '../step'
import { context, type FixtureOs } from './fixtures'
import { isRebootAction, PREPARE_RECIPES } from './index'
import { kernelModulesRecipe } from './kernel-modules'
import { packagesRepositoryRecipe } from './packages-repository'
import { piCmdlineRecipe } from './pi-cmdline'
import { resetRecipe } from './reset'
import { RPI_SWAP_DROP_IN, swapRecipe } from './swap'
import { sysctlRecipe } from './sysctl'
import { timeSyncRecipe } from './time-sync'

const ALL_OS: FixtureOs[] = ['raspios-12', 'raspios-13', 'debian-12', 'ubuntu-24.04', 'microos']

const only = (recipe: Recipe, os: FixtureOs, overrides = {}): Step => {
  const steps = recipe.steps(context(os, overrides))
  expect(steps).toHaveLength(1)
  return steps[0]!
}
const runs = (step: Step) => step.actions.flatMap((a) => (a.type === 'run' ? [a.command.text] : []))

/** Runs a script with /bin/sh, with the absolute paths it names moved into `dir`. */
function sandboxed(script: string, dir: string, paths: string[]): { code: number; stdout: string } {
  const text = paths.reduce((s, p) => s.replaceAll(p, join(dir, p.replaceAll('/', '_'))), script)
  try {
    return { code: 0, stdout: execFileSync('sh', ['-c', text], { encoding: 'utf8' }) }
  } catch (error) {
    const e = error as { status: number; stdout: string }
    return { code: e.status, stdout: e.stdout }
  }
}

describe('the prepare recipes', () => {
  it('run swap, modules, sysctls first, in that order', () => {
    expect(PREPARE_RECIPES.slice(0, 3).map((r) => r.name)).toEqual(['swap', 'kernel-modules', 'sysctl'])
  })

  it('give stable step ids, every check read-only without sudo, every write root-owned', () => {
    for (const os of ALL_OS) {
      const steps = PREPARE_RECIPES.flatMap((r) => r.steps(context(os)))
      const again = PREPARE_RECIPES.flatMap((r) => r.steps(context(os)))
      expect(again).toEqual(steps)
      expect(steps.map((s) => s.id)).toContain(`n-${os}/swap`)
      expect(steps.map((s) => s.id)).toContain(`n-${os}/kernel-modules`)
      expect(steps.map((s) => s.id)).toContain(`n-${os}/sysctl`)
      for (const step of steps) {
        expect(step.check.sudo).toBe(false)
        expect(step.hostId).toBe(`host-${os}`)
        for (const action of step.actions) if (action.type === 'write') expect(action.owner).toBe('root:root')
      }
    }
  })

  it('give a host that is only the HAProxy endpoint the time sync alone, on every OS', () => {
    for (const os of ALL_OS) {
      const steps = PREPARE_RECIPES.flatMap((r) => r.steps({ ...context(os), roles: ['haproxy'] }))
      expect(steps.map((s) => s.id)).toEqual([`n-${os}/time-sync`])
      const both = PREPARE_RECIPES.flatMap((r) => r.steps({ ...context(os), roles: ['haproxy', 'worker'] }))
      expect(both.map((s) => s.id)).toContain(`n-${os}/swap`)
    }
  })

  it('give an unsupported OS no steps', () => {
    const ctx = context('debian-12')
    ctx.facts.os.family = 'other'
    expect(PREPARE_RECIPES.flatMap((r) => r.steps(ctx))).toEqual([])
  })
})

describe('swap', () => {
  it('on Debian, Ubuntu and MicroOS: fstab lines commented out, then swapoff -a', () => {
    for (const os of ['debian-12', 'ubuntu-24.04', 'microos'] as const) {
      const step = only(swapRecipe, os)
      expect(step.kind).toBe('prepare')
      expect(runs(step)).toEqual([
        "if grep -Eq '^[[:space:]]*[^#[:space:]][^[:space:]]*[[:space:]]+[^[:space:]]+[[:space:]]+swap([[:space:]]|$)' /etc/fstab; then sed -i -E 's/^([[:space:]]*[^#[:space:]][^[:space:]]*[[:space:]]+[^[:space:]]+[[:space:]]+swap([[:space:]]|$))/#\\1/' /etc/fstab; fi",
        'swapoff -a',
      ])
      expect(step.check.command!.text).not.toContain('dphys')
      expect(step.check.command!.text).not.toContain('rpi')
    }
  })

  it('on Raspberry Pi OS 12: dphys-swapfile off, its file removed, its service disabled', () => {
    const step = only(swapRecipe, 'raspios-12')
    expect(runs(step)[1]).toBe(
      'if command -v dphys-swapfile >/dev/null 2>&1; then dphys-swapfile swapoff && dphys-swapfile uninstall && systemctl disable dphys-swapfile; fi',
    )
    expect(runs(step).at(-1)).toBe('swapoff -a')
    expect(step.actions.some((a) => a.type === 'write')).toBe(false)
    expect(step.check.command!.text).toContain('systemctl is-enabled -q dphys-swapfile')
  })

  it('on Raspberry Pi OS 13: an rpi-swap drop-in with Mechanism=none', () => {
    const step = only(swapRecipe, 'raspios-13')
    expect(plannedActions(step).slice(1)).toEqual([
      { type: 'run', text: 'mkdir -p /etc/rpi/swap.conf.d', sudo: true },
      {
        type: 'write',
        path: RPI_SWAP_DROP_IN,
        mode: '0644',
        owner: 'root:root',
        content: '# Written by Flotilla: Kubernetes nodes run without swap.\n[Main]\nMechanism=none\n',
      },
      { type: 'run', text: 'swapoff -a', sudo: true },
    ])
    expect(step.check.command!.text).not.toContain('dphys')
    expect(step.check.command!.text).toContain(`grep -qx Mechanism=none ${RPI_SWAP_DROP_IN}`)
  })

  it('comments out exactly the active swap lines of fstab, and a second run changes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-fstab-'))
    const fstab = join(dir, '_etc_fstab')
    writeFileSync(
      fstab,
      [
        'PARTUUID=1-02  /  ext4  defaults,noatime  0  1',
        '/swapfile none swap sw 0 0',
        '# /old none swap sw 0 0',
        '\t/dev/sda2\tnone\tswap\tdefaults',
        '/dev/sdb1 /mnt/swap ext4 defaults 0 2',
        '',
      ].join('\n'),
    )
    const step = only(swapRecipe, 'debian-12')
    const fix = runs(step)[0]!
    expect(sandboxed(fix, dir, ['/etc/fstab']).code).toBe(0)
    expect(readFileSync(fstab, 'utf8')).toBe(
      [
        'PARTUUID=1-02  /  ext4  defaults,noatime  0  1',
        '#/swapfile none swap sw 0 0',
        '# /old none swap sw 0 0',
        '#\t/dev/sda2\tnone\tswap\tdefaults',
        '/dev/sdb1 /mnt/swap ext4 defaults 0 2',
        '',
      ].join('\n'),
    )
    const mtime = statSync(fstab).mtimeMs
    expect(sandboxed(fix, dir, ['/etc/fstab']).code).toBe(0)
    expect(statSync(fstab).mtimeMs).toBe(mtime)
  })
})

describe('the swap check', () => {
  it('names the active swap areas, then fstab, then says done', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-swapcheck-'))
    const paths = ['/proc/swaps', '/etc/fstab']
    const file = (p: string) => join(dir, p.replaceAll('/', '_'))
    const header = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n'
    writeFileSync(
      file('/proc/swaps'),
      `${header}/var/swap  file  524284  0  -2\n/dev/zram0  partition  2097148  0  100\n`,
    )
    writeFileSync(file('/etc/fstab'), '/swapfile none swap sw 0 0\n')
    const step = only(swapRecipe, 'debian-12')
    expect(sandboxed(step.check.command!.text, dir, paths)).toEqual({
      code: 1,
      stdout: 'swap is on: /var/swap /dev/zram0\n',
    })
    writeFileSync(file('/proc/swaps'), header)
    expect(sandboxed(step.check.command!.text, dir, paths)).toEqual({
      code: 1,
      stdout: expect.stringMatching(/fstab turns swap on at boot\n$/) as string,
    })
    writeFileSync(file('/etc/fstab'), '#/swapfile none swap sw 0 0\n')
    expect(sandboxed(step.check.command!.text, dir, paths)).toEqual({ code: 0, stdout: 'swap is off and stays off\n' })
  })
})

describe('kernel modules', () => {
  it('writes modules-load.d/k8s.conf and loads both modules with modprobe -a', () => {
    for (const os of ALL_OS) {
      const step = only(kernelModulesRecipe, os)
      expect(plannedActions(step)).toEqual([
        { type: 'run', text: 'mkdir -p /etc/modules-load.d', sudo: true },
        {
          type: 'write',
          path: '/etc/modules-load.d/k8s.conf',
          mode: '0644',
          owner: 'root:root',
          content: 'overlay\nbr_netfilter\n',
        },
        { type: 'run', text: 'modprobe -a overlay br_netfilter', sudo: true },
      ])
      expect(step.check.command!.text).toContain("lsmod | grep -q '^br_netfilter '")
    }
  })
})

describe('sysctls', () => {
  it('writes sysctl.d/k8s.conf, applies that file, and depends on the modules', () => {
    for (const os of ALL_OS) {
      const step = only(sysctlRecipe, os)
      expect(step.deps).toEqual([`n-${os}/kernel-modules`])
      expect(plannedActions(step)).toEqual([
        { type: 'run', text: 'mkdir -p /etc/sysctl.d', sudo: true },
        {
          type: 'write',
          path: '/etc/sysctl.d/k8s.conf',
          mode: '0644',
          owner: 'root:root',
          content:
            'net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n',
        },
        { type: 'run', text: 'sysctl -p /etc/sysctl.d/k8s.conf', sudo: true },
      ])
    }
  })

  it('its check says what is missing on the first line, exit 1; done is exit 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-sysctl-'))
    const step = only(sysctlRecipe, 'debian-12')
    const paths = [
      '/etc/sysctl.d/k8s.conf',
      '/proc/sys/net/bridge/bridge-nf-call-iptables',
      '/proc/sys/net/bridge/bridge-nf-call-ip6tables',
      '/proc/sys/net/ipv4/ip_forward',
    ]
    const file = (p: string) => join(dir, p.replaceAll('/', '_'))
    let r = sandboxed(step.check.command!.text, dir, paths)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^net\.bridge\.bridge-nf-call-iptables = 1 is not set at boot \(.*k8s\.conf\)\n$/)
    const write = step.actions.find((a) => a.type === 'write')!
    writeFileSync(file(paths[0]!), 'text' in write.content ? write.content.text : '')
    writeFileSync(file(paths[1]!), '1\n')
    writeFileSync(file(paths[2]!), '1\n')
    writeFileSync(file(paths[3]!), '0\n')
    r = sandboxed(step.check.command!.text, dir, paths)
    expect(r).toEqual({ code: 1, stdout: 'net.ipv4.ip_forward is 0, not 1\n' })
    writeFileSync(file(paths[3]!), '1\n')
    r = sandboxed(step.check.command!.text, dir, paths)
    expect(r).toEqual({ code: 0, stdout: 'forwarding and bridge netfilter are on, now and at boot\n' })
  })
})

describe('the Pi cmdline and its reboot', () => {
  it('only for a Pi that needs the cmdline fix: an edit, then a reboot step after it', () => {
    for (const os of ALL_OS) {
      const ids = PREPARE_RECIPES.flatMap((r) => r.steps(context(os))).map((s) => s.id)
      const pi = os.startsWith('raspios')
      expect(ids.includes(`n-${os}/pi-cmdline`)).toBe(pi)
      expect(ids.at(-1)).toBe(
        pi ? `n-${os}/pi-cmdline/reboot` : os === 'microos' ? `n-${os}/time-sync` : `n-${os}/packages-repository`,
      )
    }
    expect(piCmdlineRecipe.steps(context('raspios-13', { memoryCgroup: 'enabled' }))).toEqual([])
    expect(piCmdlineRecipe.steps(context('raspios-12', { memoryCgroup: 'disabled' }))).toEqual([])
    const [edit, reboot] = piCmdlineRecipe.steps(context('raspios-13'))
    expect(edit!.kind).toBe('prepare')
    expect(reboot!.kind).toBe('reboot')
    expect(reboot!.deps).toEqual([edit!.id])
    expect(plannedActions(reboot!)).toEqual([{ type: 'run', text: 'systemctl reboot', sudo: true }])
    expect(reboot!.actions.every(isRebootAction)).toBe(true)
    expect(edit!.actions.some(isRebootAction)).toBe(false)
    expect(reboot!.check.command!.text).toContain('/sys/fs/cgroup/cgroup.controllers')
  })

  it('appends the flags to the one line of cmdline.txt once, keeps a copy, and its check agrees', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-cmdline-'))
    const file = join(dir, '_boot_firmware_cmdline.txt')
    const original =
      'console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait \n'
    writeFileSync(file, original)
    const [edit] = piCmdlineRecipe.steps(context('raspios-12'))
    const paths = ['/boot/firmware/cmdline.txt']
    expect(sandboxed(edit!.check.command!.text, dir, paths)).toMatchObject({ code: 1 })
    expect(sandboxed(edit!.check.command!.text, dir, paths).stdout).toMatch(/cmdline\.txt lacks cgroup_memory=1\n$/)
    for (const action of edit!.actions) {
      if (action.type === 'run') expect(sandboxed(action.command.text, dir, paths).code).toBe(0)
    }
    const fixed = readFileSync(file, 'utf8')
    expect(fixed).toBe(`${original.trimEnd()} cgroup_memory=1 cgroup_enable=memory\n`)
    expect(fixed.split('\n')).toHaveLength(2)
    expect(readFileSync(`${file}.flotilla-orig`, 'utf8')).toBe(original)
    expect(sandboxed(edit!.check.command!.text, dir, paths)).toMatchObject({ code: 0 })
    const mtime = statSync(file).mtimeMs
    for (const action of edit!.actions) {
      if (action.type === 'run') expect(sandboxed(action.command.text, dir, paths).code).toBe(0)
    }
    expect(statSync(file).mtimeMs).toBe(mtime)
    expect(readFileSync(`${file}.flotilla-orig`, 'utf8')).toBe(original)
  })
})

describe('time sync', () => {
  it('systemd-timesyncd on the Debian family, chrony on MicroOS, enabled and waited for', () => {
    const debian = only(timeSyncRecipe, 'raspios-12')
    expect(runs(debian)).toEqual([
      "if ! dpkg-query -W -f '${Status}' systemd-timesyncd 2>/dev/null | grep -q 'ok installed'; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y systemd-timesyncd; fi",
      'systemctl enable --now systemd-timesyncd.service',
      `timeout 120 sh -c 'until [ "$(timedatectl show -p NTPSynchronized --value 2>/dev/null)" = yes ]; do sleep 1; done' || { echo 'the clock did not synchronize within 120 s: can this host reach an NTP server?' >&2; exit 1; }`,
    ])
    const microos = only(timeSyncRecipe, 'microos')
    expect(runs(microos)[1]).toBe('systemctl enable --now chronyd.service')
    expect(runs(microos)[0]).toContain('transactional-update pkg install chrony')
    expect(microos.check.command!.text).toBe(
      debian.check.command!.text.replace('systemd-timesyncd will be', 'chronyd will be'),
    )
    expect(debian.check.command!.text).toContain('for unit in systemd-timesyncd chronyd chrony ntpsec ntp openntpd;')
  })
})

describe('the packages repository', () => {
  it('on the Debian family: the pkgs.k8s.io key and the source of the spec minor', () => {
    const step = only(packagesRepositoryRecipe, 'debian-12')
    const planned = plannedActions(step)
    expect(planned.at(-1)).toEqual({
      type: 'write',
      path: '/etc/apt/sources.list.d/kubernetes.list',
      mode: '0644',
      owner: 'root:root',
      content:
        'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.32/deb/ /\n',
    })
    expect(runs(step)[2]).toBe(
      `if [ ! -s /etc/apt/keyrings/kubernetes-apt-keyring.gpg ]; then key=$(mktemp) && curl -fsSL https://pkgs.k8s.io/core:/stable:/v1.32/deb/Release.key -o "$key" && gpg --batch --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg "$key"; rc=$?; rm -f "$key"; exit $rc; fi`,
    )
    const ctx = context('debian-12')
    ctx.kubernetes = { minor: '1.33' }
    const [next] = packagesRepositoryRecipe.steps(ctx)
    expect(next!.check.command!.text).toContain('v1.33/deb/')
    expect(plannedActions(next!).at(-1)).toMatchObject({ content: expect.stringContaining('/v1.33/deb/ /') })
  })

  it("not on MicroOS: its packages come from openSUSE's own repositories (see packages.ts)", () => {
    expect(packagesRepositoryRecipe.steps(context('microos'))).toEqual([])
    expect(packagesRepositoryRecipe.steps(context('debian-12'))).toHaveLength(1)
  })
})

describe('reset', () => {
  it('only for a host with leftovers, only with consent, kubeadm reset -f then the cleanup it leaves', () => {
    for (const os of ALL_OS) expect(resetRecipe.steps(context(os))).toEqual([])
    const step = only(resetRecipe, 'debian-12', { leftovers: ['/etc/kubernetes', 'running kubelet'] })
    expect(step).toMatchObject({
      id: 'n-debian-12/reset',
      kind: 'reset',
      consent: 'reset the leftovers of an old cluster on n-debian-12',
    })
    expect(runs(step)).toEqual([
      'for s in /usr/local/bin/k3s-uninstall.sh /usr/local/bin/k3s-agent-uninstall.sh; do if [ -x "$s" ]; then "$s" || exit 1; fi; done',
      'if command -v kubeadm >/dev/null 2>&1; then kubeadm reset -f; fi',
      'rm -rf /etc/kubernetes /etc/cni/net.d /var/lib/etcd /var/lib/kubelet /etc/rancher/k3s /var/lib/rancher/k3s',
      `for t in iptables ip6tables; do if command -v "$t-save" >/dev/null 2>&1 && "$t-save" | grep -Eq 'KUBE-|CNI-|cali-|FLANNEL'; then "$t-save" | grep -Ev 'KUBE-|CNI-|cali-|FLANNEL' | "$t-restore" || exit 1; fi; done`,
      'if command -v ipvsadm >/dev/null 2>&1; then ipvsadm --clear; fi',
    ])
    expect(step.actions.every((a) => a.type === 'run' && a.sudo)).toBe(true)
    expect(step.check.sudo).toBe(false)
    expect(PREPARE_RECIPES).not.toContain(resetRecipe)
  })

  it("its iptables filter keeps the owner's rules and drops only Kubernetes' and the CNIs'", () => {
    const step = only(resetRecipe, 'debian-12', { leftovers: ['/etc/kubernetes'] })
    const filter = runs(step)[3]!.match(/grep -Ev '([^']+)'/)![1]!
    const dump = [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':KUBE-SERVICES - [0:0]',
      ':CNI-abc - [0:0]',
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A POSTROUTING -s 10.244.0.0/16 -j CNI-abc',
      '-A POSTROUTING -o eth0 -j MASQUERADE',
      'COMMIT',
      '*filter',
      ':FLANNEL-FWD - [0:0]',
      ':cali-INPUT - [0:0]',
      '-A INPUT -p tcp --dport 22 -j ACCEPT',
      '-A FORWARD -j FLANNEL-FWD',
      'COMMIT',
      '',
    ].join('\n')
    const kept = execFileSync('grep', ['-Ev', filter], { input: dump, encoding: 'utf8' })
    expect(kept).toBe(
      [
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        '-A POSTROUTING -o eth0 -j MASQUERADE',
        'COMMIT',
        '*filter',
        '-A INPUT -p tcp --dport 22 -j ACCEPT',
        'COMMIT',
        '',
      ].join('\n'),
    )
  })
})
