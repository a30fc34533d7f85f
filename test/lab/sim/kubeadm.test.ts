/**
 * The kubeadm stand-in (with its containerd and kubelet stand-ins), over real SSH, as a shell
 * session from the kubeadm install guide would drive it. One negative test per strictness check:
 * each feeds what the real kubeadm (or the kubelet behind it) refuses and expects that failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, waitUntil, type Lab, type LabNode } from '../harness'
import { sshExec } from '../ssh'

let lab: Lab
let cp: LabNode // a prepared control plane
let old: LabNode // a host with leftovers of an earlier cluster

beforeAll(async () => {
  lab = await useLab({ profiles: ['debian-sudo-nopass+sim', 'debian-sudo-nopass+old-cluster+sim'] })
  ;[cp, old] = lab.nodes as [LabNode, LabNode]
  for (const node of lab.nodes) {
    const r = await sshExec(node, 'sudo sim-pkg install containerd kubelet kubeadm && sudo systemctl enable kubelet', {
      timeoutMs: 30_000,
    })
    expect(r.code, r.stderr).toBe(0)
  }
})
afterAll(() => lab?.dispose())

const sh = (command: string, node = cp) => sshExec(node, command, { timeoutMs: 60_000 })

// The node preparation of the kubeadm guide: modules, forwarding, containerd with systemd cgroups.
const PREPARE = [
  'echo br_netfilter | sudo tee /etc/modules-load.d/k8s.conf >/dev/null',
  'sudo modprobe br_netfilter',
  'echo net.ipv4.ip_forward=1 | sudo tee /etc/sysctl.d/k8s.conf >/dev/null',
  'sudo sysctl -q -p /etc/sysctl.d/k8s.conf',
  'sudo mkdir -p /etc/containerd',
  "containerd config default | sed 's/SystemdCgroup = false/SystemdCgroup = true/' | sudo tee /etc/containerd/config.toml >/dev/null",
  'sudo systemctl restart containerd',
].join(' && ')

function config(node: LabNode, extra: { init?: string; cluster?: string; docs?: string } = {}): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${node.address}
${extra.init ?? ''}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
controlPlaneEndpoint: cp.flotilla.lab:6443
apiServer:
  certSANs: ["10.83.0.5", "cp.flotilla.lab"]
${extra.cluster ?? ''}
${extra.docs ?? ''}`
}
const writeConfig = (text: string, node = cp) => sh(`cat > /tmp/kubeadm.yaml <<'EOF'\n${text}\nEOF`, node)
async function init(text: string, node = cp, flags = '') {
  await writeConfig(text, node)
  return sh(`sudo kubeadm init --config /tmp/kubeadm.yaml ${flags}`, node)
}

describe('kubeadm stand-in: version and configuration', () => {
  it('prints its version like kubeadm', async () => {
    const r = await sh('kubeadm version -o short; kubeadm version')
    expect(r.stdout).toMatch(
      /^v1\.\d+\.\d+\nkubeadm version: &version\.Info\{Major:"1", Minor:"\d+", GitVersion:"v1\.\d+\.\d+"/,
    )
    expect(r.stdout).toContain('Platform:"linux/amd64"')
  })

  it('rejects an unknown field (kubeadm would only warn and ignore it)', async () => {
    const r = await init(config(cp, { cluster: 'apiServerCertSANs: ["x"]' }))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      'error unmarshaling configuration schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta4", Kind:"ClusterConfiguration"}: strict decoding error: unknown field "apiServerCertSANs"',
    )
  })

  it('rejects a v1beta3 kubeletExtraArgs map in v1beta4 (a list of name/value)', async () => {
    const r = await init(config(cp, { init: 'nodeRegistration:\n  kubeletExtraArgs:\n    node-ip: 10.83.0.11' }))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      'json: cannot unmarshal object into Go struct field InitConfiguration.nodeRegistration.kubeletExtraArgs',
    )
  })

  it('rejects old API versions and unknown kinds', async () => {
    const beta3 = await init(config(cp).replace(/v1beta4/g, 'v1beta3'))
    expect(beta3.code).toBe(1)
    expect(beta3.stderr).toContain('your configuration file uses an old API spec: "kubeadm.k8s.io/v1beta3"')
    const kind = await init(config(cp, { docs: '---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: NodeConfiguration' }))
    expect(kind.code).toBe(1)
    expect(kind.stderr).toContain('no kind "NodeConfiguration" is registered for version "kubeadm.k8s.io/v1beta4"')
  })

  it('rejects a bootstrap token that is not [a-z0-9]{6}.[a-z0-9]{16}', async () => {
    const r = await init(config(cp, { init: 'bootstrapTokens:\n- token: ABCDEF.0123456789abcdef' }))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      'the bootstrap token "ABCDEF.0123456789abcdef" was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"',
    )
  })

  it('rejects an invalid controlPlaneEndpoint and taint', async () => {
    const endpoint = await init(config(cp).replace('cp.flotilla.lab:6443', 'https://cp.flotilla.lab:6443'))
    expect(endpoint.code).toBe(1)
    expect(endpoint.stderr).toContain('controlPlaneEndpoint: Invalid value: "https://cp.flotilla.lab:6443"')
    const taint = await init(config(cp, { init: 'nodeRegistration:\n  taints:\n  - key: x\n    effect: NoWay' }))
    expect(taint.code).toBe(1)
    expect(taint.stderr).toContain('nodeRegistration.taints[0].effect: Unsupported value: "NoWay"')
  })

  it('refuses to mix --config with flags', async () => {
    await writeConfig(config(cp))
    const r = await sh('sudo kubeadm init --config /tmp/kubeadm.yaml --pod-network-cidr 10.244.0.0/16')
    expect([r.code, r.stderr.split('\n')[0]]).toEqual([1, "can not mix '--config' with arguments [pod-network-cidr]"])
  })

  it('cannot guess the advertise address on a LAN without a default route', async () => {
    await writeConfig(config(cp).replace(/localAPIEndpoint:\n.*\n/, ''))
    const r = await sh('sudo kubeadm init --config /tmp/kubeadm.yaml')
    expect([r.code, r.stderr.split('\n')[0]]).toEqual([1, 'unable to select an IP from default routes.'])
  })
})

describe('kubeadm stand-in: preflight', () => {
  it('fails on forwarding off and br_netfilter missing, with kubeadm error names', async () => {
    const r = await init(config(cp))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('error execution phase preflight: [preflight] Some fatal errors occurred:')
    expect(r.stderr).toContain(
      '[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1',
    )
    expect(r.stderr).toContain(
      '[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: /proc/sys/net/bridge/bridge-nf-call-iptables does not exist',
    )
    // --ignore-preflight-errors turns exactly the named check into a warning.
    const ignored = await sh(
      'sudo kubeadm init --config /tmp/kubeadm.yaml --ignore-preflight-errors=FileContent--proc-sys-net-ipv4-ip_forward',
    )
    expect(ignored.code).toBe(1)
    expect(ignored.stderr).toContain('[WARNING FileContent--proc-sys-net-ipv4-ip_forward]')
    expect(ignored.stderr).toContain('[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]')
  })

  it('fails when the container runtime is not running', async () => {
    const r = await sh(
      'sudo systemctl stop containerd && sudo kubeadm init --config /tmp/kubeadm.yaml; sudo systemctl start containerd',
    )
    expect(r.stderr).toMatch(
      /\[ERROR CRI\]: could not connect to the container runtime: .*unix:\/\/\/var\/run\/containerd\/containerd\.sock/,
    )
  })

  it('fails on a port in use', async () => {
    const r = await sh(
      [
        PREPARE,
        '{ node -e "require(\'net\').createServer().listen(6443)" >/dev/null 2>&1 & echo $! >/tmp/listener.pid; }',
        'for i in $(seq 1 50); do ss -Hltn | grep -q ":6443 " && break; sleep 0.1; done',
        'sudo kubeadm init --config /tmp/kubeadm.yaml; echo "rc=$?"; kill "$(cat /tmp/listener.pid)"',
      ].join(' && '),
    )
    expect(r.stderr).toContain('[ERROR Port-6443]: Port 6443 is in use')
    expect(r.stdout).toContain('rc=1')
  })

  it('fails on the files of an old cluster', async () => {
    expect((await sh(PREPARE, old)).code).toBe(0)
    const r = await init(config(old), old)
    expect(r.code).toBe(1)
    for (const m of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) {
      expect(r.stderr).toContain(
        `[ERROR FileAvailable--etc-kubernetes-manifests-${m}.yaml]: /etc/kubernetes/manifests/${m}.yaml already exists`,
      )
    }
    expect(r.stderr).toContain('[ERROR DirAvailable--var-lib-etcd]: /var/lib/etcd is not empty')
  })

  it('leaves a kubelet that refuses containerd without SystemdCgroup unhealthy, and init fails', async () => {
    const r = await sh(
      [
        "sudo sed -i 's/SystemdCgroup = true/SystemdCgroup = false/' /etc/containerd/config.toml",
        'sudo systemctl restart containerd',
        'sudo kubeadm init --config /tmp/kubeadm.yaml; echo "rc=$?"',
        'sudo journalctl -u kubelet -n 3',
        'sudo kubeadm reset -f >/dev/null 2>&1',
        "sudo sed -i 's/SystemdCgroup = false/SystemdCgroup = true/' /etc/containerd/config.toml",
        'sudo systemctl restart containerd',
      ].join('; '),
    )
    expect(r.stdout).toContain('[kubelet-check] The kubelet is not healthy after 4m0s')
    expect(r.stderr).toContain('error execution phase wait-control-plane: failed while waiting for the kubelet')
    expect(r.stdout).toContain('rc=1')
    expect(r.stdout).toContain(
      'kubelet cgroup driver: \\"systemd\\" is different from the container runtime\'s cgroup driver: \\"cgroupfs\\"',
    )
  })
})

describe('kubeadm stand-in: init with the CA files Flotilla placed, tokens, reset', () => {
  it('refuses an Ed25519 CA key (kubeadm loads RSA or ECDSA only)', async () => {
    const r = await sh(
      [
        'sudo mkdir -p /etc/kubernetes/pki',
        'sudo openssl req -x509 -newkey ed25519 -nodes -days 30 -subj /CN=kubernetes -addext basicConstraints=critical,CA:TRUE -keyout /etc/kubernetes/pki/ca.key -out /etc/kubernetes/pki/ca.crt 2>/dev/null',
        'sudo kubeadm init --config /tmp/kubeadm.yaml; echo "rc=$?"',
        'sudo rm -rf /etc/kubernetes/pki',
      ].join('; '),
    )
    expect(r.stderr).toContain('the private key file /etc/kubernetes/pki/ca.key is neither in RSA nor ECDSA format')
    expect(r.stdout).toContain('rc=1')
  })

  it('signs kubeadm leaves with the placed CA, writes the kubeconfigs and prints the join command', async () => {
    // The CA Flotilla would place: ECDSA P-256, CN kubernetes.
    const placed = await sh(
      [
        'sudo mkdir -p /etc/kubernetes/pki',
        'sudo openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj /CN=kubernetes -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,digitalSignature,keyEncipherment -keyout /etc/kubernetes/pki/ca.key -out /etc/kubernetes/pki/ca.crt 2>/dev/null',
        'sudo openssl x509 -in /etc/kubernetes/pki/ca.crt -pubkey -noout | openssl pkey -pubin -outform der | sha256sum | cut -d" " -f1',
      ].join(' && '),
    )
    expect(placed.code).toBe(0)
    const hash = placed.stdout.trim()
    const r = await init(config(cp, { init: 'nodeRegistration:\n  taints: []' }))
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('[certs] Using existing ca certificate authority')
    expect(r.stdout).toContain(
      `[certs] apiserver serving cert is signed for DNS names [${cp.hostname} kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local cp.flotilla.lab] and IPs [10.96.0.1 ${cp.address} 10.83.0.5]`,
    )
    // taints: [] -> labels only, no control-plane taint.
    expect(r.stdout).toContain('[mark-control-plane] Marking the node')
    expect(r.stdout).not.toContain('by adding the taints')
    expect(r.stdout).toContain('Your Kubernetes control-plane has initialized successfully!')
    expect(r.stdout).toMatch(
      new RegExp(
        `kubeadm join cp\\.flotilla\\.lab:6443 --token [a-z0-9]{6}\\.[a-z0-9]{16} \\\\\\n\\t--discovery-token-ca-cert-hash sha256:${hash} `,
      ),
    )

    const certs = await sh(
      [
        'cd /etc/kubernetes/pki',
        'sudo openssl verify -CAfile ca.crt apiserver.crt apiserver-kubelet-client.crt',
        'sudo openssl verify -CAfile etcd/ca.crt etcd/server.crt etcd/peer.crt apiserver-etcd-client.crt',
        'sudo openssl verify -CAfile front-proxy-ca.crt front-proxy-client.crt',
        'for c in admin super-admin kubelet; do sudo grep client-certificate-data /etc/kubernetes/$c.conf | sed "s/.*: //" | base64 -d | openssl x509 -noout -subject; done',
        'sudo grep -h "server:" /etc/kubernetes/admin.conf /etc/kubernetes/scheduler.conf',
      ].join(' && '),
    )
    expect(certs.code, certs.stderr).toBe(0)
    expect(certs.stdout).toContain('apiserver.crt: OK')
    expect(certs.stdout).toContain('etcd/server.crt: OK')
    expect(certs.stdout).toContain('front-proxy-client.crt: OK')
    expect(certs.stdout).toContain('subject=O = kubeadm:cluster-admins, CN = kubernetes-admin')
    expect(certs.stdout).toContain('subject=O = system:masters, CN = kubernetes-super-admin')
    expect(certs.stdout).toContain(`subject=O = system:nodes, CN = system:node:${cp.hostname}`)
    expect(certs.stdout).toContain('server: https://cp.flotilla.lab:6443')
    expect(certs.stdout).toContain(`server: https://${cp.address}:6443`)

    // The kubelet stand-in runs the etcd static pod with the machine's real etcd, on kubeadm's certs.
    const etcdctl =
      'sudo ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt ' +
      '--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key'
    await waitUntil('etcd to answer', async () => (await sh(`${etcdctl} endpoint health`)).code === 0, 20_000, 500)
    const members = await sh(`${etcdctl} member list`)
    expect(members.stdout).toContain(`${cp.hostname}, https://${cp.address}:2380, https://${cp.address}:2379`)
    // A client certificate from another CA is refused (mutual TLS, as kubeadm configures it).
    const foreign = await sh(
      'cd /tmp && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=intruder -keyout i.key -out i.crt 2>/dev/null && ' +
        'sudo ETCDCTL_API=3 etcdctl --dial-timeout=2s --command-timeout=3s --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=i.crt --key=i.key endpoint health',
    )
    expect(foreign.code).not.toBe(0)
  }, 90_000)

  it('creates, lists and deletes bootstrap tokens, refusing malformed ones', async () => {
    const create = await sh(
      'sudo kubeadm token create abcdef.0123456789abcdef --ttl 2h --description sim && sudo kubeadm token list',
    )
    expect(create.code, create.stderr).toBe(0)
    expect(create.stdout).toMatch(/^abcdef\.0123456789abcdef\nTOKEN\s+TTL\s+EXPIRES/)
    expect(create.stdout).toMatch(
      /abcdef\.0123456789abcdef\s+2h\s+\S+Z\s+signing,authentication\s+sim\s+system:bootstrappers:kubeadm:default-node-token/,
    )
    const dup = await sh('sudo kubeadm token create abcdef.1111111111111111')
    expect([dup.code, dup.stderr.split('\n')[0]]).toEqual([1, 'a token with id "abcdef" already exists'])
    const bad = await sh('sudo kubeadm token create abc.def')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('the bootstrap token "abc.def" was not of the form')
    const del = await sh('sudo kubeadm token delete abcdef && sudo kubeadm token list | grep -c abcdef || true')
    expect(del.stdout).toBe('bootstrap token "abcdef" deleted\n0\n')
    const gone = await sh('sudo kubeadm token delete abcdef')
    expect([gone.code, gone.stderr.split('\n')[0]]).toEqual([
      1,
      'failed to delete bootstrap token with ID "abcdef": secrets "bootstrap-token-abcdef" not found',
    ])
  })

  it('puts the control-plane taint on when taints is unset', async () => {
    // The previous init had `taints: []`; this config leaves the field out.
    await writeConfig(config(cp))
    const unset = await sh('sudo kubeadm reset -f >/dev/null 2>&1; sudo kubeadm init --config /tmp/kubeadm.yaml')
    expect(unset.code, unset.stderr).toBe(0)
    expect(unset.stdout).toContain(
      `[mark-control-plane] Marking the node ${cp.hostname} as control-plane by adding the taints [node-role.kubernetes.io/control-plane:NoSchedule]`,
    )
  }, 90_000)

  it('reset needs -f without a TTY, then cleans up what kubeadm cleans', async () => {
    const prompt = await sh('sudo kubeadm reset </dev/null')
    expect(prompt.code).toBe(1)
    expect(prompt.stdout).toContain('[reset] Are you sure you want to proceed? [y/N]')
    expect(prompt.stderr).toContain("won't proceed; the user didn't answer (Y|n) in order to continue")
    expect((await sh('sudo test -f /etc/kubernetes/admin.conf')).code).toBe(0)

    const r = await sh(
      'sudo kubeadm reset -f && systemctl is-active kubelet; sudo ls -A /etc/kubernetes /etc/kubernetes/pki /etc/kubernetes/manifests /var/lib/kubelet /var/lib/etcd',
    )
    expect(r.stdout).toContain('[reset] Deleting files: [/etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf')
    expect(r.stdout).toContain(
      'The reset process does not clean CNI configuration. To do so, you must remove /etc/cni/net.d',
    )
    expect(r.stdout).toContain('inactive')
    // Stopping the kubelet stopped etcd with it.
    expect((await sh('ss -Hltn | grep -c ":2379 " || true')).stdout.trim()).toBe('0')
    expect(r.stdout).toMatch(
      /\/etc\/kubernetes:\nmanifests\npki\n\n\/etc\/kubernetes\/manifests:\n\n\/etc\/kubernetes\/pki:\n\n\/var\/lib\/etcd:\n\n\/var\/lib\/kubelet:\n$/,
    )
    // Tokens went with the cluster; token commands need admin.conf.
    const token = await sh('sudo kubeadm token list')
    expect([token.code, token.stderr.split('\n')[0]]).toEqual([
      1,
      'failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or directory',
    ])
  })
})
