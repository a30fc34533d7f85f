/**
 * Issue 11, items 10-14: hosts that `ssh check` and the probe misjudged, rebuilt as lab traits and
 * checked against the app's real services over real OpenSSH. First what each trait makes the host
 * look like (so a broken trait cannot pass for a fixed app), then what Flotilla makes of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HostIdentification, RoleReadiness } from '../../src/shared/types'
import { useLab, type Lab, type LabNode } from '../lab/harness'
import { sshExec } from '../lab/ssh'
import { installLabKey, testApp, type TestApp } from './ssh-app'

let lab: Lab
let app: TestApp
let usrLib: LabNode // MicroOS, root, only /usr/lib/os-release
let banner: LabNode // Pi OS, pi with a sudo password, ~/.bashrc greets on stdout and stderr
let memcgOn: LabNode // Pi whose kernel enables the memory cgroup without cmdline.txt saying so
let resetPi: LabNode // Pi after `kubeadm reset`: empty 0700 dirs, sudo asks for a password
let resetDebian: LabNode // the same leftovers, passwordless sudo
let pi3: LabNode // 32-bit Raspberry Pi OS on a Pi 3 B+: armv7l, 1 GB
const hostIds = new Map<LabNode, string>()

beforeAll(async () => {
  lab = await useLab({
    profiles: [
      'microos+os-release-usr-lib',
      'pi4+login-banner',
      'pi4+memcg-default-on',
      'pi4+reset-leftovers',
      'debian-sudo-nopass+reset-leftovers',
      'pi3',
    ],
  })
  ;[usrLib, banner, memcgOn, resetPi, resetDebian, pi3] = lab.nodes as [
    LabNode,
    LabNode,
    LabNode,
    LabNode,
    LabNode,
    LabNode,
  ]
  app = testApp()
  installLabKey(app, lab.keyPath)
  for (const node of lab.nodes) {
    const host = await app.addNode(node)
    await app.api.ssh.trust(host.id, node.hostKeyFingerprint!)
    hostIds.set(node, host.id)
  }
})

afterAll(() => app?.close())

const id = (node: LabNode) => hostIds.get(node)!

async function probe(node: LabNode): Promise<HostIdentification> {
  const [result] = await app.api.discovery.probe([id(node)])
  if (!result!.ok) throw new Error(`${node.profile}: ${result!.error.message}`)
  return result!.identification
}

const role = (ident: HostIdentification, name: RoleReadiness['role']) => ident.readiness.find((r) => r.role === name)!
const codes = (r: RoleReadiness) => r.reasons.map((x) => x.code)

describe('the lab traits', () => {
  it('os-release-usr-lib: no /etc/os-release, /usr/lib/os-release describes the OS', async () => {
    const r = await sshExec(usrLib, 'test -e /etc/os-release && echo etc; . /usr/lib/os-release && echo "$ID"')
    expect(r.stdout.trim()).toBe('opensuse-microos')
  })

  it('login-banner: every shell of the login user greets on stdout and stderr first', async () => {
    const r = await sshExec(banner, 'echo payload')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^Welcome to \S+! .*\npayload\n$/)
    expect(r.stderr).toMatch(/^2 updates can be applied immediately\.\n/)
  })

  it('memcg-default-on: the kernel has the memory controller, cmdline.txt has no flag', async () => {
    const show =
      'cat /sys/fs/cgroup/cgroup.controllers; grep ^memory /proc/cgroups | cut -f4; cat /boot/firmware/cmdline.txt'
    const on = (await sshExec(memcgOn, show)).stdout.split('\n')
    expect(on[0]!.split(' ')).toContain('memory')
    expect(on[1]).toBe('1')
    expect(on[2]).not.toMatch(/cgroup_enable=memory/)
    // A Pi without the trait: the kernel disables the controller unless cmdline.txt enables it.
    const off = (await sshExec(resetPi, show)).stdout.split('\n')
    expect(off[0]!.split(' ')).not.toContain('memory')
    expect(off[0]!.split(' ')).toContain('cpu')
    expect(off[1]).toBe('0')
  })

  it('reset-leftovers: empty 0700 directories the login user cannot list', async () => {
    const r = await sshExec(resetPi, 'ls -A /var/lib/kubelet; ls -A /var/lib/etcd; echo end')
    expect(r.stdout.trim()).toBe('end')
    expect(r.stderr).toMatch(/ls: cannot open directory '\/var\/lib\/kubelet': Permission denied/)
    const asRoot = await lab.nodeExec(
      resetPi,
      'stat -c "%n %a %U" /var/lib/kubelet /var/lib/etcd; find /var/lib/kubelet /var/lib/etcd /etc/kubernetes ! -type d',
    )
    expect(asRoot.stdout.trim().split('\n')).toEqual(['/var/lib/kubelet 700 root', '/var/lib/etcd 700 etcd'])
  })

  it('pi3: 32-bit Raspberry Pi OS on an armv7l kernel', async () => {
    const r = await sshExec(pi3, '. /etc/os-release; echo "$ID $VERSION_ID"; uname -m; dpkg --print-architecture')
    expect(r.stdout.trim().split('\n')).toEqual(['raspbian 12', 'armv7l', 'armhf'])
  })
})

describe('ssh check reads framed answers (items 10, 11)', () => {
  it('finds the OS in /usr/lib/os-release and does not shift the sudo answer into it', async () => {
    const [result] = await app.api.ssh.check([id(usrLib)])
    expect(result).toMatchObject({ ok: true, user: 'root', sudo: 'root', os: 'openSUSE MicroOS' })
  })

  it('is not misled by a login banner on stdout and stderr', async () => {
    await app.api.ssh.provideSecret(id(banner), 'sudo', banner.password!)
    const [result] = await app.api.ssh.check([id(banner)])
    expect(result).toMatchObject({ ok: true, user: 'pi', sudo: 'password', os: 'Debian GNU/Linux 12 (bookworm)' })
  })

  it('still tells passwordless sudo apart', async () => {
    const [result] = await app.api.ssh.check([id(resetDebian)])
    expect(result).toMatchObject({ ok: true, user: 'debian', sudo: 'nopasswd', os: 'Debian GNU/Linux 12 (bookworm)' })
  })
})

describe('the probe', () => {
  it('identifies a host whose os-release is only in /usr/lib (item 11)', async () => {
    const ident = await probe(usrLib)
    expect(ident.os).toMatchObject({ id: 'opensuse-microos', family: 'microos', supported: true })
    expect(codes(role(ident, 'worker'))).not.toContain('os-unsupported')
  })

  it('reads through a login banner (item 10)', async () => {
    const ident = await probe(banner)
    expect(ident.hostname).toBe(banner.hostname)
    expect(ident.os.prettyName).toBe('Debian GNU/Linux 12 (bookworm)')
  })

  it('judges the memory cgroup by the running kernel (item 13)', async () => {
    const on = await probe(memcgOn)
    expect(on.memoryCgroup).toBe('enabled')
    expect(codes(role(on, 'control-plane'))).not.toContain('memory-cgroup')
    // Where the kernel really lacks it, the cmdline.txt edit and reboot are still proposed.
    const off = await probe(resetPi)
    expect(off.memoryCgroup).toBe('needs-cmdline')
    expect(role(off, 'worker').reasons.find((r) => r.code === 'memory-cgroup')?.severity).toBe('fixable')
  })

  it('does not call empty directories it could not read leftovers (item 12)', async () => {
    // Passwordless sudo: read with `sudo -n`, found empty.
    const debian = await probe(resetDebian)
    expect(debian.leftovers).toEqual([])
    expect(debian.leftoversUnchecked ?? []).toEqual([])
    expect(role(debian, 'control-plane').verdict).toBe('ready')

    // sudo needs a password Flotilla does not have: "could not check", neither ready nor blocked.
    await app.api.ssh.forgetSecrets(id(resetPi))
    const unknown = await probe(resetPi)
    expect(unknown.leftovers).toEqual([])
    expect(unknown.leftoversUnchecked).toEqual(['/var/lib/etcd', '/var/lib/kubelet'])
    const cp = role(unknown, 'control-plane')
    expect(cp.verdict).toBe('unchecked')
    expect(codes(cp)).not.toContain('leftovers')
    expect(cp.reasons.find((r) => r.code === 'leftovers-unchecked')?.message).toMatch(
      /^could not check \/var\/lib\/etcd, \/var\/lib\/kubelet for leftovers of an old cluster \(needs sudo\)/,
    )

    // With the session's sudo password, it reads them and finds them empty.
    await app.api.ssh.provideSecret(id(resetPi), 'sudo', resetPi.password!)
    const checked = await probe(resetPi)
    expect(checked.leftovers).toEqual([])
    expect(checked.leftoversUnchecked ?? []).toEqual([])
    expect(role(checked, 'control-plane').verdict).toBe('fixable') // swap and the memory cgroup
  })

  it('gives the HAProxy endpoint its own rules: a 32-bit Pi 3 qualifies (item 14)', async () => {
    const ident = await probe(pi3)
    expect(ident.arch).toBe('armv7l')
    const lb = role(ident, 'haproxy')
    expect(lb.reasons.filter((r) => r.severity === 'blocking')).toEqual([])
    expect(lb.verdict).not.toBe('blocked')
    // Kubernetes itself still needs a 64-bit OS.
    expect(role(ident, 'worker').verdict).toBe('blocked')
    expect(codes(role(ident, 'worker'))).toContain('arch-unsupported')
  })

  it('sees the memory cgroup once cmdline.txt enables it and the Pi rebooted (item 13)', async () => {
    const edit = await sshExec(
      resetPi,
      "sudo -S -p '' sed -i '1 s/$/ cgroup_enable=memory/' /boot/firmware/cmdline.txt",
      {
        input: `${resetPi.password}\n`,
      },
    )
    expect(edit.code, edit.stderr).toBe(0)
    await lab.reboot(resetPi, { wait: true })
    const ident = await probe(resetPi)
    expect(ident.memoryCgroup).toBe('enabled')
    expect(codes(role(ident, 'worker'))).not.toContain('memory-cgroup')
  })
})
