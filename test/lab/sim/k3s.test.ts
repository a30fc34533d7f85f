/**
 * The k3s stand-in (install script, server, agent, tokens) over real SSH, driven by the commands
 * of the k3s HA docs (datastore/ha-embedded.md, cluster-loadbalancer.md): a real HAProxy in front
 * of three servers with embedded etcd, one agent, kubectl through the load balancer, one server
 * powered off; then a custom CA with a precomputed token. Every check has a test that feeds the
 * stand-in what the real k3s (or its install script) refuses and expects that failure.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, waitUntil, type Lab, type LabNode } from '../harness'
import { sshExec } from '../ssh'

let lab: Lab
let lb: LabNode // HAProxy, on a MicroOS node
let s1: LabNode
let s2: LabNode
let s3: LabNode
let ag: LabNode // agent, later the custom-CA server

const SECRET = 'flotilla-sim-k3s-secret'
const INSTALL = 'curl -sfL https://get.k3s.io'
const tmp = mkdtempSync(join(tmpdir(), 'k3s-test-'))

beforeAll(async () => {
  lab = await useLab({ profiles: ['microos+sim', ...Array(4).fill('debian-sudo-nopass+sim')] })
  ;[lb, s1, s2, s3, ag] = lab.nodes as [LabNode, LabNode, LabNode, LabNode, LabNode]
}, 120_000)
afterAll(() => lab?.dispose())

const sh = (node: LabNode, command: string, timeoutMs = 60_000) => sshExec(node, command, { timeoutMs })
const journal = async (node: LabNode, unit = 'k3s') => (await sh(node, `sudo journalctl -u ${unit}`)).stdout
const lbURL = () => `https://${lb.address}:6443`
/** The k3s service's journal, once it contains `text` (failing starts are retried by Restart=always). */
const journalHas = (node: LabNode, text: string | RegExp, unit = 'k3s') =>
  waitUntil(
    `${node.hostname}: ${unit} logging ${text}`,
    async () => {
      const j = await journal(node, unit)
      return (typeof text === 'string' ? j.includes(text) : text.test(j)) && j
    },
    20_000,
    500,
  )

/** kubectl on the test's side of the LAN (the desk), with a kubeconfig file. */
function kubectl(kubeconfig: string, ...args: string[]): { code: number; out: string } {
  try {
    const out = execFileSync('kubectl', ['--kubeconfig', kubeconfig, '--request-timeout=5s', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    return { code: 0, out }
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string }
    return { code: err.status ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` }
  }
}

describe('get.k3s.io install script', () => {
  it('refuses K3S_URL without K3S_TOKEN, as the real script does', async () => {
    const r = await sh(ag, `${INSTALL} | K3S_URL=${lbURL()} sh -`)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      "[ERROR]  Defaulted k3s exec command to 'agent' because K3S_URL is defined, but K3S_TOKEN or K3S_TOKEN_FILE is not defined.",
    )
    const url = await sh(ag, `${INSTALL} | K3S_URL=http://${lb.address}:6443 K3S_TOKEN=x sh -`)
    expect(url.stderr).toContain(`Only https:// URLs are supported for K3S_URL (have http://${lb.address}:6443)`)
  })

  it('refuses a download whose sha256 does not match the release hash file', async () => {
    const r = await sh(
      ag,
      `${INSTALL} | GITHUB_URL=https://github.com/flotilla-sim/k3s-corrupt/releases INSTALL_K3S_VERSION=v1.32.4+k3s1 K3S_TOKEN=x sh -s - server`,
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/\[ERROR\] {2}Download sha256 does not match [0-9a-f]{64}, got [0-9a-f]{64}/)
    expect((await sh(ag, 'test -e /usr/local/bin/k3s; echo $?')).stdout.trim()).toBe('1')
  })

  it('installs a server: binary, links, env file with K3S_* variables, unit with the exec line', async () => {
    // First server with a K10 token before any CA exists: only a custom CA allows that (cli/token.md).
    const k10 = `K10${'ab'.repeat(32)}::server:${SECRET}`
    const first = await sh(s1, `${INSTALL} | K3S_TOKEN='${k10}' sh -s - server --cluster-init --node-ip ${s1.address}`)
    expect(first.stdout).toContain('[INFO]  Verifying binary download')
    await journalHas(s1, `token CA hash does not match the Cluster CA certificate hash: ${'ab'.repeat(32)} != `)

    const r = await sh(
      s1,
      `${INSTALL} | K3S_TOKEN=${SECRET} sh -s - server --cluster-init --tls-san ${lb.address} --node-ip ${s1.address}`,
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('[INFO]  Using v1.32.4+k3s1 as release') // from the stable channel redirect
    expect(r.stdout).toContain('[INFO]  Skipping binary downloaded, installed k3s matches hash')
    expect(r.stdout).toContain('[INFO]  systemd: Starting k3s')
    const files = await sh(
      s1,
      'readlink /usr/local/bin/crictl; sudo cat /etc/systemd/system/k3s.service.env; grep -A3 ^ExecStart= /etc/systemd/system/k3s.service; ls /usr/local/bin/k3s-uninstall.sh /usr/local/bin/k3s-killall.sh; systemctl is-enabled k3s',
    )
    expect(files.stdout).toContain('k3s\n')
    expect(files.stdout).toContain(`K3S_TOKEN='${SECRET}'`)
    expect(files.stdout).toContain(
      "ExecStart=/usr/local/bin/k3s \\\n    server \\\n\t'--cluster-init' \\\n\t'--tls-san'",
    )
    expect(files.stdout).toContain('enabled')
  })

  it('does not pretend to install the k3s-selinux RPM through transactional-update (MicroOS)', async () => {
    const r = await sh(lb, `${INSTALL} | sh -`)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      'flotilla-sim: installing the k3s-selinux RPM through transactional-update (rpm.rancher.io is not in the lab); use INSTALL_K3S_SKIP_SELINUX_RPM=true is not simulated',
    )
    expect((await sh(lb, 'test -e /etc/systemd/system/k3s.service; echo $?')).stdout.trim()).toBe('1')
  })

  it('skips the kubectl link when kubectl is already on the PATH', async () => {
    const r = await sh(
      s2,
      `${INSTALL} | INSTALL_K3S_SKIP_ENABLE=true sh -s - server --cluster-init 2>&1; readlink /usr/local/bin/kubectl`,
    )
    expect(r.stdout).toContain('[INFO]  Creating /usr/local/bin/kubectl symlink to k3s')
    const again = await sh(
      s2,
      `${INSTALL} | INSTALL_K3S_SKIP_ENABLE=true INSTALL_K3S_SKIP_DOWNLOAD=true sh -s - server 2>&1`,
    )
    expect(again.stdout).toContain('[INFO]  Skipping k3s download and verify')
    expect(again.stdout).toContain('Skipping /usr/local/bin/kubectl symlink to k3s, already exists')
    expect((await sh(s2, 'systemctl is-enabled k3s; systemctl is-active k3s')).stdout).toBe('disabled\ninactive\n')
  })
})

describe('k3s command line', () => {
  it('prints its version and refuses unknown flags like urfave/cli', async () => {
    const v = await sh(s1, 'k3s --version')
    expect(v.stdout).toMatch(/^k3s version v1\.32\.4\+k3s1 \([0-9a-f]{8}\)\ngo version go/)
    const r = await sh(s1, 'sudo k3s server --cluster-init --bogus-flag')
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Incorrect Usage: flag provided but not defined: -bogus-flag')
    expect(r.stderr).toContain('level=fatal msg="flag provided but not defined: -bogus-flag"')
  })

  it('cannot pick a node IP on a LAN without a default route', async () => {
    const r = await sh(s1, 'sudo k3s server --cluster-init --data-dir /tmp/k3s-nodefault')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('no default routes found in \\"/proc/net/route\\" or \\"/proc/net/ipv6_route\\"')
  })

  it('refuses an invalid taint effect', async () => {
    const r = await sh(
      s1,
      `sudo k3s server --cluster-init --node-ip ${s1.address} --node-taint a=b:Sometimes --data-dir /tmp/x`,
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('invalid taint effect: Sometimes, unsupported taint effect')
  })

  it('reads flags from a config file, and refuses keys that are no flag', async () => {
    await sh(s1, "printf 'node-ip: 10.0.0.1\\nbogus-key: 1\\n' > /tmp/k3s-config.yaml")
    const r = await sh(s1, 'sudo k3s server --config /tmp/k3s-config.yaml')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('level=fatal msg="flag provided but not defined: -bogus-key"')
    await sh(s1, "printf 'node-ip: 10.0.0.1\\n' > /tmp/k3s-config.yaml")
    const ip = await sh(s1, 'sudo k3s server --config /tmp/k3s-config.yaml')
    expect(ip.stderr).toContain('node-ip 10.0.0.1 is not an address of this node')
  })
})

describe('k3s HA with embedded etcd behind HAProxy', () => {
  it('runs the first server: token file in the secure format, k3s.yaml mode 600, node Ready', async () => {
    const r = await sh(
      s1,
      'sudo cat /var/lib/rancher/k3s/server/token; sudo sha256sum /var/lib/rancher/k3s/server/tls/server-ca.crt; stat -c %a /etc/rancher/k3s/k3s.yaml',
    )
    const [token, sum, mode] = r.stdout.trim().split('\n')
    // Self-signed CA: the hash is the sha256 of the PEM file as stored (clientaccess.hashCA).
    expect(token).toBe(`K10${sum!.split(' ')[0]}::server:${SECRET}`)
    expect(mode).toBe('600')
    await waitUntil(
      'the first server Ready',
      async () => / Ready +control-plane,etcd,master /.test((await sh(s1, 'sudo kubectl get nodes')).stdout),
      30_000,
      1000,
    )
  })

  it('puts a real HAProxy in front of the servers (cluster-loadbalancer.md)', async () => {
    const cfg = `defaults
    timeout connect 5s
    timeout client 35s
    timeout server 35s
    timeout check 2s
frontend k3s-frontend
    bind *:6443
    mode tcp
    option tcplog
    default_backend k3s-backend
backend k3s-backend
    mode tcp
    option tcp-check
    balance roundrobin
    # the docs use inter 10s downinter 5s; shortened so the test waits less
    default-server inter 1s downinter 1s fall 2 rise 1
    server server-1 ${s1.address}:6443 check
    server server-2 ${s2.address}:6443 check
    server server-3 ${s3.address}:6443 check
`
    const r = await sh(
      lb,
      `sudo mkdir -p /etc/haproxy && sudo tee /etc/haproxy/k3s.cfg >/dev/null <<'EOF'\n${cfg}EOF\nsudo haproxy -c -f /etc/haproxy/k3s.cfg && sudo haproxy -D -f /etc/haproxy/k3s.cfg`,
    )
    expect(r.code, r.stderr).toBe(0)
    const ca = await sh(lb, `curl -sk https://localhost:6443/cacerts`)
    expect(ca.stdout).toContain('BEGIN CERTIFICATE')
  })

  it('refuses a joining server whose token is wrong (401 from the supervisor)', async () => {
    await sh(s2, `${INSTALL} | K3S_TOKEN=wrong-secret sh -s - server --server ${lbURL()} --node-ip ${s2.address}`)
    await journalHas(s2, `failed to bootstrap cluster data: ${lbURL()}/v1-k3s/server-bootstrap: 401 Unauthorized`)
  })

  it('refuses a joining server whose K10 token carries another CA hash', async () => {
    const wrong = `K10${'0'.repeat(64)}::server:${SECRET}`
    await sh(s2, `${INSTALL} | K3S_TOKEN='${wrong}' sh -s - server --server ${lbURL()} --node-ip ${s2.address}`)
    await journalHas(
      s2,
      new RegExp(
        `failed to validate token: token CA hash does not match the Cluster CA certificate hash: ${'0'.repeat(64)} != [0-9a-f]{64}`,
      ),
    )
  })

  it('refuses a server address that is not in the serving certificate (--tls-san)', async () => {
    await sh(s2, `echo '${lb.address} k3s-lb.flotilla.lab' | sudo tee -a /etc/hosts >/dev/null`)
    await sh(
      s2,
      `${INSTALL} | K3S_TOKEN=${SECRET} sh -s - server --server https://k3s-lb.flotilla.lab:6443 --node-ip ${s2.address}`,
    )
    await journalHas(
      s2,
      /CA cert validation failed: Get .*x509: certificate is valid for .*, not k3s-lb\.flotilla\.lab/,
    )
  })

  it('refuses a joining server whose critical configuration differs', async () => {
    await sh(
      s2,
      `${INSTALL} | K3S_TOKEN=${SECRET} sh -s - server --server ${lbURL()} --node-ip ${s2.address} --cluster-cidr 10.50.0.0/16`,
    )
    const j = await journalHas(s2, 'critical configuration mismatched: ClusterCIDR')
    expect(j).toContain('critical configuration value mismatch between servers')
  })

  it('joins two more servers through the load balancer, one etcd member at a time', async () => {
    const token = (await sh(s1, 'sudo cat /var/lib/rancher/k3s/server/token')).stdout.trim()
    const r2 = await sh(
      s2,
      `${INSTALL} | K3S_TOKEN='${token}' sh -s - server --server ${lbURL()} --tls-san ${lb.address} --node-ip ${s2.address}`,
    )
    expect(r2.code, r2.stderr).toBe(0)
    // The short token works too, without CA validation (k3s warns); INSTALL_K3S_EXEC and the
    // script's arguments make one command line.
    const r3 = await sh(
      s3,
      `${INSTALL} | K3S_TOKEN=${SECRET} INSTALL_K3S_EXEC="server --server ${lbURL()} --tls-san ${lb.address}" sh -s - --node-ip ${s3.address} --node-taint CriticalAddonsOnly=true:NoExecute --node-label tier=edge`,
    )
    expect(r3.code, r3.stderr).toBe(0)
    expect(await journal(s3)).toContain('the token does not include a CA hash')
    const members = await waitUntil(
      'three etcd members',
      async () => {
        const m = await sh(
          s1,
          'sudo ETCDCTL_API=3 etcdctl --endpoints https://127.0.0.1:2379 --cacert /var/lib/rancher/k3s/server/tls/etcd/server-ca.crt --cert /var/lib/rancher/k3s/server/tls/etcd/client.crt --key /var/lib/rancher/k3s/server/tls/etcd/client.key member list',
        )
        return (
          m.stdout
            .trim()
            .split('\n')
            .filter((l) => l.includes(', started, ')).length === 3 && m.stdout
        )
      },
      30_000,
      1000,
    )
    expect(members).toContain(`https://${s3.address}:2380`)
    // A server restarted with another token: k3s cannot decrypt its bootstrap data.
    const other = await sh(s2, `sudo k3s server --node-ip ${s2.address} --token another-secret`)
    expect(other.code).toBe(1)
    expect(other.stderr).toContain(
      'failed to reconcile with local datastore: bootstrap data already found and encrypted with different token',
    )
    // The joiners got the first server's CA: the same server token everywhere.
    expect((await sh(s3, 'sudo cat /var/lib/rancher/k3s/server/token')).stdout).toBe(
      (await sh(s1, 'sudo cat /var/lib/rancher/k3s/server/token')).stdout,
    )
  })

  it('runs an agent: a wrong CA hash is retried and logged, the right token joins', async () => {
    const wrong = `K10${'1'.repeat(64)}::server:${SECRET}`
    // The agent keeps retrying, so k3s never says READY=1 and the installer's `systemctl restart`
    // hangs, as the real one does on a wrong token: the caller needs a timeout and the journal.
    const hung = await sh(
      ag,
      `${INSTALL} | K3S_URL=${lbURL()} K3S_TOKEN='${wrong}' timeout 12 sh -s - --node-ip ${ag.address}`,
    )
    expect(hung.code).toBe(124)
    await journalHas(
      ag,
      `Failed to validate connection to cluster at ${lbURL()}: token CA hash does not match the Cluster CA certificate hash: ${'1'.repeat(64)}`,
      'k3s-agent',
    )
    // A bootstrap token that was only generated, never created on the server: 401.
    const generated = (await sh(s2, 'k3s token generate')).stdout.trim()
    expect(generated).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/)
    await sh(ag, `${INSTALL} | K3S_URL=${lbURL()} K3S_TOKEN='${generated}' timeout 12 sh -s - --node-ip ${ag.address}`)
    await journalHas(
      ag,
      /Failed to retrieve agent configuration: https:\/\/.*\/v1-k3s\/config: 401 Unauthorized/,
      'k3s-agent',
    )
    // `k3s token create` on a server: a bootstrap token in the secure format; agents join with it.
    const created = await sh(s2, 'sudo k3s token create --ttl 1h --description flotilla-test')
    expect(created.code, created.stderr).toBe(0)
    const token = created.stdout.trim()
    const serverToken = (await sh(s1, 'sudo cat /var/lib/rancher/k3s/server/token')).stdout.trim()
    expect(token).toMatch(new RegExp(`^${serverToken.split('::')[0]}::[a-z0-9]{6}\\.[a-z0-9]{16}$`))
    const list = await sh(s3, 'sudo k3s token list')
    expect(list.stdout).toContain(`${token.split('::')[1]!.split('.')[0]}.<redacted>`)
    expect(list.stdout).toContain('flotilla-test')
    // Bootstrap tokens are for agents only: a server cannot fetch the bootstrap data with one.
    const asServer = await sh(
      s3,
      `sudo k3s server --server ${lbURL()} --token '${token}' --node-ip ${s3.address} --data-dir /tmp/k3s-bt`,
    )
    expect(asServer.code).toBe(1)
    expect(asServer.stderr).toContain('/v1-k3s/server-bootstrap: 401 Unauthorized')
    const r = await sh(ag, `${INSTALL} | K3S_URL=${lbURL()} K3S_TOKEN='${token}' sh -s - --node-ip ${ag.address}`)
    expect(r.code, r.stderr).toBe(0)
    const env = await sh(
      ag,
      'sudo cat /etc/systemd/system/k3s-agent.service.env; grep -A1 ^ExecStart= /etc/systemd/system/k3s-agent.service',
    )
    expect(env.stdout).toContain(`K3S_URL='${lbURL()}'`)
    expect(env.stdout).toContain(`K3S_TOKEN='${token}'`)
    await journalHas(ag, 'k3s agent is up and running', 'k3s-agent')
    const id = token.split('::')[1]!.split('.')[0]!
    const del = await sh(s2, `sudo k3s token delete ${id}; sudo k3s token delete ${id}`)
    expect(del.stdout).toContain(`bootstrap token "${id}" deleted`)
    expect(del.stderr).toContain(`bootstrap token \\"${id}\\" not found`)
    expect(env.stdout).toContain('ExecStart=/usr/local/bin/k3s \\\n    agent \\')
  })

  it('lists four Ready nodes with kubectl through the load balancer', async () => {
    const yaml = (await sh(s1, 'sudo cat /etc/rancher/k3s/k3s.yaml')).stdout
    expect(yaml).toContain('server: https://127.0.0.1:6443')
    const kubeconfig = join(tmp, 'k3s.yaml')
    writeFileSync(kubeconfig, yaml.replace('https://127.0.0.1:6443', lbURL()))
    const out = await waitUntil(
      'four Ready nodes',
      () => {
        const r = kubectl(kubeconfig, 'get', 'nodes', '--no-headers')
        const lines = r.out
          .trim()
          .split('\n')
          .filter((l) => / Ready /.test(l))
        return r.code === 0 && lines.length === 4 && r.out
      },
      40_000,
      1000,
    )
    for (const n of [s1, s2, s3]) expect(out).toMatch(new RegExp(`${n.hostname} +Ready +control-plane,etcd,master `))
    expect(out).toMatch(new RegExp(`${ag.hostname} +Ready +<none> `))
    const s3node = JSON.parse(kubectl(kubeconfig, 'get', 'node', s3.hostname, '-o', 'json').out)
    expect(s3node.spec.taints).toEqual([{ key: 'CriticalAddonsOnly', value: 'true', effect: 'NoExecute' }])
    expect(s3node.metadata.labels.tier).toBe('edge')
    expect(JSON.parse(kubectl(kubeconfig, 'get', 'node', s2.hostname, '-o', 'json').out).spec.taints).toBeUndefined()
  })

  it("refuses a second node with an existing node's name (node password)", async () => {
    const token = (await sh(s1, 'sudo cat /var/lib/rancher/k3s/server/token')).stdout.trim()
    const r = await sh(
      ag,
      `sudo timeout 8 k3s agent --server ${lbURL()} --token '${token}' --node-name ${s2.hostname} --node-ip ${ag.address} --data-dir /tmp/k3s-dup`,
    )
    expect(r.stderr).toContain(
      "Failed to retrieve agent configuration: Node password rejected, duplicate hostname or contents of '/etc/rancher/node/password' may not match server node-passwd entry",
    )
  })

  it('keeps answering through the load balancer with one server powered off', async () => {
    const kubeconfig = join(tmp, 'k3s.yaml')
    await lab.powerCut(s1)
    // HAProxy marks the dead server down after its failed checks; then every request succeeds.
    await waitUntil(
      'three answers in a row through the load balancer',
      () => [0, 1, 2].every(() => kubectl(kubeconfig, 'get', 'nodes', '--no-headers').code === 0),
      30_000,
      1000,
    )
    const r = kubectl(kubeconfig, 'get', 'nodes', '--no-headers')
    expect(r.out).toContain(s2.hostname)
  })

  it('brings the server back at power-on: k3s restarts from its data and rejoins', async () => {
    await lab.powerOn(s1)
    // The enabled unit starts at boot; the initialized etcd data is reused (no bootstrap, no join).
    await journalHas(s1, 'Managed etcd cluster bootstrap already complete and initialized')
    await waitUntil(
      `${s1.hostname}'s own API answering with every node`,
      async () => {
        const r = await sh(s1, 'sudo kubectl get nodes --no-headers')
        return r.code === 0 && r.stdout.trim().split('\n').length === 4
      },
      60_000,
      1000,
    )
  })

  it('re-adds a server only after its Node is deleted (k3s then removes its etcd member)', async () => {
    const kubeconfig = join(tmp, 'k3s.yaml')
    const etcdctl = (node: LabNode) =>
      sh(
        node,
        'sudo ETCDCTL_API=3 etcdctl --endpoints https://127.0.0.1:2379 --cacert /var/lib/rancher/k3s/server/tls/etcd/server-ca.crt --cert /var/lib/rancher/k3s/server/tls/etcd/client.crt --key /var/lib/rancher/k3s/server/tls/etcd/client.key member list',
      )
    await sh(s3, 'sudo /usr/local/bin/k3s-uninstall.sh >/dev/null 2>&1')
    // Its old member (named after the node) is still in etcd: the rejoin is refused.
    await sh(
      s3,
      `${INSTALL} | K3S_TOKEN=${SECRET} sh -s - server --server ${lbURL()} --tls-san ${lb.address} --node-ip ${s3.address}`,
    )
    await journalHas(s3, 'ETCD join failed: duplicate node name found, please use a unique name for this node')
    expect(kubectl(kubeconfig, 'delete', 'node', s3.hostname).code).toBe(0)
    await waitUntil(
      'the member of the deleted node removed',
      async () => !(await etcdctl(s2)).stdout.includes(`https://${s3.address}:2380`),
      20_000,
      1000,
    )
    // The service keeps restarting (Restart=always) and now joins.
    await waitUntil(
      `${s3.hostname} back as a Ready server`,
      () =>
        new RegExp(`${s3.hostname} +Ready +control-plane,etcd,master `).test(
          kubectl(kubeconfig, 'get', 'nodes', '--no-headers').out,
        ),
      60_000,
      1000,
    )
    expect((await etcdctl(s2)).stdout).toContain(`https://${s3.address}:2380`)
  })
})

describe('a lone server with the default datastore (SQLite), on MicroOS', () => {
  it('installs with INSTALL_K3S_SKIP_SELINUX_RPM=true and runs without the etcd role', async () => {
    const r = await sh(
      lb,
      `${INSTALL} | INSTALL_K3S_SKIP_SELINUX_RPM=true K3S_TOKEN=${SECRET} sh -s - --https-listen-port 6445 --node-ip ${lb.address}`,
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('[INFO]  Skipping installation of SELinux RPM')
    await waitUntil(
      'the MicroOS server Ready',
      async () =>
        new RegExp(`${lb.hostname} +Ready +control-plane,master `).test(
          (await sh(lb, 'sudo kubectl get nodes --no-headers')).stdout,
        ),
      30_000,
      1000,
    )
    expect(await journal(lb)).toContain('Configuring sqlite3 database connection pooling')
  })

  it('cannot take a second server: there is no etcd to join', async () => {
    const r = await sh(
      s2,
      `sudo k3s server --server https://${lb.address}:6445 --token ${SECRET} --node-ip ${s2.address} --data-dir /tmp/k3s-join-sqlite`,
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`ETCD join failed: https://${lb.address}:6445/db/info: 404 Not Found`)
  })
})

describe('k3s with a custom CA (cli/certificate.md)', () => {
  // Root -> intermediate -> the five CAs, bundles as contrib/util/generate-custom-ca-certs.sh
  // writes them (ECDSA instead of its RSA root to keep the test quick), plus service.key.
  const MAKE_CA = `set -e
D=/var/lib/rancher/k3s/server/tls; mkdir -p $D/etcd; cd $D
ext() { printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,digitalSignature,keyEncipherment,keyCertSign\\nsubjectKeyIdentifier=hash\\nauthorityKeyIdentifier=keyid:always\\n' > /tmp/ca.ext; }
ext
openssl ecparam -name prime256v1 -genkey -noout -out /root/root-ca.key
openssl req -x509 -new -key /root/root-ca.key -subj /CN=k3s-root-ca -days 3650 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,digitalSignature -out /root/root-ca.pem
openssl ecparam -name prime256v1 -genkey -noout -out /root/intermediate-ca.key
openssl req -new -key /root/intermediate-ca.key -subj /CN=k3s-intermediate-ca | openssl x509 -req -CA /root/root-ca.pem -CAkey /root/root-ca.key -set_serial 2 -days 3650 -extfile /tmp/ca.ext -out /root/intermediate-ca.pem
for T in client server request-header etcd/peer etcd/server; do
  openssl ecparam -name prime256v1 -genkey -noout -out $T-ca.key
  openssl req -new -key $T-ca.key -subj "/CN=k3s-$(echo $T | tr / -)-ca" | openssl x509 -req -CA /root/intermediate-ca.pem -CAkey /root/intermediate-ca.key -set_serial $RANDOM -days 3650 -extfile /tmp/ca.ext -out $T-ca.pem
  cat $T-ca.pem /root/intermediate-ca.pem /root/root-ca.pem > $T-ca.crt
done
openssl genrsa -out service.key 2048 2>/dev/null`

  it('prepares the node: the agent uninstalled, the CA files placed before the first start', async () => {
    const u = await sh(
      ag,
      'sudo /usr/local/bin/k3s-agent-uninstall.sh >/dev/null 2>&1; test -e /usr/local/bin/k3s; echo $?',
    )
    expect(u.stdout.trim()).toBe('1')
    const r = await sh(ag, `sudo bash -c '${MAKE_CA.replace(/'/g, "'\\''")}'`)
    expect(r.code, r.stderr).toBe(0)
  })

  it('refuses an incomplete set of custom CA files (k3s would silently mix in a generated CA)', async () => {
    await sh(ag, 'sudo mv /var/lib/rancher/k3s/server/tls/client-ca.key /root/client-ca.key')
    await sh(ag, `${INSTALL} | K3S_TOKEN=${SECRET} sh -s - server --cluster-init --node-ip ${ag.address}`)
    await journalHas(ag, 'are incomplete: missing /var/lib/rancher/k3s/server/tls/client-ca.key')
    await sh(ag, 'sudo systemctl stop k3s && sudo mv /root/client-ca.key /var/lib/rancher/k3s/server/tls/client-ca.key')
  })

  it('refuses a precomputed token with the wrong root hash', async () => {
    const r = await sh(
      ag,
      `sudo k3s server --cluster-init --node-ip ${ag.address} --token K10${'2'.repeat(64)}::server:${SECRET}`,
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`token CA hash does not match the Cluster CA certificate hash: ${'2'.repeat(64)} != `)
  })

  it('starts the first server with a K10 token precomputed from the root certificate', async () => {
    const hash = (
      await sh(ag, 'sudo openssl x509 -in /root/root-ca.pem -outform der | sha256sum | cut -d" " -f1')
    ).stdout.trim()
    const token = `K10${hash}::server:${SECRET}`
    const r = await sh(
      ag,
      `${INSTALL} | K3S_TOKEN='${token}' sh -s - server --cluster-init --node-ip ${ag.address} --write-kubeconfig-mode 644 --flannel-backend none`,
    )
    expect(r.code, r.stderr).toBe(0)
    expect((await sh(ag, 'sudo cat /var/lib/rancher/k3s/server/token')).stdout.trim()).toBe(token)
    // The serving certificate chains to the custom root; k3s.yaml is readable (mode 644).
    const verify = await sh(
      ag,
      `stat -c %a /etc/rancher/k3s/k3s.yaml; openssl s_client -connect ${ag.address}:6443 -CAfile /root/root-ca.pem -verify_return_error </dev/null 2>&1 | grep -E '^Verify return code'`,
    )
    expect(verify.stdout).toContain('644')
    expect(verify.stdout).toContain('Verify return code: 0 (ok)')
    // --flannel-backend none: no CNI config, so the node stays NotReady with the kubelet's reason.
    const ready = await waitUntil(
      'the custom-CA server registered',
      async () => {
        const r = await sh(
          ag,
          `kubectl get node ${ag.hostname} -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}'`,
        )
        return r.code === 0 && r.stdout
      },
      30_000,
      1000,
    )
    expect(ready).toContain('NetworkReady=false reason:NetworkPluginNotReady')
  })
})
