/**
 * The internet as sim nodes see it (test/lab/sim/upstream): the lab's HTTPS upstream, the signed
 * apt repositories at pkgs.k8s.io and download.docker.com driven with the install guides' own
 * commands (real curl, gpg, apt-get, dpkg), MicroOS's zypper and transactional-update, and swap
 * on a Raspberry Pi OS 12 node. Each check has its negative: what the real tools refuse.
 */
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, type Lab, type LabNode } from '../harness'
import { sshExec } from '../ssh'

let lab: Lab
let deb: LabNode // Debian 12 cloud host: apt
let suse: LabNode // openSUSE MicroOS: zypper, transactional-update
let pi: LabNode // Raspberry Pi OS 12: dphys-swapfile

const upstreamDir = () => join(process.env.LAB_STATE_ROOT ?? '/tmp/flotilla-lab', lab.prefix, 'upstream')
const upstreamAddr = () => lab.net.replace(/\.0\/24$/, '.254')
const K8S = 'https://pkgs.k8s.io/core:/stable:/v1.32/deb/'
const K8S_WWW = () => join(upstreamDir(), 'www/pkgs.k8s.io/core:/stable:/v1.32/deb')

beforeAll(async () => {
  lab = await useLab({ profiles: ['debian-sudo-nopass+sim', 'microos+sim', 'pi4+sim'] })
  ;[deb, suse, pi] = lab.nodes as [LabNode, LabNode, LabNode]
})
afterAll(() => {
  rmSync(join(upstreamDir(), 'www/pkgs.k8s.io/flotilla-test'), { recursive: true, force: true })
  return lab?.dispose()
})

const sh = (node: LabNode, command: string, timeoutMs = 60_000) => sshExec(node, command, { timeoutMs })
// The Pi's user types its password for sudo: the script runs under one `sudo -S`.
const piRoot = (script: string) =>
  sshExec(
    pi,
    `printf %s ${Buffer.from(script).toString('base64')} | base64 -d >/tmp/sim-script.sh && sudo -S -p '' bash /tmp/sim-script.sh`,
    { input: `${pi.password}\n`, timeoutMs: 60_000 },
  )
const requests = () =>
  readFileSync(join(upstreamDir(), 'requests.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { client: string; host: string; path: string; status: number })

describe('the upstream host', () => {
  it('answers the real URLs over HTTPS with the lab CA the node trusts, and logs each request', async () => {
    const r = await sh(deb, `curl -fsS ${K8S}Release.key | head -n1; grep -c flotilla-lab /etc/hosts`)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('-----BEGIN PGP PUBLIC KEY BLOCK-----\n2\n')
    expect(requests()).toContainEqual(
      expect.objectContaining({
        client: deb.address,
        host: 'pkgs.k8s.io',
        path: '/core:/stable:/v1.32/deb/Release.key',
        status: 200,
      }),
    )
  })

  it('answers 404 for an unknown path or host', async () => {
    const r = await sh(
      deb,
      [
        `curl -s -o /dev/null -w '%{http_code}\\n' https://pkgs.k8s.io/core:/stable:/v1.99/deb/Release.key`,
        `curl -s -k -o /dev/null -w '%{http_code}\\n' --resolve example.org:443:${upstreamAddr()} https://example.org/`,
      ].join('; '),
    )
    expect(r.stdout).toBe('404\n404\n')
  })

  it('is refused without the lab CA (curl 60), and other names do not resolve in the lab (curl 6)', async () => {
    const r = await sh(
      deb,
      `curl -sS --capath /nonexistent --cacert /etc/ssl/certs/ISRG_Root_X1.pem ${K8S}Release.key; echo "rc=$?"; curl -sS https://example.org/; echo "rc=$?"`,
    )
    expect(r.stdout).toBe('rc=60\nrc=6\n')
    expect(r.stderr).toContain('SSL certificate problem: unable to get local issuer certificate')
    expect(r.stderr).toContain('Could not resolve host: example.org')
  })
})

describe('apt: the kubeadm install guide against pkgs.k8s.io, containerd.io from download.docker.com', () => {
  it('sees only the lab: no kubectl, no kubeadm before the repositories are added', async () => {
    const r = await sh(deb, 'command -v kubectl || echo no-kubectl; sudo apt-get install -y kubeadm; echo "rc=$?"')
    expect(r.stdout).toContain('no-kubectl')
    expect(r.stderr).toContain('E: Unable to locate package kubeadm')
    expect(r.stdout).toContain('rc=100')
  })

  // Before any successful update: afterwards apt would only warn and keep the old index files.
  it('refuses the repository signed by a key other than the one given: NO_PUBKEY, "is not signed"', async () => {
    const r = await sh(
      deb,
      [
        'export GNUPGHOME=$(mktemp -d)',
        'gpg --batch --quiet --pinentry-mode loopback --passphrase "" --quick-gen-key "someone else <x@example.org>" ed25519 sign never 2>/dev/null',
        'sudo mkdir -p -m 755 /etc/apt/keyrings',
        'gpg --batch --export | sudo tee /etc/apt/keyrings/other.gpg >/dev/null',
        `curl -fsSL ${K8S}Release.key | gpg --dearmor > /tmp/k8s.gpg`,
        `echo 'deb [signed-by=/etc/apt/keyrings/other.gpg] ${K8S} /' | sudo tee /etc/apt/sources.list.d/kubernetes.list >/dev/null`,
        'sudo apt-get update; echo "rc=$?"',
        'sudo rm /etc/apt/sources.list.d/kubernetes.list /etc/apt/keyrings/other.gpg',
      ].join('\n'),
    )
    const keyId = (await sh(deb, 'gpg --show-keys --with-colons /tmp/k8s.gpg')).stdout
      .split('\n')
      .find((l) => l.startsWith('pub:'))!
      .split(':')[4]
    expect(r.stderr).toContain(`NO_PUBKEY ${keyId}`)
    // apt names a flat repository "URI<space><space>Release-file"
    expect(r.stderr).toContain(`E: The repository '${K8S.replace(/\/$/, '')}  InRelease' is not signed.`)
    expect(r.stdout).toContain('rc=100')
  })

  it('installs kubelet, kubeadm, kubectl and containerd.io; containerd runs, the kubelet waits', async () => {
    const guide = [
      'set -e',
      'sudo apt-get update && sudo apt-get install -y apt-transport-https ca-certificates curl gpg',
      'sudo mkdir -p -m 755 /etc/apt/keyrings',
      `curl -fsSL ${K8S}Release.key | sudo gpg --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg`,
      `echo 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] ${K8S} /' | sudo tee /etc/apt/sources.list.d/kubernetes.list`,
      'sudo curl -fsSL https://download.docker.com/linux/debian/gpg -o /etc/apt/keyrings/docker.asc',
      'echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian $(. /etc/os-release && echo "$VERSION_CODENAME") stable" | sudo tee /etc/apt/sources.list.d/docker.list',
      'sudo apt-get update',
      'sudo apt-get install -y containerd.io kubelet kubeadm kubectl',
      'sudo apt-mark hold kubelet kubeadm kubectl',
    ].join('\n')
    const r = await sh(deb, guide)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('Setting up kubeadm (1.32.4-1.1) ...')
    const s = await sh(
      deb,
      [
        "dpkg-query -W -f '${Package} ${Version} ${Status}\\n' kubelet kubeadm kubectl cri-tools kubernetes-cni containerd.io",
        'systemctl is-enabled kubelet; systemctl is-active kubelet; systemctl is-enabled containerd; systemctl is-active containerd',
        'kubeadm version -o short; kubectl version --client | head -n1',
        'test -f /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf && echo drop-in',
        'grep ^disabled_plugins /etc/containerd/config.toml',
      ].join('; '),
    )
    expect(s.stdout.split('\n')).toEqual([
      'containerd.io 1.7.24-1 install ok installed',
      'cri-tools 1.32.0-1.1 install ok installed',
      'kubeadm 1.32.4-1.1 hold ok installed',
      'kubectl 1.32.4-1.1 hold ok installed',
      'kubelet 1.32.4-1.1 hold ok installed',
      'kubernetes-cni 1.6.0-1.1 install ok installed',
      'disabled',
      'inactive',
      'enabled',
      'active',
      'v1.32.4',
      expect.stringMatching(/^Client Version: v1\.32\./),
      'drop-in',
      'disabled_plugins = ["cri"]',
      '',
    ])
    // Downloaded from the lab, over HTTPS, by this node.
    const got = requests().filter((q) => q.client === deb.address && q.status === 200)
    expect(got.map((q) => `${q.host}${q.path}`)).toEqual(
      expect.arrayContaining([
        'pkgs.k8s.io/core:/stable:/v1.32/deb/InRelease',
        'pkgs.k8s.io/core:/stable:/v1.32/deb/amd64/kubeadm_1.32.4-1.1_amd64.deb',
        'download.docker.com/linux/debian/dists/bookworm/InRelease',
        'download.docker.com/linux/debian/pool/stable/amd64/containerd.io_1.7.24-1_amd64.deb',
      ]),
    )
  })

  it('cannot find a package the repositories do not have', async () => {
    const r = await sh(deb, 'sudo apt-get install -y kubeadmm; echo "rc=$?"')
    expect(r.stderr).toContain('E: Unable to locate package kubeadmm')
    expect(r.stdout).toContain('rc=100')
  })

  it('refuses an unsigned repository, and a Packages file that does not match the signed Release', async () => {
    const base = join(upstreamDir(), 'www/pkgs.k8s.io/flotilla-test')
    // unsigned: Release without InRelease or Release.gpg
    mkdirSync(join(base, 'unsigned'), { recursive: true })
    for (const f of ['Release', 'Packages', 'Packages.gz']) copyFileSync(join(K8S_WWW(), f), join(base, 'unsigned', f))
    // tampered: the real signed Release, a Packages whose kubeadm now points at another hash
    cpSync(K8S_WWW(), join(base, 'tampered'), { recursive: true })
    const packages = gunzipSync(readFileSync(join(base, 'tampered/Packages.gz')))
      .toString()
      .replace(/^(Description: Command-line utility for administering) a/m, '$1 A')
    writeFileSync(join(base, 'tampered/Packages'), packages)
    writeFileSync(join(base, 'tampered/Packages.gz'), gzipSync(packages))
    const url = (what: string) => `https://pkgs.k8s.io/flotilla-test/${what}/`
    const r = await sh(
      deb,
      [
        `echo 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] ${url('unsigned')} /' | sudo tee /etc/apt/sources.list.d/test.list >/dev/null`,
        'sudo apt-get update; echo "rc=$?"',
        `echo 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] ${url('tampered')} /' | sudo tee /etc/apt/sources.list.d/test.list >/dev/null`,
        'sudo apt-get update; echo "rc=$?"',
        'sudo rm /etc/apt/sources.list.d/test.list',
      ].join('\n'),
    )
    expect(r.stderr).toContain(`E: The repository '${url('unsigned').replace(/\/$/, '')}  Release' is not signed.`)
    // apt checks the size the signed Release gives before the hashes
    expect(r.stderr).toMatch(
      /E: Failed to fetch https:\/\/pkgs\.k8s\.io\/flotilla-test\/tampered\/Packages(\.gz)?\s+(Hash Sum mismatch|File has unexpected size)/,
    )
    expect(r.stdout.match(/^rc=\d+$/gm)).toEqual(['rc=100', 'rc=100'])
  })

  it('sim-pkg installs the very .deb files the repository serves', async () => {
    const r = await sh(
      deb,
      'sha256sum /usr/lib/flotilla-sim/debs/kubeadm_*_amd64.deb | cut -d" " -f1; sudo apt-get download kubeadm >/dev/null 2>&1 && sha256sum kubeadm_*.deb | cut -d" " -f1',
    )
    const [local, served] = r.stdout.trim().split('\n')
    expect(local).toMatch(/^[0-9a-f]{64}$/)
    expect(served).toBe(local)
  })
})

describe('MicroOS: zypper and transactional-update', () => {
  const KREPO = 'https://pkgs.k8s.io/core:/stable:/v1.32/rpm/'

  it('refuses zypper install on the read-only root, as on a transactional server', async () => {
    const r = await sh(suse, 'zypper -n install kubeadm; echo "rc=$?"; touch /usr/bin/x')
    expect(r.stderr).toContain(
      'This is a transactional-server, please use transactional-update to update or modify the system.',
    )
    expect(r.stdout).toContain('rc=5')
    expect(r.stderr).toContain("touch: cannot touch '/usr/bin/x': Read-only file system")
  })

  it('refuses the repository until its key is imported (--gpg-auto-import-keys)', async () => {
    const r = await sh(suse, `zypper addrepo ${KREPO} kubernetes >/dev/null && zypper -n refresh; echo "rc=$?"`)
    expect(r.stdout).toContain("Signature verification failed for file 'repomd.xml' from repository 'kubernetes'.")
    expect(r.stdout).toContain('rc=4')
    const ok = await sh(suse, 'zypper -n --gpg-auto-import-keys refresh; echo "rc=$?"')
    expect(ok.stdout).toContain('Automatically importing the following key:')
    expect(ok.stdout).toContain('All repositories have been refreshed.')
    expect(ok.stdout).toContain('rc=0')
  })

  it('installs kubeadm into a new snapshot that only a reboot makes the running system', async () => {
    const r = await sh(suse, 'transactional-update -n pkg install kubeadm; echo "rc=$?"')
    expect(r.stdout).toContain('rc=0')
    expect(r.stdout).toContain('Please reboot your machine to activate the changes and avoid data loss.')
    const before = await sh(suse, 'command -v kubeadm || echo none; rpm -q kubeadm')
    expect(before.stdout).toBe('none\npackage kubeadm is not installed\n')
    await lab.reboot(suse, { downForSeconds: 1, wait: true })
    const after = await sh(suse, 'kubeadm version -o short; rpm -q kubeadm cri-tools')
    expect(after.stdout).toBe('v1.32.4\nkubeadm-1.32.4-150500.1.1.x86_64\ncri-tools-1.32.0-150500.1.1.x86_64\n')
  }, 90_000)

  it('keeps only the last of two transactions made without a reboot in between (no --continue)', async () => {
    const r = await sh(
      suse,
      'transactional-update -n pkg install kubectl >/dev/null && transactional-update -n pkg install kubelet >/dev/null; echo "rc=$?"',
    )
    expect(r.stdout).toBe('rc=0\n')
    await lab.reboot(suse, { downForSeconds: 1, wait: true })
    const after = await sh(suse, 'rpm -q kubelet kubernetes-cni kubectl kubeadm')
    expect(after.stdout).toBe(
      [
        'kubelet-1.32.4-150500.1.1.x86_64',
        'kubernetes-cni-1.6.0-150500.1.1.x86_64',
        'package kubectl is not installed',
        'kubeadm-1.32.4-150500.1.1.x86_64',
        '',
      ].join('\n'),
    )
  }, 90_000)

  it('refuses repository metadata that does not match its signature', async () => {
    const copy = join(upstreamDir(), 'www/pkgs.k8s.io/flotilla-test/rpm')
    cpSync(join(upstreamDir(), 'www/pkgs.k8s.io/core:/stable:/v1.32/rpm'), copy, { recursive: true })
    const repomd = join(copy, 'repodata/repomd.xml')
    writeFileSync(repomd, readFileSync(repomd, 'utf8').replace('<revision>', '<revision>1'))
    const r = await sh(
      suse,
      'zypper addrepo https://pkgs.k8s.io/flotilla-test/rpm/ tampered >/dev/null && zypper -n refresh tampered; echo "rc=$?"; zypper removerepo tampered >/dev/null',
    )
    expect(r.stdout).toContain("Signature verification failed for file 'repomd.xml' from repository 'tampered'.")
    expect(r.stdout).toContain('rc=4')
  })

  it('does not find a package the repository does not have', async () => {
    const r = await sh(suse, 'transactional-update -n pkg install kubeadmm; echo "rc=$?"')
    expect(r.stderr).toContain("Package 'kubeadmm' not found.")
    expect(r.stdout).toContain('rc=104')
  })
})

describe('swap on Raspberry Pi OS 12 (dphys-swapfile)', () => {
  const swaps = async () =>
    (await sh(pi, 'tail -n +2 /proc/swaps | wc -l; free -k | awk "/^Swap:/ {print \\$2}"')).stdout

  it('swapoff needs root; swapoff -a turns swap off until the next boot', async () => {
    const denied = await sh(pi, '/usr/sbin/swapoff -a; echo "rc=$?"')
    expect(denied.stderr).toContain('swapoff: /var/swap: swapoff failed: Operation not permitted')
    expect(denied.stdout).toContain('rc=32')
    expect(await swaps()).toBe('1\n524284\n')
    expect((await piRoot('swapoff -a')).code).toBe(0)
    expect(await swaps()).toBe('0\n0\n')
    await lab.reboot(pi, { downForSeconds: 1, wait: true })
    expect(await swaps()).toBe('1\n524284\n')
  }, 60_000)

  it('stays off after a reboot once disabled the Pi OS way', async () => {
    const r = await piRoot('dphys-swapfile swapoff && dphys-swapfile uninstall && systemctl disable dphys-swapfile')
    expect(r.code, r.stderr).toBe(0)
    await lab.reboot(pi, { downForSeconds: 1, wait: true })
    expect(await swaps()).toBe('0\n0\n')
    // and after a power cut: the machine's swap is decided at boot, not by the lab's description
    await lab.powerCut(pi)
    await lab.powerOn(pi)
    expect(await swaps()).toBe('0\n0\n')
  }, 60_000)
})
