/**
 * The service manager stand-in (systemctl, reboot, journalctl, modprobe, the boot hook), driven
 * over real SSH the way an admin -- or Flotilla -- would. Each strictness check feeds it what
 * systemd would refuse and expects systemd's kind of failure (message and exit status).
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, waitUntil, type Lab, type LabNode } from '../harness'
import { sshExec } from '../ssh'

let lab: Lab
let node: LabNode

beforeAll(async () => {
  lab = await useLab({ profiles: ['debian-sudo-nopass+sim'] })
  node = lab.nodes[0]!
})
afterAll(() => lab?.dispose())

const sh = (command: string) => sshExec(node, command, { timeoutMs: 30_000 })

// `systemctl start` of a simple-type unit returns once the process is forked, before it has exec'd
// (systemd does the same), so a process listing right after it may still show the fork: poll for
// the exec'd `sleep N` with a deadline before reading it.
const SLEEPING =
  'for i in $(seq 1 100); do s=$(pgrep -a sleep | grep -o "sleep [0-9]*") && break; sleep 0.05; done; echo "$s"'

// A unit of the kind a package ships: a long-running process, enabled into multi-user.target.
const unit = (name: string, body: string) =>
  `sudo tee /etc/systemd/system/${name}.service >/dev/null <<'EOF'\n${body}\nEOF`
const SLEEPER = `[Unit]
Description=simulator test service
[Service]
ExecStart=/usr/bin/sleep 3600
Restart=always
[Install]
WantedBy=multi-user.target`

describe('systemctl stand-in', () => {
  it('starts, reports, stops, enables and disables a unit like systemctl', async () => {
    expect((await sh(unit('simtest', SLEEPER))).code).toBe(0)
    const before = await sh('systemctl is-active simtest; echo "rc=$?"; systemctl is-enabled simtest; echo "rc=$?"')
    expect(before.stdout).toBe('inactive\nrc=3\ndisabled\nrc=1\n')

    const started = await sh(
      'sudo systemctl enable --now simtest && systemctl is-active simtest && systemctl is-enabled simtest',
    )
    expect(started.code).toBe(0)
    expect(started.stdout).toBe('active\nenabled\n')
    expect(started.stderr).toContain('Created symlink /etc/systemd/system/multi-user.target.wants/simtest.service')

    const status = await sh('systemctl status simtest; echo "rc=$?"')
    expect(status.stdout).toMatch(/● simtest\.service - simulator test service/)
    expect(status.stdout).toMatch(/Active: active \(running\)/)
    expect(status.stdout).toMatch(/Main PID: \d+ \(sleep\)/)
    expect(status.stdout).toMatch(/rc=0\n$/)

    const stopped = await sh(
      'sudo systemctl disable --now simtest; systemctl is-active simtest; pgrep -x sleep || echo none',
    )
    expect(stopped.stdout).toBe('inactive\nnone\n')
    expect((await sh('systemctl status simtest; echo "rc=$?"')).stdout).toMatch(/rc=3\n$/)
  })

  it('refuses unknown verbs, units and options with systemctl exit codes', async () => {
    const verb = await sh('systemctl frobnicate kubelet')
    expect([verb.code, verb.stderr.trim()]).toEqual([1, "Unknown command verb 'frobnicate'."])
    const start = await sh('sudo systemctl start no-such-unit')
    expect([start.code, start.stderr.trim()]).toEqual([
      5,
      'Failed to start no-such-unit.service: Unit no-such-unit.service not found.',
    ])
    const enable = await sh('sudo systemctl enable no-such-unit')
    expect([enable.code, enable.stderr.trim()]).toEqual([
      1,
      'Failed to enable unit: Unit file no-such-unit.service does not exist.',
    ])
    const isEnabled = await sh('systemctl is-enabled no-such-unit')
    expect(isEnabled.code).toBe(1)
    expect(isEnabled.stderr).toContain(
      'Failed to get unit file state for no-such-unit.service: No such file or directory',
    )
    const status = await sh('systemctl status no-such-unit')
    expect([status.code, status.stderr.trim()]).toEqual([4, 'Unit no-such-unit.service could not be found.'])
    const option = await sh('systemctl --bogus status simtest')
    expect([option.code, option.stderr.trim()]).toEqual([1, "systemctl: unrecognized option '--bogus'"])
    const type = await sh('sudo systemctl start boot.mount')
    expect(type.code).toBe(1)
    expect(type.stderr).toContain('only .service units are simulated')
  })

  it('needs root to change anything, as systemctl without polkit does', async () => {
    const r = await sh('systemctl start simtest')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('Failed to start simtest.service: Interactive authentication required.')
  })

  it('refuses unit files it cannot honour instead of ignoring directives', async () => {
    await sh(unit('simbad', '[Service]\nExecStart=/usr/bin/sleep 3600\nProtectSystem=strict'))
    const r = await sh('sudo systemctl start simbad')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('ProtectSystem= in [Service] is not understood by the simulator')
    // systemd's own rule: several ExecStart= only for Type=oneshot.
    await sh(unit('simtwo', '[Service]\nExecStart=/usr/bin/sleep 1\nExecStart=/usr/bin/sleep 2'))
    const two = await sh('sudo systemctl start simtwo')
    expect(two.code).toBe(1)
    expect(two.stderr).toContain(
      'Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services.',
    )
    // The lab's init runs sshd; the simulator must not pretend to manage it.
    const ssh = await sh('sudo systemctl restart ssh')
    expect(ssh.code).toBe(1)
    expect(ssh.stderr).toContain("is run by the lab's init")
  })

  it('reads what package scripts and install scripts pass: `--`, unit file paths, User=root', async () => {
    // Debian's deb-systemd-invoke: `systemctl --system is-enabled -- name`.
    await sh(unit('simdash', SLEEPER))
    await sh('sudo systemctl enable simdash')
    const dash = await sh('systemctl --system is-enabled -- simdash.service')
    expect([dash.code, dash.stdout.trim()]).toEqual([0, 'enabled'])
    await sh('sudo systemctl disable -- simdash')
    // deb-systemd-helper on a package's first install (what enables containerd after apt-get).
    const preset = await sh(
      'sudo systemctl --root=/ --system --preset-mode=enable-only preset simdash.service && systemctl is-enabled simdash',
    )
    expect([preset.code, preset.stdout.trim()]).toEqual([0, 'enabled'])
    await sh('sudo systemctl disable simdash')
    const otherRoot = await sh('sudo systemctl --root=/mnt preset simdash.service')
    expect([otherRoot.code, otherRoot.stderr.trim()]).toEqual([
      1,
      'flotilla-sim: systemctl --root=/mnt is not simulated',
    ])
    // k3s's install script: `systemctl enable /etc/systemd/system/k3s.service`; a file outside the
    // unit directories is linked into /etc/systemd/system first, as systemd does.
    await sh(
      `printf '%s\\n' '[Service]' 'User=root' 'ExecStart=/usr/bin/sleep 4444' '[Install]' 'WantedBy=multi-user.target' | sudo tee /opt/simpath.service >/dev/null`,
    )
    const linked = await sh(
      'sudo systemctl enable /opt/simpath.service && readlink /etc/systemd/system/simpath.service && systemctl is-enabled simpath',
    )
    expect(linked.code, linked.stderr).toBe(0)
    expect(linked.stdout).toBe('/opt/simpath.service\nenabled\n')
    expect((await sh('sudo systemctl start simpath && systemctl is-active simpath')).stdout.trim()).toBe('active')
    await sh('sudo systemctl disable --now simpath')
    const missing = await sh('sudo systemctl enable /opt/nothing.service')
    expect([missing.code, missing.stderr.trim()]).toEqual([
      1,
      'Failed to enable unit: Unit file /opt/nothing.service does not exist.',
    ])
    // Another user would need a credential switch the stand-in does not do: refused, not ignored.
    await sh(unit('simuser', '[Service]\nUser=nobody\nExecStart=/usr/bin/sleep 3600'))
    const user = await sh('sudo systemctl start simuser')
    expect(user.code).toBe(1)
    expect(user.stderr).toContain('User=nobody is not simulated (root only)')
  })

  it('waits for READY=1 from a Type=notify service, and times out like systemd without it', async () => {
    await sh(
      `printf '%s\\n' '#!/bin/sh' 'sleep 1' 'exec python3 "$1"' | sudo tee /usr/local/bin/simnotify >/dev/null && sudo chmod 755 /usr/local/bin/simnotify`,
    )
    // sd_notify(3) as a real binary does it: one datagram to $NOTIFY_SOCKET, from the main process.
    await sh(
      `printf '%s\\n' 'import os, socket' 's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)' 's.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])' 'os.execv("/usr/bin/sleep", ["sleep", "3600"])' | sudo tee /usr/local/bin/simnotify.py >/dev/null`,
    )
    await sh(unit('simready', '[Service]\nType=notify\nExecStart=/usr/local/bin/simnotify /usr/local/bin/simnotify.py'))
    const ready = await sh('sudo systemctl start simready; echo rc=$?; systemctl is-active simready')
    expect(ready.stdout).toBe('rc=0\nactive\n')
    await sh('sudo systemctl stop simready')
    await sh(unit('simsilent', '[Service]\nType=notify\nTimeoutStartSec=2\nExecStart=/usr/bin/sleep 3600'))
    const silent = await sh('sudo systemctl start simsilent; echo rc=$?; systemctl is-active simsilent')
    expect(silent.stderr).toContain('Job for simsilent.service failed because a timeout was exceeded.')
    expect(silent.stdout).toBe('rc=1\nfailed\n')
  })

  it('reloads a running unit with its ExecReload= lines and $MAINPID, and refuses what systemd refuses', async () => {
    await sh(
      `printf '%s\\n' '#!/bin/bash' 'trap "echo reloaded >> /run/simreload.log" HUP' 'while :; do sleep 0.1; done' | sudo tee /usr/local/bin/simreload >/dev/null && sudo chmod 755 /usr/local/bin/simreload && sudo rm -f /run/simreload.log`,
    )
    await sh(
      unit(
        'simreload',
        '[Service]\nExecStart=/usr/local/bin/simreload\nExecReload=/usr/bin/test -n $MAINPID\nExecReload=/bin/kill -HUP $MAINPID',
      ),
    )
    const inactive = await sh('sudo systemctl reload simreload')
    expect([inactive.code, inactive.stderr.trim()]).toEqual([1, 'simreload.service is not active, cannot reload.'])
    expect((await sh('sudo systemctl start simreload && sudo systemctl reload simreload')).code).toBe(0)
    await waitUntil(
      'the HUP reached the main process',
      async () => (await sh('cat /run/simreload.log')).stdout === 'reloaded\n',
      10_000,
      100,
    )
    expect((await sh('systemctl is-active simreload')).stdout).toBe('active\n')
    const user = await sh('systemctl reload simreload')
    expect(user).toMatchObject({ code: 1, stderr: expect.stringContaining('Interactive authentication required.') })
    const missing = await sh('sudo systemctl reload simnothing')
    expect([missing.code, missing.stderr.trim()]).toEqual([
      5,
      'Failed to reload simnothing.service: Unit simnothing.service not found.',
    ])
    await sh(unit('simnoreload', SLEEPER))
    await sh('sudo systemctl start simnoreload')
    const na = await sh('sudo systemctl reload simnoreload')
    expect([na.code, na.stderr.trim()]).toEqual([
      1,
      'Failed to reload simnoreload.service: Job type reload is not applicable for unit simnoreload.service.',
    ])
    await sh('sudo systemctl stop simnoreload simreload')
    // A failing ExecReload= fails the job; the service keeps running as it was.
    await sh(unit('simbadreload', '[Service]\nExecStart=/usr/bin/sleep 3600\nExecReload=/bin/false'))
    const bad = await sh(
      'sudo systemctl start simbadreload && sudo systemctl reload simbadreload; echo rc=$?; systemctl is-active simbadreload',
    )
    expect(bad.stdout).toBe('rc=1\nactive\n')
    expect(bad.stderr).toContain(
      'Job for simbadreload.service failed because the control process exited with error code.',
    )
    await sh('sudo systemctl stop simbadreload')
  })

  it('keeps using the loaded unit until daemon-reload, with systemd warning', async () => {
    await sh(unit('simedit', '[Service]\nExecStart=/usr/bin/sleep 1111'))
    expect((await sh('sudo systemctl start simedit && sudo systemctl stop simedit')).code).toBe(0)
    await sh(unit('simedit', '[Service]\nExecStart=/usr/bin/sleep 2222'))
    const stale = await sh(`sudo systemctl start simedit; ${SLEEPING}`)
    expect(stale.stderr).toContain(
      "Warning: The unit file, source configuration file or drop-ins of simedit.service changed on disk. Run 'systemctl daemon-reload' to reload units.",
    )
    expect(stale.stdout).toContain('sleep 1111')
    const fresh = await sh(
      `sudo systemctl stop simedit; sudo systemctl daemon-reload; sudo systemctl start simedit; ${SLEEPING}`,
    )
    expect(fresh.stderr).toBe('')
    expect(fresh.stdout).toContain('sleep 2222')
    await sh('sudo systemctl stop simedit')
  })

  it('applies drop-ins, with an empty ExecStart= resetting the list', async () => {
    await sh(unit('simdrop', '[Service]\nExecStart=/usr/bin/sleep 3333'))
    await sh(
      'sudo mkdir -p /etc/systemd/system/simdrop.service.d && printf \'[Service]\\nEnvironment="SECS=4444"\\nExecStart=\\nExecStart=/usr/bin/sleep $SECS\\n\' | sudo tee /etc/systemd/system/simdrop.service.d/10-override.conf >/dev/null',
    )
    const r = await sh(`sudo systemctl daemon-reload && sudo systemctl start simdrop && ${SLEEPING}`)
    expect(r.stdout).toContain('sleep 4444')
    expect(r.stdout).not.toContain('sleep 3333')
    await sh('sudo systemctl stop simdrop')
  })

  it('reports a crashing service as restarting, with its output in journalctl', async () => {
    await sh(
      unit(
        'simcrash',
        "[Service]\nExecStart=/bin/sh -c 'echo broken config >&2; exit 2'\nRestart=always\nRestartSec=30",
      ),
    )
    const r = await sh(
      // The first run fails at once; poll until systemd has noticed and scheduled the restart.
      'sudo systemctl start simcrash; for i in $(seq 1 100); do systemctl status simcrash | grep -q auto-restart && break; sleep 0.05; done; systemctl status simcrash; echo "rc=$?"; journalctl -u simcrash',
    )
    expect(r.stdout).toMatch(/Active: activating \(auto-restart\)/)
    expect(r.stdout).toMatch(/rc=3\n/)
    expect(r.stdout).toContain('broken config')
    await sh('sudo systemctl stop simcrash')
  })

  it('refuses to power off (the lab can only reboot a node)', async () => {
    const r = await sh('sudo poweroff')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('poweroff is not simulated')
  })

  it('knows modules of this node only, and forgets them at reboot unless configured', async () => {
    const unknown = await sh('sudo modprobe no_such_module')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/modprobe: FATAL: Module no_such_module not found in directory \/lib\/modules\//)
    expect((await sh('lsmod | grep -c br_netfilter || true')).stdout.trim()).toBe('0')
    expect((await sh('sudo modprobe br_netfilter && lsmod | grep -c br_netfilter')).stdout.trim()).toBe('1')
  })

  it('after a reboot runs enabled units only, and reapplies modules-load.d and sysctl.d', async () => {
    // One command per line: a here-document ends only at a line of its own.
    const setup = [
      'set -e',
      unit('simtest', SLEEPER),
      'sudo systemctl enable --now simtest', // enabled: comes back
      unit('simonce', '[Service]\nExecStart=/usr/bin/sleep 7777'),
      'sudo systemctl start simonce', // started by hand: does not
      'echo overlay | sudo tee /etc/modules-load.d/k8s.conf >/dev/null',
      'sudo modprobe vxlan', // loaded by hand: forgotten
      'echo net.ipv4.ip_forward=1 | sudo tee /etc/sysctl.d/k8s.conf >/dev/null',
    ].join('\n')
    expect((await sh(setup)).code).toBe(0)
    const before = node.bootId
    // What Flotilla runs: the session drops, so the command's own status does not matter.
    await sh("sudo nohup sh -c 'sleep 1; systemctl reboot || reboot' >/dev/null 2>&1 &")
    await waitUntil(
      'the node to come back with a new boot id',
      async () => {
        const r = await sshExec(node, 'cat /proc/sys/kernel/random/boot_id', { timeoutMs: 3000, connectTimeoutS: 1 })
        return r.code === 0 && r.stdout.trim() !== before
      },
      30_000,
      500,
    )
    // Services start after sshd, as multi-user.target's units do after the network.
    await waitUntil(
      'the enabled unit to be started',
      async () => (await sh('systemctl is-active simtest')).stdout === 'active\n',
      15_000,
      300,
    ).catch((e: unknown) => {
      // The node's console tells what its boot did.
      console.error(readFileSync(`/tmp/flotilla-lab/${lab.prefix}/nodes/${node.index}/console.log`, 'utf8'))
      throw e
    })
    const after = await sh(
      'systemctl is-active simtest simonce; lsmod | cut -d" " -f1 | tail -n +2 | sort | tr "\\n" " "; echo; cat /proc/sys/net/ipv4/ip_forward',
    )
    expect(after.stdout).toBe('active\ninactive\noverlay \n1\n')
  }, 90_000)
})
