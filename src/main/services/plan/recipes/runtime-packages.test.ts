import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Step } from '../step'
import { context, type FixtureOs } from './fixtures'
import { isRebootAction, PACKAGES_RECIPES, PREPARE_RECIPES, RUNTIME_RECIPES } from './index'
import { packagesRecipe, TRANSACTION_NOTE } from './packages'
import { criSocket } from './common'
import { CONTAINERD_CONFIG, CRIO_DROP_IN, crioDropIn, runtimeRecipe, sandboxImage } from './runtime'

const DEBIAN_LIKE: FixtureOs[] = ['raspios-12', 'raspios-13', 'debian-12', 'ubuntu-24.04']
const runs = (step: Step) => step.actions.flatMap((a) => (a.type === 'run' ? [a.command.text] : []))
const pinned = (os: FixtureOs, patch?: string) => ({
  ...context(os),
  kubernetes: { minor: '1.32', ...(patch ? { patch } : {}) },
})

describe('the runtime and packages phases', () => {
  it('are exported on their own, not as prepare recipes', () => {
    expect(RUNTIME_RECIPES).toEqual([runtimeRecipe])
    expect(PACKAGES_RECIPES).toEqual([packagesRecipe])
    expect(PREPARE_RECIPES).not.toContain(runtimeRecipe)
    expect(PREPARE_RECIPES).not.toContain(packagesRecipe)
  })

  it('give an HAProxy-only host and an unknown OS nothing', () => {
    for (const os of [...DEBIAN_LIKE, 'microos'] as const) {
      const steps = [...RUNTIME_RECIPES, ...PACKAGES_RECIPES].flatMap((r) =>
        r.steps({ ...pinned(os), roles: ['haproxy'] }),
      )
      expect(steps).toEqual([])
    }
    const ctx = pinned('debian-12')
    ctx.facts.os.family = 'other'
    expect([...RUNTIME_RECIPES, ...PACKAGES_RECIPES].flatMap((r) => r.steps(ctx))).toEqual([])
  })
})

describe('runtime (containerd)', () => {
  it("Debian and Pi OS take Docker's debian repository, Ubuntu its own; the config regenerated and restarted only when it differs", () => {
    for (const os of DEBIAN_LIKE) {
      const [step] = runtimeRecipe.steps(pinned(os, '1.32.4'))
      const distro = os === 'ubuntu-24.04' ? 'ubuntu' : 'debian'
      expect(step!.id).toBe(`n-${os}/runtime`)
      expect(step!.kind).toBe('runtime')
      expect(step!.timeoutMs).toBe(20 * 60_000)
      expect(step!.check.sudo).toBe(false)
      expect(runs(step!)).toEqual([
        'install -m 0755 -d /etc/apt/keyrings',
        `if [ ! -s /etc/apt/keyrings/docker.asc ]; then curl -fsSL https://download.docker.com/linux/${distro}/gpg -o /etc/apt/keyrings/docker.asc && chmod a+r /etc/apt/keyrings/docker.asc; fi`,
        `line="deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/${distro} $(. /etc/os-release && echo "$VERSION_CODENAME") stable"; if [ "$(cat /etc/apt/sources.list.d/docker.list 2>/dev/null)" != "$line" ]; then printf '%s\\n' "$line" > /etc/apt/sources.list.d/docker.list; fi`,
        "if ! dpkg-query -W -f '${Status}' containerd.io 2>/dev/null | grep -q 'ok installed'; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y containerd.io; fi",
        expect.stringContaining('containerd config default | sed'),
        'systemctl is-enabled -q containerd.service || systemctl enable containerd.service; systemctl is-active -q containerd.service || systemctl start containerd.service',
      ])
      expect(runs(step!)[4]).toContain(
        'if cmp -s "$new" /etc/containerd/config.toml; then rm -f "$new"; exit 0; fi\ninstall -m 0644 -o root -g root "$new" /etc/containerd/config.toml && rm -f "$new" && systemctl restart containerd.service',
      )
    }
  })

  it("pins the pause image kubeadm of the minor expects, and leaves an unknown minor at containerd's", () => {
    expect(sandboxImage('1.32')).toBe('registry.k8s.io/pause:3.10')
    expect(sandboxImage('1.30')).toBe('registry.k8s.io/pause:3.9')
    expect(sandboxImage('1.99')).toBeUndefined()
    const [unknown] = runtimeRecipe.steps({ ...context('debian-12'), kubernetes: { minor: '1.99' } })
    expect(unknown!.title).toBe("Install containerd (Docker's containerd.io) with SystemdCgroup = true")
    expect(unknown!.check.command!.text).not.toContain('sandbox')
    expect(runs(unknown!)[4]).not.toContain('sandbox')
  })

  // The action's config pipeline and the check's config tests, run here on containerd's defaults.
  const CONFIG_V2 = `disabled_plugins = []\nversion = 2\n[plugins]\n  [plugins."io.containerd.grpc.v1.cri"]\n    sandbox_image = "registry.k8s.io/pause:3.8"\n          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n            SystemdCgroup = false\n`
  const CONFIG_V3 = `version = 3\n[plugins.'io.containerd.cri.v1.images'.pinned_images]\n  sandbox = 'registry.k8s.io/pause:3.10'\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n  SystemdCgroup = false\n`
  const generate = (defaults: string): { code: number; config: string; stderr: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-containerd-'))
    writeFileSync(join(dir, 'default.toml'), defaults)
    const [step] = runtimeRecipe.steps(pinned('debian-12', '1.32.4'))
    const script = runs(step!)[4]!
      .replace('containerd config default', `cat ${join(dir, 'default.toml')}`)
      .replaceAll(CONTAINERD_CONFIG, join(dir, 'config.toml'))
      .replace('mkdir -p /etc/containerd', 'true')
      .replace('install -m 0644 -o root -g root', 'cp')
      .replace('systemctl restart containerd.service', 'echo restarted')
    try {
      const stdout = execFileSync('sh', ['-c', script], { encoding: 'utf8', stdio: 'pipe' })
      return { code: 0, config: readFileSync(join(dir, 'config.toml'), 'utf8'), stderr: stdout }
    } catch (error) {
      const e = error as { status: number; stderr: string }
      return { code: e.status, config: '', stderr: e.stderr }
    }
  }

  it('turns SystemdCgroup on and sets the sandbox image in containerd 1.x and 2.x defaults', () => {
    const v2 = generate(CONFIG_V2)
    expect(v2.code).toBe(0)
    expect(v2.stderr).toBe('restarted\n')
    expect(v2.config).toContain('            SystemdCgroup = true\n')
    expect(v2.config).toContain('    sandbox_image = "registry.k8s.io/pause:3.10"\n')
    expect(v2.config).toContain('disabled_plugins = []\n')
    const v3 = generate(CONFIG_V3)
    expect(v3.config).toContain("  sandbox = 'registry.k8s.io/pause:3.10'\n  [plugins.".slice(0, 40))
    expect(v3.config).toContain('  SystemdCgroup = true\n')
  })

  it('refuses defaults without a SystemdCgroup option rather than writing a config kubeadm cannot use', () => {
    const r = generate('version = 2\n')
    expect(r.code).toBe(1)
    expect(r.stderr).toBe('containerd config default gave no runc SystemdCgroup option to set\n')
  })

  it('checks the CRI plugin, SystemdCgroup, the sandbox image, enabled and active, each with its reason', () => {
    const [step] = runtimeRecipe.steps(pinned('debian-12', '1.32.4'))
    const text = step!.check.command!.text
    for (const reason of [
      'containerd is not installed',
      '$f is missing',
      "$f disables containerd's CRI plugin",
      '$f does not set SystemdCgroup = true',
      "'/etc/containerd/config.toml does not use the sandbox image registry.k8s.io/pause:3.10'",
      'containerd is not enabled',
      'containerd is not running',
      'containerd runs with its CRI plugin and SystemdCgroup = true',
    ])
      expect(text).toContain(reason)
  })
})

describe('packages', () => {
  it('Debian and Pi OS: kubelet, kubeadm, kubectl pinned to the patch as apt version globs, held, the kubelet enabled', () => {
    for (const os of DEBIAN_LIKE) {
      const [step] = packagesRecipe.steps(pinned(os, '1.32.4'))
      expect(step!.id).toBe(`n-${os}/packages`)
      expect(step!.deps).toEqual([`n-${os}/packages-repository`])
      expect(step!.timeoutMs).toBe(20 * 60_000)
      expect(step!.title).toBe('Install kubelet, kubeadm and kubectl 1.32.4 and hold them')
      expect(runs(step!)).toEqual([
        `todo=\nfor p in kubelet kubeadm kubectl; do case "$(dpkg-query -W -f '\${Status} \${Version}' "$p" 2>/dev/null)" in *" ok installed "1.32.4-*) ;; *) todo=yes ;; esac; done\nif [ -n "$todo" ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y 'kubelet=1.32.4-*' 'kubeadm=1.32.4-*' 'kubectl=1.32.4-*'; fi`,
        `for p in kubelet kubeadm kubectl; do case "$(dpkg-query -W -f '\${Status}' "$p")" in "hold "*) ;; *) apt-mark hold "$p" || exit 1 ;; esac; done`,
        'systemctl is-enabled -q kubelet.service || systemctl enable kubelet.service',
      ])
    }
    const [minorOnly] = packagesRecipe.steps(pinned('debian-12'))
    expect(runs(minorOnly!)[0]).toContain("'kubelet=1.32.*'")
    expect(minorOnly!.check.command!.text).toContain('"hold ok installed "1.32.*)')
  })

  it('the Debian check: installed at the pinned version and held, each reason its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-dpkg-'))
    // dpkg-query and systemctl stand-ins answering from files: the check's logic, run for real.
    writeFileSync(
      join(dir, 'dpkg-query'),
      '#!/bin/sh\neval "p=\\${$#}"\n[ -f "$STATE/$p" ] || exit 1\ncat "$STATE/$p"\n',
      { mode: 0o755 },
    )
    writeFileSync(join(dir, 'systemctl'), '#!/bin/sh\n[ -f "$STATE/enabled" ]\n', { mode: 0o755 })
    const [step] = packagesRecipe.steps(pinned('debian-12', '1.32.4'))
    const state = (files: Record<string, string>) => {
      const s = mkdtempSync(join(tmpdir(), 'flotilla-dpkg-state-'))
      for (const [name, text] of Object.entries(files)) writeFileSync(join(s, name), text)
      try {
        const out = execFileSync('sh', ['-c', step!.check.command!.text], {
          encoding: 'utf8',
          env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, STATE: s },
        })
        return { code: 0, out }
      } catch (error) {
        return { code: (error as { status: number }).status, out: (error as { stdout: string }).stdout }
      }
    }
    const held = {
      kubelet: 'hold ok installed 1.32.4-1.1',
      kubeadm: 'hold ok installed 1.32.4-1.1',
      kubectl: 'hold ok installed 1.32.4-1.1',
    }
    expect(state({ ...held, enabled: '' })).toEqual({
      code: 0,
      out: 'kubelet, kubeadm and kubectl 1.32.4 are installed and held\n',
    })
    expect(state(held)).toEqual({ code: 1, out: 'the kubelet is not enabled\n' })
    expect(state({ ...held, kubeadm: 'install ok installed 1.32.4-1.1', enabled: '' })).toEqual({
      code: 1,
      out: 'kubeadm 1.32.4 is installed but not held\n',
    })
    expect(state({ ...held, kubectl: 'hold ok installed 1.32.40-1.1', enabled: '' })).toEqual({
      code: 1,
      out: 'kubectl is installed at version 1.32.40-1.1, not 1.32.4\n',
    })
    expect(state({ ...held, kubelet: 'deinstall ok config-files 1.32.4-1.1', enabled: '' })).toEqual({
      code: 1,
      out: 'kubelet is not installed\n',
    })
  })

  it('MicroOS: one transaction of openSUSE packages continuing the pending snapshot, its reboot (orchestrated), then the kubelet enabled', () => {
    const steps = packagesRecipe.steps(pinned('microos', '1.32.4'))
    // No pkgs.k8s.io repository step: openSUSE's repositories come with MicroOS.
    expect(steps.map((s) => [s.id, s.kind, s.deps])).toEqual([
      ['n-microos/packages', 'packages', []],
      ['n-microos/packages/reboot', 'reboot', ['n-microos/packages']],
      ['n-microos/packages/kubelet', 'packages', ['n-microos/packages/reboot']],
    ])
    const [install, reboot, kubelet] = steps as [Step, Step, Step]
    expect(install.title).toBe(
      'Install cri-o, kubeadm, kubelet and kubectl 1.32.4 from openSUSE in one new snapshot (transactional-update)',
    )
    expect(install.timeoutMs).toBe(20 * 60_000)
    expect(runs(install)).toHaveLength(1)
    const action = runs(install)[0]!
    // Guarded by the live check: a second run starts no transaction and writes no note.
    expect(
      action.startsWith(`${reboot.check.command!.text.split('\nif ')[0]}\nif [ "$live" = yes ]; then exit 0; fi\n`),
    ).toBe(true)
    // ONE transaction for runtime and packages, so one reboot makes both live; no key import.
    const pins =
      'cri-o cri-o-kubeadm-criconfig kubernetes1.32-kubeadm=1.32.4 kubernetes1.32-kubelet=1.32.4 kubernetes1.32-client=1.32.4'
    expect(action).toContain(`\ntransactional-update --no-selfupdate -n -d -c pkg install ${pins} || exit 1\n`)
    expect(action.match(/transactional-update/g)).toHaveLength(1)
    expect(action).not.toContain('gpg-auto-import-keys')
    expect(action).toContain(
      `\nnote="$(cat /proc/sys/kernel/random/boot_id) "'${pins}'\nif [ "$(cat ${TRANSACTION_NOTE} 2>/dev/null)" != "$note" ]; then mkdir -p /var/lib/flotilla && printf '%s\\n' "$note" > ${TRANSACTION_NOTE}; fi`,
    )
    expect(reboot.actions).toHaveLength(1)
    expect(isRebootAction(reboot.actions[0]!)).toBe(true)
    expect(reboot.check.command!.text).not.toContain(TRANSACTION_NOTE)
    expect(runs(kubelet)).toEqual(['systemctl is-enabled -q kubelet.service || systemctl enable kubelet.service'])
    for (const step of steps) expect(step.check.sudo).toBe(false)
    // Without a resolved patch: the minor's packages, unpinned (openSUSE ships one version).
    const [unpinned] = packagesRecipe.steps(pinned('microos'))
    expect(runs(unpinned!)[0]).toContain(
      'pkg install cri-o cri-o-kubeadm-criconfig kubernetes1.32-kubeadm kubernetes1.32-kubelet kubernetes1.32-client ||',
    )
  })

  it('the MicroOS checks: live only with every package in the booted system; a snapshot never booted fails the reboot verify', () => {
    const [install, reboot] = packagesRecipe.steps(pinned('microos', '1.32.4')) as [Step, Step]
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-rpm-'))
    const note = join(dir, 'note')
    // rpm -q answering from files; the binaries present are the ones in $STATE/bin.
    writeFileSync(
      join(dir, 'rpm'),
      '#!/bin/sh\nshift\nif [ -f "$STATE/rpm-$1" ]; then cat "$STATE/rpm-$1"; else echo "package $1 is not installed"; exit 1; fi\n',
      { mode: 0o755 },
    )
    const state = (step: Step, packages: Record<string, string>, bins: string[], noted = false) => {
      const s = mkdtempSync(join(tmpdir(), 'flotilla-rpm-state-'))
      execFileSync('mkdir', [join(s, 'bin')])
      for (const [name, text] of Object.entries(packages)) writeFileSync(join(s, `rpm-${name}`), `${text}\n`)
      for (const b of bins) writeFileSync(join(s, 'bin', b), '#!/bin/sh\n', { mode: 0o755 })
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
      const pins =
        'cri-o cri-o-kubeadm-criconfig kubernetes1.32-kubeadm=1.32.4 kubernetes1.32-kubelet=1.32.4 kubernetes1.32-client=1.32.4'
      writeFileSync(note, noted ? `${boot} ${pins}\n` : '')
      try {
        const out = execFileSync('sh', ['-c', step.check.command!.text.replaceAll(TRANSACTION_NOTE, note)], {
          encoding: 'utf8',
          env: { STATE: s, PATH: `${dir}:${join(s, 'bin')}:/usr/bin:/bin` },
        })
        return { code: 0, out }
      } catch (error) {
        return { code: (error as { status: number }).status, out: (error as { stdout: string }).stdout }
      }
    }
    const all = {
      'cri-o': 'cri-o-1.32.4-1.1.x86_64',
      'cri-o-kubeadm-criconfig': 'cri-o-kubeadm-criconfig-1.32.4-1.1.x86_64',
      'kubernetes1.32-kubeadm': 'kubernetes1.32-kubeadm-1.32.4-1.1.x86_64',
      'kubernetes1.32-kubelet': 'kubernetes1.32-kubelet-1.32.4-1.1.x86_64',
      'kubernetes1.32-client': 'kubernetes1.32-client-1.32.4-1.1.x86_64',
    }
    const bins = ['crio', 'kubeadm', 'kubelet', 'kubectl']
    expect(state(install, all, bins)).toEqual({
      code: 0,
      out: 'cri-o, kubeadm, kubelet and kubectl 1.32.4 are installed and live\n',
    })
    expect(state(reboot, all, bins)).toEqual({ code: 0, out: 'cri-o, kubeadm, kubelet and kubectl 1.32.4 are live\n' })
    expect(state(install, {}, [])).toEqual({
      code: 1,
      out: 'kubernetes1.32-client 1.32.4 is not installed in the running system\n',
    })
    const { 'cri-o': _crio, ...noCrio } = all
    expect(state(install, noCrio, bins)).toEqual({ code: 1, out: 'cri-o is not installed in the running system\n' })
    expect(state(install, all, ['kubeadm', 'kubelet', 'kubectl'])).toEqual({
      code: 1,
      out: 'cri-o is installed but crio is not on PATH\n',
    })
    expect(
      state(install, { ...all, 'kubernetes1.32-kubeadm': 'kubernetes1.32-kubeadm-1.32.40-1.1.x86_64' }, bins),
    ).toEqual({ code: 1, out: 'kubernetes1.32-kubeadm 1.32.4 is not installed in the running system\n' })
    // Installed in a snapshot this boot: the transaction counts as done, the reboot does not.
    expect(state(install, {}, [], true)).toEqual({
      code: 0,
      out: 'installed in a new snapshot, live after the next reboot\n',
    })
    // The k3sup#384 failure: the packages sit in a snapshot that was never booted; the reboot's
    // verify is the live system, whatever the transaction's note says.
    expect(state(reboot, {}, [], true)).toEqual({
      code: 1,
      out: 'kubernetes1.32-client 1.32.4 is not installed in the running system: the snapshot with the packages is not the booted one\n',
    })
  })
})

describe('runtime (cri-o on MicroOS)', () => {
  it('after the packages reboot: a drop-in with the systemd cgroup manager and the pause image, crio enabled and started', () => {
    const [step] = runtimeRecipe.steps(pinned('microos', '1.32.4'))
    expect(step!.id).toBe('n-microos/runtime')
    expect(step!.kind).toBe('runtime')
    expect(step!.deps).toEqual(['n-microos/packages/reboot'])
    expect(crioDropIn('1.32')).toBe(
      '# Written by Flotilla: the kubelet uses the systemd cgroup driver; the pause image kubeadm uses.\n[crio.runtime]\ncgroup_manager = "systemd"\n\n[crio.image]\npause_image = "registry.k8s.io/pause:3.10"\n',
    )
    expect(crioDropIn('1.99')).not.toContain('pause_image')
    expect(runs(step!).at(-1)).toBe(
      'systemctl is-enabled -q crio.service || systemctl enable crio.service; systemctl is-active -q crio.service || systemctl start crio.service',
    )
  })

  it('writes the drop-in and restarts a running crio only when the text differs; the check names each reason', () => {
    const [step] = runtimeRecipe.steps(pinned('microos', '1.32.4'))
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-crio-'))
    const file = join(dir, '50-flotilla.conf')
    // systemctl answering from files in $STATE, logging what it was asked to change.
    writeFileSync(
      join(dir, 'systemctl'),
      '#!/bin/sh\n[ "$1" = is-enabled ] && { [ -f "$STATE/enabled" ]; exit; }\n[ "$1" = is-active ] && { [ -f "$STATE/active" ]; exit; }\necho "$1" >> "$STATE/log"\n',
      { mode: 0o755 },
    )
    writeFileSync(join(dir, 'crio'), '#!/bin/sh\n', { mode: 0o755 })
    const sh = (script: string, s: string) => {
      try {
        return {
          code: 0,
          out: execFileSync('sh', ['-c', script.replaceAll(CRIO_DROP_IN, file)], {
            encoding: 'utf8',
            env: { STATE: s, PATH: `${dir}:/usr/bin:/bin` },
          }),
        }
      } catch (error) {
        return { code: (error as { status: number }).status, out: (error as { stdout: string }).stdout }
      }
    }
    const s = mkdtempSync(join(tmpdir(), 'flotilla-crio-state-'))
    writeFileSync(join(s, 'active'), '')
    writeFileSync(join(s, 'enabled'), '')
    const write = runs(step!)[1]!
    expect(sh(step!.check.command!.text, s)).toEqual({
      code: 1,
      out: `${file} does not set cri-o's cgroup manager and pause image\n`,
    })
    expect(sh(write, s).code).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(crioDropIn('1.32'))
    expect(readFileSync(join(s, 'log'), 'utf8')).toBe('restart\n')
    expect(sh(step!.check.command!.text, s)).toEqual({ code: 0, out: 'cri-o runs with cgroup_manager systemd\n' })
    // Again: nothing written, no restart.
    const mtime = execFileSync('stat', ['-c', '%y', file], { encoding: 'utf8' })
    expect(sh(write, s).code).toBe(0)
    expect(readFileSync(join(s, 'log'), 'utf8')).toBe('restart\n')
    expect(execFileSync('stat', ['-c', '%y', file], { encoding: 'utf8' })).toBe(mtime)
    execFileSync('rm', [join(s, 'active')])
    expect(sh(step!.check.command!.text, s)).toEqual({ code: 1, out: 'cri-o is not running\n' })
    execFileSync('rm', [join(s, 'enabled')])
    expect(sh(step!.check.command!.text, s)).toEqual({ code: 1, out: 'cri-o is not enabled\n' })
    execFileSync('rm', [join(dir, 'crio')])
    expect(sh(step!.check.command!.text, s)).toEqual({
      code: 1,
      out: 'cri-o is not installed in the running system\n',
    })
  })
})

describe('criSocket', () => {
  it("names containerd's socket on the Debian family and cri-o's on MicroOS", () => {
    for (const os of DEBIAN_LIKE) expect(criSocket(pinned(os).facts)).toBe('unix:///run/containerd/containerd.sock')
    expect(criSocket(pinned('microos').facts)).toBe('unix:///var/run/crio/crio.sock')
  })
})
