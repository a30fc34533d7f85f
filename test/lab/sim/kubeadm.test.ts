/**
 * The kubeadm stand-in (with its containerd and kubelet stand-ins), over real SSH, as a shell
 * session from the kubeadm install guide would drive it. One negative test per strictness check:
 * each feeds what the real kubeadm (or the kubelet behind it) refuses and expects that failure.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, waitUntil, type Lab, type LabNode } from '../harness'
import { sshExec } from '../ssh'

let lab: Lab
let cp: LabNode // a prepared control plane
let old: LabNode // a host with leftovers of an earlier cluster
const scratch = mkdtempSync(join(tmpdir(), 'kubeadm-sim-'))
const FIXTURES = fileURLToPath(new URL('./kubeadm-fixtures/', import.meta.url))

beforeAll(async () => {
  lab = await useLab({ profiles: ['debian-sudo-nopass+sim', 'debian-sudo-nopass+old-cluster+sim'] })
  ;[cp, old] = lab.nodes as [LabNode, LabNode]
  for (const node of lab.nodes) {
    const r = await sshExec(node, 'sudo sim-pkg install containerd kubelet kubeadm && sudo systemctl enable kubelet', {
      timeoutMs: 30_000,
    })
    expect(r.code, r.stderr).toBe(0)
    // The controlPlaneEndpoint of the configs below, as a LAN's DNS would resolve it.
    const hosts = await sshExec(node, `echo "${cp.address} cp.flotilla.lab" | sudo tee -a /etc/hosts >/dev/null`)
    expect(hosts.code).toBe(0)
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

  it('warns about an unknown field and goes on, as kubeadm init does (strict only in config validate)', async () => {
    const r = await init(config(cp, { cluster: 'apiServerCertSANs: ["x"]' }))
    expect(r.stderr).toMatch(
      /^W\d{4} [\d:.]+ +\d+ flotilla-sim\] error unmarshaling configuration schema\.GroupVersionKind\{Group:"kubeadm\.k8s\.io", Version:"v1beta4", Kind:"ClusterConfiguration"\}: strict decoding error: unknown field "apiServerCertSANs"$/m,
    )
    // The configuration was used: init went on to preflight (which fails on this unprepared node).
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('error execution phase preflight')
  })

  it('rejects a v1beta3 kubeletExtraArgs map in v1beta4 (a list of name/value)', async () => {
    const r = await init(config(cp, { init: 'nodeRegistration:\n  kubeletExtraArgs:\n    node-ip: 10.83.0.11' }))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      'json: cannot unmarshal object into Go struct field InitConfiguration.nodeRegistration.kubeletExtraArgs',
    )
  })

  it("rejects old API versions; ignores an unknown kind with kubeadm's warnings unless nothing is left", async () => {
    const beta3 = await init(config(cp).replace(/v1beta4/g, 'v1beta3'))
    expect(beta3.code).toBe(1)
    expect(beta3.stderr).toContain('your configuration file uses an old API spec: "kubeadm.k8s.io/v1beta3"')
    const kind = await init(config(cp, { docs: '---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: NodeConfiguration' }))
    expect(kind.stderr).toContain(
      'unknown configuration schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta4", Kind:"NodeConfiguration"} for scheme definitions in',
    )
    expect(kind.stderr).toContain(
      '[config] WARNING: Ignored configuration document with GroupVersionKind kubeadm.k8s.io/v1beta4, Kind=NodeConfiguration',
    )
    expect(kind.stderr).toContain('error execution phase preflight') // the rest of the file was used
    const foreign = await init(config(cp, { docs: '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}' }))
    expect(foreign.stderr).toContain(
      '[config] WARNING: Ignored configuration document with GroupVersionKind v1, Kind=ConfigMap',
    )
    expect(foreign.stderr).toContain('error execution phase preflight')
    await writeConfig('apiVersion: kubeadm.k8s.io/v1beta4\nkind: NodeConfiguration')
    const none = await sh('sudo kubeadm init --config /tmp/kubeadm.yaml')
    expect([none.code, none.stderr.trim().split('\n').at(-2)]).toEqual([
      1,
      'no InitConfiguration or ClusterConfiguration kind was found in the configuration file',
    ])
  })

  it('refuses ECDSA-P384, which kubeadm 1.32 does not know (validation.go ValidateEncryptionAlgorithm)', async () => {
    const r = await init(config(cp, { cluster: 'encryptionAlgorithm: ECDSA-P384' }))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      'encryptionAlgorithm: Invalid value: "ECDSA-P384": Invalid encryption algorithm "ECDSA-P384". Must be one of [ECDSA-P256 RSA-2048 RSA-3072 RSA-4096]',
    )
  })

  it('refuses an extraArgs entry without a name (validation.go ValidateExtraArgs)', async () => {
    const r = await init(
      config(cp, {
        init: 'nodeRegistration:\n  kubeletExtraArgs:\n  - value: "5"',
        cluster:
          'controllerManager:\n  extraArgs:\n  - name: v\n    value: "2"\n  - value: "x"\netcd:\n  local:\n    extraArgs:\n    - value: "y"',
      }),
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('nodeRegistration.kubeletExtraArgs: Invalid value: "index 0": argument has no name')
    expect(r.stderr).toContain('controllerManager.extraArgs: Invalid value: "index 1": argument has no name')
    expect(r.stderr).toContain('etcd.local.extraArgs: Invalid value: "index 0": argument has no name')
    expect(r.stderr).not.toContain('error execution phase preflight')
  })

  it('refuses an invalid certSANs entry instead of dropping it (validation.go ValidateCertSANs)', async () => {
    const bad = await init(
      config(cp, {
        cluster:
          'etcd:\n  local:\n    serverCertSANs: ["Etcd.Lab"]\n    peerCertSANs: ["*.peers.lab", "fd00::5", "bad_peer"]',
      }).replace('"cp.flotilla.lab"]', '"cp.flotilla.lab", "*.cp.flotilla.lab", "bad_name"]'),
    )
    expect(bad.code).toBe(1)
    const rfc1123 =
      "altname is not a valid IP address, DNS label or a DNS label with subdomain wildcards: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'); a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain"
    expect(bad.stderr).toContain(`apiServer.certSANs: Invalid value: "bad_name": ${rfc1123}`)
    expect(bad.stderr).toContain(`etcd.local.serverCertSANs: Invalid value: "Etcd.Lab": ${rfc1123}`)
    expect(bad.stderr).toContain(`etcd.local.peerCertSANs: Invalid value: "bad_peer": ${rfc1123}`)
    // A wildcard name and an IPv6 address are valid SANs.
    expect(bad.stderr).not.toContain('"*.cp.flotilla.lab"')
    expect(bad.stderr).not.toContain('"fd00::5"')
    // --apiserver-cert-extra-sans lands in apiServer.certSANs: the same check.
    const flag = await sh(
      `sudo kubeadm init --apiserver-advertise-address ${cp.address} --apiserver-cert-extra-sans=ok.flotilla.lab,bad_name`,
    )
    expect(flag.code).toBe(1)
    expect(flag.stderr).toContain(`apiServer.certSANs: Invalid value: "bad_name": ${rfc1123}`)
  })

  it('refuses what validation.go refuses: subnet sizes, relative paths, pull policy, certificate key, ttl with expires', async () => {
    const r = await init(
      config(cp, {
        init: [
          'bootstrapTokens:',
          '- token: abcdef.0123456789abcdef',
          '  ttl: 1h',
          '  expires: "2030-01-01T00:00:00Z"',
          'certificateKey: 0123zz',
          'nodeRegistration:',
          '  imagePullPolicy: Sometimes',
        ].join('\n'),
        cluster: 'networking:\n  serviceSubnet: 10.0.0.0/8\n  podSubnet: 10.244.0.0/25\ncertificatesDir: pki',
      }),
    )
    expect(r.code).toBe(1)
    for (const line of [
      'networking.serviceSubnet: Invalid value: "10.0.0.0/8": specified service subnet is too large; for 32-bit addresses, the mask must be >= 12',
      'networking.podSubnet: Invalid value: "10.244.0.0/25": the size of pod subnet with mask 25 is smaller than the size of node subnet with mask 24',
      'certificatesDir: Invalid value: "pki": path is not absolute',
      'nodeRegistration.imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
      'certificateKey: Invalid value: "0123zz": certificate key decoding error: encoding/hex: invalid byte: U+007A \'z\'',
      'bootstrapTokens.0: Invalid value: "": the BootstrapToken .TTL and .Expires fields are mutually exclusive',
    ])
      expect(r.stderr).toContain(line)
    // A pod subnet 16 bits wider than the node mask is still fine; 17 is not.
    const wide = await init(config(cp, { cluster: 'networking:\n  podSubnet: 10.0.0.0/7' }))
    expect(wide.stderr).toContain(
      'networking.podSubnet: Invalid value: "10.0.0.0/7": pod subnet mask (7) and node-mask (24) difference is greater than 16',
    )
  })

  it('refuses a join whose discovery file is missing or whose caCertPath is relative (validation.go)', async () => {
    const r = await sh(
      "printf 'apiVersion: kubeadm.k8s.io/v1beta4\\nkind: JoinConfiguration\\ncaCertPath: pki/ca.crt\\ndiscovery:\\n  file:\\n    kubeConfigPath: /nonexistent.conf\\n' > /tmp/join.yaml && sudo kubeadm join --config /tmp/join.yaml",
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      'discovery.file.kubeConfigPath: Invalid value: "/nonexistent.conf": not a valid HTTPS URL or a file on disk',
    )
    expect(r.stderr).toContain(
      'caCertPath: Invalid value: "pki/ca.crt": the ca certificate path must be an absolute path',
    )
    const http = await sh('sudo kubeadm join --discovery-file http://cp.flotilla.lab/discovery.conf')
    expect(http.stderr).toContain(
      'discovery.file.kubeConfigPath: Invalid value: "http://cp.flotilla.lab/discovery.conf": if a URL is used, the scheme must be https',
    )
  })

  it('reads the kubernetes.io example configs (v1beta4) as kubeadm 1.32 does', async () => {
    const initExample = readFileSync(join(FIXTURES, 'docs-v1beta4-init.yaml'), 'utf8')
    const r = await init(initExample)
    // The page's typo is an unknown field: a warning, as kubeadm gives.
    expect(r.stderr).toContain('strict decoding error: unknown field "timeouts.kubenetesAPICall"')
    // Every document accepted; then kubeadm 1.32 refuses the page's kubernetesVersion.
    expect([r.code, r.stderr.trim().split('\n').at(-2)]).toEqual([
      1,
      'this version of kubeadm only supports deploying clusters with the control plane version >= 1.31.0. Current version: v1.21.0',
    ])
    // With a version 1.32 deploys, the only objection left is the simulator's own: the page's
    // advertise address is not on this node (kubeadm would time out waiting for its API server).
    const current = await init(initExample.replace('kubernetesVersion: "v1.21.0"', 'kubernetesVersion: "v1.32.4"'))
    expect(current.code).toBe(1)
    expect(current.stderr.trim().split('\n').at(-2)).toMatch(
      /^localAPIEndpoint\.advertiseAddress: Invalid value: "10\.100\.0\.1": flotilla-sim: not an address of this node/,
    )
    // The join example: read, validated, on to preflight (this node is not prepared).
    const joinExample = readFileSync(join(FIXTURES, 'docs-v1beta4-join.yaml'), 'utf8')
    const j = await sh(`cat > /tmp/join.yaml <<'EOF'\n${joinExample}\nEOF\nsudo kubeadm join --config /tmp/join.yaml`)
    expect(j.code).toBe(1)
    expect(j.stderr).toContain('error execution phase preflight: [preflight] Some fatal errors occurred:')
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

  it('refuses to mix --config with flags, except those kubeadm allows (validation.go isAllowedFlag)', async () => {
    await writeConfig(config(cp))
    const r = await sh('sudo kubeadm init --config /tmp/kubeadm.yaml --pod-network-cidr 10.244.0.0/16')
    expect([r.code, r.stderr.split('\n')[0]]).toEqual([1, "can not mix '--config' with arguments [pod-network-cidr]"])
    // --node-name is allowed next to --config (and overrides the config's name): init goes on.
    const named = await sh('sudo kubeadm init --config /tmp/kubeadm.yaml --node-name renamed-cp --skip-token-print')
    expect(named.stderr).not.toContain('can not mix')
    expect(named.stderr).toContain('error execution phase preflight')
    const join = await sh(
      "printf 'apiVersion: kubeadm.k8s.io/v1beta4\\nkind: JoinConfiguration\\ndiscovery:\\n  file:\\n    kubeConfigPath: /nonexistent\\n' > /tmp/join.yaml && sudo kubeadm join --config /tmp/join.yaml --node-name renamed-w --token abcdef.0123456789abcdef",
    )
    expect([join.code, join.stderr.split('\n')[0]]).toEqual([1, "can not mix '--config' with arguments [token]"])
  })

  it('has a kubelet that refuses to give its node a node-role label (--node-labels)', async () => {
    // kubeletExtraArgs node-labels=node-role.kubernetes.io/worker= is a common mistake: the kubelet exits.
    const r = await sh(
      'kubelet --node-labels=node-role.kubernetes.io/worker=,node.kubernetes.io/pool=a 2>&1; echo "rc=$?"',
    )
    expect(r.stdout).toContain(
      "failed to validate kubelet flags: unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [node-role.kubernetes.io/worker]",
    )
    expect(r.stdout).toContain('rc=1')
  })

  it('cannot guess the advertise address on a LAN without a default route', async () => {
    await writeConfig(config(cp).replace(/localAPIEndpoint:\n.*\n/, ''))
    const r = await sh('sudo kubeadm init --config /tmp/kubeadm.yaml')
    expect([r.code, r.stderr.split('\n')[0]]).toEqual([1, 'unable to select an IP from default routes.'])
  })
})

describe('kubeadm stand-in: preflight', () => {
  it('fails on forwarding off with kubeadm error names; br_netfilter missing is no check (gone since 1.30)', async () => {
    const r = await init(config(cp))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('error execution phase preflight: [preflight] Some fatal errors occurred:')
    expect(r.stderr).toContain(
      '[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1',
    )
    // br_netfilter is not loaded on this node: kubeadm 1.32 does not look (preflight/checks_linux.go).
    expect((await sh('lsmod | grep -c br_netfilter || true')).stdout.trim()).toBe('0')
    expect(r.stderr).not.toContain('bridge-nf-call-iptables')
    // --ignore-preflight-errors turns exactly the named check into a warning (the runtime, stopped
    // here, stays an error, so init still stops in preflight).
    const ignored = await sh(
      'sudo systemctl stop containerd; sudo kubeadm init --config /tmp/kubeadm.yaml --ignore-preflight-errors=FileContent--proc-sys-net-ipv4-ip_forward; echo "rc=$?"; sudo systemctl start containerd',
    )
    expect(ignored.stdout).toContain('rc=1')
    expect(ignored.stderr).toContain('[WARNING FileContent--proc-sys-net-ipv4-ip_forward]')
    expect(ignored.stderr).toContain('[ERROR CRI]')
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
        'for c in admin super-admin; do sudo grep client-certificate-data /etc/kubernetes/$c.conf | sed "s/.*: //" | base64 -d | openssl x509 -noout -subject; done',
        // kubelet.conf points at the kubelet's rotatable certificate after kubelet-finalize.
        'sudo grep -q "client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem" /etc/kubernetes/kubelet.conf',
        'sudo openssl x509 -noout -subject -in /var/lib/kubelet/pki/kubelet-client-current.pem',
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
    // TTL as kubeadm prints it: duration.ShortHumanDuration, truncated (2h less a moment is 1h).
    expect(create.stdout).toMatch(
      /abcdef\.0123456789abcdef\s+1h\s+\S+Z\s+signing,authentication\s+sim\s+system:bootstrappers:kubeadm:default-node-token/,
    )
    const short = await sh('sudo kubeadm token create ttl9m0.0000000000000000 --ttl 9m30s && sudo kubeadm token list')
    expect(short.stdout).toMatch(/^ttl9m0\.0000000000000000\s+9m\s+\S+Z\s/m)
    // --print-join-command: one line, as kubeadm prints it (cmd/token.go).
    const hash = '--discovery-token-ca-cert-hash sha256:[0-9a-f]{64}'
    const worker = await sh('sudo kubeadm token create --print-join-command')
    expect(worker.stdout).toMatch(
      new RegExp(`^kubeadm join cp\\.flotilla\\.lab:6443 --token [a-z0-9]{6}\\.[a-z0-9]{16} ${hash} \\n$`),
    )
    const key = 'a'.repeat(64)
    const controlPlane = await sh(`sudo kubeadm token create --print-join-command --certificate-key ${key}`)
    expect(controlPlane.stdout).toMatch(
      new RegExp(
        `^kubeadm join cp\\.flotilla\\.lab:6443 --token [a-z0-9]{6}\\.[a-z0-9]{16} ${hash} --control-plane --certificate-key ${key}\\n$`,
      ),
    )
    const keyOnly = await sh(`sudo kubeadm token create --certificate-key ${key}`)
    expect([keyOnly.code, keyOnly.stderr.split('\n')[0]]).toEqual([
      1,
      'cannot use --certificate-key without --print-join-command',
    ])
    const dup = await sh('sudo kubeadm token create abcdef.1111111111111111')
    expect([dup.code, dup.stderr.split('\n')[0]]).toEqual([1, 'a token with id "abcdef" already exists'])
    const bad = await sh('sudo kubeadm token create abc.def')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('the bootstrap token "abc.def" was not of the form')
    const del = await sh('sudo kubeadm token delete abcdef && sudo kubeadm token list | grep -c "^abcdef" || true')
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

  // kubectl on the desk with a kubeconfig fetched from the control plane; the endpoint's name only
  // resolves on the nodes, so the desk talks to the control plane's address (a SAN of apiserver.crt).
  async function kubectl(conf: string, args: string[], input?: string) {
    const file = join(scratch, conf.replace(/\//g, '_'))
    writeFileSync(file, (await sh(`sudo cat ${conf}`)).stdout)
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        'kubectl',
        ['--kubeconfig', file, '--server', `https://${cp.address}:6443`, '--request-timeout=10s', ...args],
        { timeout: 30_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      )
      if (input !== undefined) child.stdin?.end(input)
    })
  }
  const admin = (...args: string[]) => kubectl('/etc/kubernetes/admin.conf', args)
  const superAdmin = (...args: string[]) => kubectl('/etc/kubernetes/super-admin.conf', args)
  const caHash = async () =>
    `sha256:${(
      await sh(
        'sudo openssl x509 -in /etc/kubernetes/pki/ca.crt -pubkey -noout | openssl pkey -pubin -outform der | sha256sum | cut -d" " -f1',
      )
    ).stdout.trim()}`
  const SHARED = 'ca.crt ca.key sa.key sa.pub front-proxy-ca.crt front-proxy-ca.key etcd/ca.crt etcd/ca.key'
  const etcdctl =
    'sudo ETCDCTL_API=3 etcdctl --dial-timeout=2s --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt ' +
    '--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key'

  it('stores its configuration, RBAC and bootstrap tokens in the API, as kubeadm init does', async () => {
    const cms = await admin('-n', 'kube-system', 'get', 'configmap', 'kubeadm-config', 'kubelet-config', '-o', 'name')
    expect(cms.stdout).toBe('configmap/kubeadm-config\nconfigmap/kubelet-config\n')
    const cluster = await admin(
      '-n',
      'kube-system',
      'get',
      'cm',
      'kubeadm-config',
      '-o',
      'jsonpath={.data.ClusterConfiguration}',
    )
    expect(cluster.stdout).toContain('controlPlaneEndpoint: cp.flotilla.lab:6443')
    const crbs = await admin(
      'get',
      'clusterrolebinding',
      '-o',
      'custom-columns=NAME:.metadata.name,ROLE:.roleRef.name,SUBJECT:.subjects[0].name',
      '--no-headers',
    )
    for (const [name, role, subject] of [
      ['kubeadm:cluster-admins', 'cluster-admin', 'kubeadm:cluster-admins'],
      ['kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', 'system:bootstrappers:kubeadm:default-node-token'],
      [
        'kubeadm:node-autoapprove-bootstrap',
        'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
        'system:bootstrappers:kubeadm:default-node-token',
      ],
      [
        'kubeadm:node-autoapprove-certificate-rotation',
        'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
        'system:nodes',
      ],
      ['kubeadm:get-nodes', 'kubeadm:get-nodes', 'system:bootstrappers:kubeadm:default-node-token'],
    ])
      expect(crbs.stdout).toMatch(new RegExp(`^${name}\\s+${role}\\s+${subject}$`, 'm'))
    const info = await admin(
      '-n',
      'kube-public',
      'get',
      'rolebinding',
      'kubeadm:bootstrap-signer-clusterinfo',
      '-o',
      'jsonpath={.subjects[0].name}',
    )
    expect(info.stdout).toBe('system:anonymous')
    // The token of init is a Secret; `kubeadm token` reads it from there.
    const secrets = await admin(
      '-n',
      'kube-system',
      'get',
      'secrets',
      '--field-selector',
      'type=bootstrap.kubernetes.io/token',
      '-o',
      'name',
    )
    const list = await sh('sudo kubeadm token list')
    const id = /^([a-z0-9]{6})\.[a-z0-9]{16}\s/m.exec(list.stdout)?.[1]
    expect(id).toBeDefined()
    expect(secrets.stdout).toContain(`secret/bootstrap-token-${id}`)
    // mark-control-plane went through the API: labels, and the taint (taints unset in this init).
    const node = await admin('get', 'node', cp.hostname, '-o', 'jsonpath={.metadata.labels} {.spec.taints}')
    expect(node.stdout).toContain('"node-role.kubernetes.io/control-plane":""')
    expect(node.stdout).toContain('{"effect":"NoSchedule","key":"node-role.kubernetes.io/control-plane"}')
    // admin.conf works only through the kubeadm:cluster-admins binding (super-admin.conf made it).
    expect((await superAdmin('delete', 'clusterrolebinding', 'kubeadm:cluster-admins')).code).toBe(0)
    const forbidden = await admin('get', 'nodes')
    expect(forbidden.code).toBe(1)
    expect(forbidden.stderr).toContain('is forbidden: User "kubernetes-admin" cannot list resource "nodes"')
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'kubeadm:cluster-admins' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'kubeadm:cluster-admins' }],
    }
    const back = await kubectl('/etc/kubernetes/super-admin.conf', ['create', '-f', '-'], JSON.stringify(binding))
    expect(back.code, back.stderr).toBe(0)
    await waitUntil('admin.conf to work again', async () => (await admin('get', 'nodes')).code === 0, 10_000, 500)
  })

  it("gives every leaf and kubeconfig client certificate kubeadm's key usages", async () => {
    // kubeadm (pki_helpers.go): leaves digitalSignature + keyEncipherment, CA:FALSE, and the
    // extended usage of their role; CAs keyCertSign as well. openssl prints them.
    const SERVER = 'TLS Web Server Authentication'
    const CLIENT = 'TLS Web Client Authentication'
    const leaves: [string, string][] = [
      ['sudo cat /etc/kubernetes/pki/apiserver.crt', SERVER],
      ['sudo cat /etc/kubernetes/pki/apiserver-kubelet-client.crt', CLIENT],
      ['sudo cat /etc/kubernetes/pki/apiserver-etcd-client.crt', CLIENT],
      ['sudo cat /etc/kubernetes/pki/front-proxy-client.crt', CLIENT],
      ['sudo cat /etc/kubernetes/pki/etcd/server.crt', `${SERVER}, ${CLIENT}`],
      ['sudo cat /etc/kubernetes/pki/etcd/peer.crt', `${SERVER}, ${CLIENT}`],
      ['sudo cat /etc/kubernetes/pki/etcd/healthcheck-client.crt', CLIENT],
      ...['admin', 'super-admin', 'controller-manager', 'scheduler'].map(
        (c) =>
          [`sudo grep client-certificate-data /etc/kubernetes/${c}.conf | sed "s/.*: //" | base64 -d`, CLIENT] as [
            string,
            string,
          ],
      ),
    ]
    // Each entry prints a PEM; openssl reads it from stdin.
    const ext = (pem: string) => sh(`${pem} | openssl x509 -noout -ext basicConstraints,keyUsage,extendedKeyUsage`)
    for (const [file, eku] of leaves) {
      const r = await ext(file)
      expect(r.code, `${file}: ${r.stderr}`).toBe(0)
      expect(r.stdout, file).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE/)
      expect(r.stdout, file).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/)
      expect(r.stdout, file).toMatch(new RegExp(`X509v3 Extended Key Usage: \\n\\s+${eku}\\n`))
    }
    for (const ca of ['ca', 'front-proxy-ca', 'etcd/ca']) {
      const r = await ext(`sudo cat /etc/kubernetes/pki/${ca}.crt`)
      expect(r.stdout, ca).toMatch(/CA:TRUE/)
      expect(r.stdout, ca).toContain('Certificate Sign')
    }
    // The kubelet's own client certificate came from the CSR signer: client auth, CA:FALSE.
    const kubelet = await ext('sudo cat /var/lib/kubelet/pki/kubelet-client-current.pem')
    expect(kubelet.stdout).toMatch(new RegExp(`X509v3 Extended Key Usage: \\n\\s+${CLIENT}\\n`))
  })

  it('checks expiration and renews a certificate with the same subject, SANs and usages', async () => {
    const check = await sh('sudo kubeadm certs check-expiration')
    expect(check.code, check.stderr).toBe(0)
    expect(check.stdout).toMatch(
      /^CERTIFICATE\s+EXPIRES\s+RESIDUAL TIME\s+CERTIFICATE AUTHORITY\s+EXTERNALLY MANAGED$/m,
    )
    expect(check.stdout).toMatch(/^apiserver\s+\w{3} \d\d, \d{4} \d\d:\d\d UTC\s+36[45]d\s+ca\s+no$/m)
    expect(check.stdout).toMatch(/^etcd-peer\s+.*\s+etcd-ca\s+no$/m)
    expect(check.stdout).toMatch(/^front-proxy-ca\s+\w{3} \d\d, \d{4} \d\d:\d\d UTC\s+9y\s+no$/m)
    const x =
      'sudo openssl x509 -noout -serial -ext subjectAltName,extendedKeyUsage -in /etc/kubernetes/pki/apiserver.crt'
    const before = await sh(x)
    const renew = await sh('sudo kubeadm certs renew apiserver')
    expect(renew.code, renew.stderr).toBe(0)
    expect(renew.stdout).toContain('certificate for serving the Kubernetes API renewed')
    expect(renew.stdout).toContain('Done renewing certificates. You must restart the kube-apiserver')
    const after = await sh(x)
    expect(after.stdout.split('\n')[0]).not.toBe(before.stdout.split('\n')[0])
    expect(after.stdout.split('\n').slice(1)).toEqual(before.stdout.split('\n').slice(1))
    expect(
      (await sh('sudo openssl verify -CAfile /etc/kubernetes/pki/ca.crt /etc/kubernetes/pki/apiserver.crt')).stdout,
    ).toContain(': OK')
    const bad = await sh('sudo kubeadm certs renew apiserver-foo')
    expect([bad.code, bad.stderr.split('\n')[0]]).toEqual([
      1,
      'unknown command "apiserver-foo" for "kubeadm certs renew"',
    ])
  })

  it('refuses discovery with a wrong CA hash, an unknown or expired token, or no pinning at all', async () => {
    expect((await sh(`sudo kubeadm reset -f >/dev/null 2>&1; ${PREPARE}`, old)).code).toBe(0)
    const hash = await caHash()
    const token = (await sh('sudo kubeadm token create --ttl 1h')).stdout.trim()
    const join = (args: string) => sh(`sudo kubeadm join cp.flotilla.lab:6443 ${args}`, old)
    const unpinned = await join(`--token ${token}`)
    expect(unpinned.code).toBe(1)
    expect(unpinned.stderr).toContain(
      'discovery.bootstrapToken.caCertHashes: Invalid value: []string(nil): using token-based discovery without caCertHashes can be unsafe.',
    )
    const wrong = await join(`--token ${token} --discovery-token-ca-cert-hash sha256:${'0'.repeat(64)}`)
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain(
      `error execution phase preflight: couldn't validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${hash}" are pinned`,
    )
    const unknown = await join(`--token zzzzzz.zzzzzzzzzzzzzzzz --discovery-token-ca-cert-hash ${hash}`)
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain(
      'could not find a JWS signature in the cluster-info ConfigMap for token ID "zzzzzz"',
    )
    // Short-lived, but long enough for the bootstrap signer to sign it first: a signature seen,
    // then gone, is a pass that began after the expiry (the signer's passes run one after another),
    // so it cannot come back. A failed kubectl prints nothing, which counts as neither.
    const expiring = (await sh('sudo kubeadm token create --ttl 8s')).stdout.trim()
    const signed = async () => {
      const r = await admin('-n', 'kube-public', 'get', 'configmap', 'cluster-info', '-o', 'jsonpath={.data}')
      if (r.code !== 0 || !r.stdout.includes('kubeconfig')) return undefined
      return r.stdout.includes(`jws-kubeconfig-${expiring.slice(0, 6)}`) ? 'signed' : 'unsigned'
    }
    await waitUntil('the new token signed in cluster-info', async () => (await signed()) === 'signed', 20_000, 250)
    await waitUntil('the expired token unsigned again', async () => (await signed()) === 'unsigned', 30_000, 250)
    const expired = await join(`--token ${expiring} --discovery-token-ca-cert-hash ${hash}`)
    expect(expired.code).toBe(1)
    expect(expired.stderr).toContain(
      `could not find a JWS signature in the cluster-info ConfigMap for token ID "${expiring.slice(0, 6)}"`,
    )
    // A JoinConfiguration is read as strictly as init's.
    const strict = await sh(
      `printf 'apiVersion: kubeadm.k8s.io/v1beta4\\nkind: JoinConfiguration\\ndiscovery:\\n  bootstrapToken:\\n    tokn: x\\n' > /tmp/join.yaml && sudo kubeadm join --config /tmp/join.yaml`,
      old,
    )
    expect(strict.code).toBe(1)
    expect(strict.stderr).toContain('strict decoding error: unknown field "discovery.bootstrapToken.tokn"')
    // File discovery with a CA that did not sign the API server's certificate.
    const foreign = await sh(
      [
        'cd /tmp && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=elsewhere -keyout e.key -out e.crt 2>/dev/null',
        `printf 'apiVersion: v1\\nkind: Config\\nclusters:\\n- name: c\\n  cluster:\\n    server: https://cp.flotilla.lab:6443\\n    certificate-authority-data: %s\\n' "$(base64 -w0 e.crt)" > foreign-discovery.conf`,
        `sudo kubeadm join --discovery-file /tmp/foreign-discovery.conf --tls-bootstrap-token ${token}`,
      ].join(' && '),
      old,
    )
    expect(foreign.code).toBe(1)
    expect(foreign.stderr).toContain(
      "error execution phase preflight: couldn't validate the identity of the API Server: tls: failed to verify certificate: x509: certificate signed by unknown authority",
    )
    const mixed = await sh(
      `printf 'apiVersion: kubeadm.k8s.io/v1beta4\\nkind: JoinConfiguration\\n' > /tmp/join.yaml && sudo kubeadm join --config /tmp/join.yaml --certificate-key ${'a'.repeat(64)}`,
      old,
    )
    expect([mixed.code, mixed.stderr.split('\n')[0]]).toEqual([
      1,
      "can not mix '--config' with arguments [certificate-key]",
    ])
    // Nothing was left behind by the refused joins.
    expect(
      (
        await sh('sudo ls -A /etc/kubernetes/manifests /var/lib/kubelet 2>/dev/null | grep -c yaml || true', old)
      ).stdout.trim(),
    ).toBe('0')
  }, 90_000)

  it('refuses a control-plane join without every shared CA file or without a stable controlPlaneEndpoint', async () => {
    const hash = await caHash()
    const token = (await sh('sudo kubeadm token create --ttl 1h')).stdout.trim()
    const tar = await sh(`cd /etc/kubernetes/pki && sudo tar cf - ${SHARED} | base64 -w0`)
    const join = `sudo kubeadm join cp.flotilla.lab:6443 --token ${token} --discovery-token-ca-cert-hash ${hash} --control-plane --apiserver-advertise-address ${old.address}`
    const missing = await sh(
      `sudo mkdir -p /etc/kubernetes/pki && echo ${tar.stdout.trim()} | base64 -d | sudo tar -C /etc/kubernetes/pki -xf - && sudo rm /etc/kubernetes/pki/etcd/ca.key && ${join}`,
      old,
    )
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain(
      'One or more conditions for hosting a new control plane instance is not satisfied.',
    )
    expect(missing.stderr).toContain(
      "[failure loading key for etcd CA: couldn't load the private key file /etc/kubernetes/pki/etcd/ca.key: open /etc/kubernetes/pki/etcd/ca.key: no such file or directory]",
    )
    // A cluster without controlPlaneEndpoint (edited in kubeadm-config) cannot take another control plane.
    const cm = await admin('-n', 'kube-system', 'get', 'cm', 'kubeadm-config', '-o', 'json')
    const edited = JSON.parse(cm.stdout)
    const original = edited.data.ClusterConfiguration as string
    edited.data.ClusterConfiguration = original.replace(/^controlPlaneEndpoint: .*\n/m, '')
    expect((await kubectl('/etc/kubernetes/admin.conf', ['replace', '-f', '-'], JSON.stringify(edited))).code).toBe(0)
    const unstable = await sh(
      `echo ${tar.stdout.trim()} | base64 -d | sudo tar -C /etc/kubernetes/pki -xf - && ${join}`,
      old,
    )
    const current = JSON.parse((await admin('-n', 'kube-system', 'get', 'cm', 'kubeadm-config', '-o', 'json')).stdout)
    current.data.ClusterConfiguration = original
    expect((await kubectl('/etc/kubernetes/admin.conf', ['replace', '-f', '-'], JSON.stringify(current))).code).toBe(0)
    expect(unstable.code).toBe(1)
    expect(unstable.stderr).toContain(
      "[unable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address]",
    )
    expect((await sh('sudo rm -rf /etc/kubernetes/pki', old)).code).toBe(0)
  }, 60_000)

  it('joins a worker: TLS bootstrap through an approved CSR, NotReady until a CNI config exists', async () => {
    const hash = await caHash()
    const token = (await sh('sudo kubeadm token create --ttl 1h')).stdout.trim()
    // The old cluster's CNI config is still there (kubeadm reset leaves /etc/cni/net.d): remove it.
    const r = await sh(
      `sudo rm -rf /etc/cni/net.d && sudo kubeadm join cp.flotilla.lab:6443 --token ${token} --discovery-token-ca-cert-hash ${hash}`,
      old,
    )
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
    expect(r.stdout).toContain('[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap')
    expect(r.stdout).toContain('This node has joined the cluster:')
    const files = await sh(
      'sudo grep "client-certificate:" /etc/kubernetes/kubelet.conf; sudo openssl x509 -noout -subject -in /var/lib/kubelet/pki/kubelet-client-current.pem; sudo test -e /etc/kubernetes/bootstrap-kubelet.conf || echo no-bootstrap-conf',
      old,
    )
    expect(files.stdout).toContain('client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem')
    expect(files.stdout).toContain(`subject=O = system:nodes, CN = system:node:${old.hostname}`)
    expect(files.stdout).toContain('no-bootstrap-conf')
    const csr = await admin(
      'get',
      'csr',
      '-o',
      'jsonpath={range .items[*]}{.spec.username} {.spec.signerName} {.status.conditions[0].type}{"\\n"}{end}',
    )
    expect(csr.stdout).toMatch(/system:bootstrap:[a-z0-9]{6} kubernetes\.io\/kube-apiserver-client-kubelet Approved/)
    const ready = (n: string) =>
      admin(
        'get',
        'node',
        n,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].message}',
      )
    const before = await waitUntil(
      'the worker to register',
      async () => ((await ready(old.hostname)).code === 0 ? ready(old.hostname) : false),
      20_000,
      500,
    )
    expect(before.stdout).toBe(
      'False container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
    )
    expect(
      (
        await sh(
          `sudo mkdir -p /etc/cni/net.d && echo '{"cniVersion":"0.3.1","name":"sim","plugins":[{"type":"bridge"}]}' | sudo tee /etc/cni/net.d/10-sim.conflist >/dev/null`,
          old,
        )
      ).code,
    ).toBe(0)
    await waitUntil(
      'the worker to turn Ready',
      async () => (await ready(old.hostname)).stdout.startsWith('True '),
      20_000,
      500,
    )
    // Joining again over a Ready node of that name is refused by kubeadm's preflight.
    // This time with file discovery: cluster-info's kubeconfig as the discovery file.
    const info = await admin('-n', 'kube-public', 'get', 'cm', 'cluster-info', '-o', 'jsonpath={.data.kubeconfig}')
    const again = await sh(
      `sudo kubeadm reset -f >/dev/null 2>&1; printf %s ${Buffer.from(info.stdout).toString('base64')} | base64 -d > /tmp/discovery.conf && sudo kubeadm join --discovery-file /tmp/discovery.conf --tls-bootstrap-token ${token}`,
      old,
    )
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(
      `a Node with name "${old.hostname}" and status "Ready" already exists in the cluster`,
    )
    expect((await admin('delete', 'node', old.hostname)).code).toBe(0)
    expect((await sh('sudo kubeadm reset -f >/dev/null 2>&1; sudo rm -rf /etc/cni/net.d', old)).code).toBe(0)
  }, 90_000)

  it('uploads the certificates and joins a control plane with --certificate-key; reset removes its etcd member', async () => {
    const upload = await sh('sudo kubeadm init phase upload-certs --upload-certs')
    expect(upload.code, upload.stderr).toBe(0)
    expect(upload.stdout).toContain(
      '[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace',
    )
    const key = /\[upload-certs\] Using certificate key:\n([0-9a-f]{64})\n/.exec(upload.stdout)?.[1]
    expect(key).toBeDefined()
    const hash = await caHash()
    const token = (await sh('sudo kubeadm token create --ttl 1h')).stdout.trim()
    const join = (k: string) =>
      sh(
        `sudo kubeadm join cp.flotilla.lab:6443 --token ${token} --discovery-token-ca-cert-hash ${hash} --control-plane --certificate-key ${k} --apiserver-advertise-address ${old.address}`,
        old,
      )
    const wrong = await join('0'.repeat(64))
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain(
      'error decoding secret data with provided key: cipher: message authentication failed',
    )
    expect((await sh('sudo kubeadm reset -f >/dev/null 2>&1', old)).code).toBe(0)
    const r = await join(key!)
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
    expect(r.stdout).toContain(
      '[download-certs] Downloading the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace',
    )
    expect(r.stdout).toContain('[etcd] Announced new etcd member joining to the existing etcd cluster')
    // The downloaded CA is the cluster's; the new etcd runs with the full initial cluster.
    const same = await sh(
      'sudo sha256sum /etc/kubernetes/pki/ca.key /etc/kubernetes/pki/etcd/ca.crt | cut -d" " -f1',
      old,
    )
    expect(same.stdout).toBe(
      (await sh('sudo sha256sum /etc/kubernetes/pki/ca.key /etc/kubernetes/pki/etcd/ca.crt | cut -d" " -f1')).stdout,
    )
    const manifest = await sh('sudo grep -e --initial-cluster /etc/kubernetes/manifests/etcd.yaml', old)
    expect(manifest.stdout).toContain('--initial-cluster-state=existing')
    expect(manifest.stdout).toContain(`${cp.hostname}=https://${cp.address}:2380`)
    expect(manifest.stdout).toContain(`${old.hostname}=https://${old.address}:2380`)
    const members = await sh(`${etcdctl} member list`)
    expect(members.stdout.trim().split('\n')).toHaveLength(2)
    // reset removes the member through the cluster before wiping the data directory.
    const reset = await sh('sudo kubeadm reset -f', old)
    expect(reset.code, reset.stderr).toBe(0)
    expect(reset.stdout).toContain(`[etcd] removing etcd member: https://${old.address}:2380`)
    const left = await sh(`${etcdctl} member list`)
    expect(left.stdout.trim().split('\n')).toHaveLength(1)
    expect(left.stdout).not.toContain(old.hostname)
    // etcdctl 3.4 prints endpoint health on stderr.
    expect((await sh(`${etcdctl} endpoint health 2>&1`)).stdout).toContain('is healthy')
    expect((await admin('delete', 'node', old.hostname)).code).toBe(0)
  }, 150_000)

  it('node agent: a kubeconfig whose client certificate comes from another CA registers nothing', async () => {
    // What a kubelet with a foreign kubelet.conf would do: the API server refuses the certificate.
    const script = [
      'set -e',
      'cd /tmp',
      'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj /CN=foreign-ca -addext basicConstraints=critical,CA:TRUE -keyout fca.key -out fca.crt 2>/dev/null',
      'openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/O=system:nodes/CN=system:node:intruder" -keyout in.key -out in.csr 2>/dev/null',
      'openssl x509 -req -in in.csr -CA fca.crt -CAkey fca.key -days 30 -out in.crt 2>/dev/null',
      `CA=${(await sh('sudo base64 -w0 /etc/kubernetes/pki/ca.crt')).stdout.trim()}`,
      'printf "apiVersion: v1\\nkind: Config\\nclusters:\\n- name: c\\n  cluster:\\n    server: https://cp.flotilla.lab:6443\\n    certificate-authority-data: %s\\nusers:\\n- name: u\\n  user:\\n    client-certificate: /tmp/in.crt\\n    client-key: /tmp/in.key\\ncontexts:\\n- name: x\\n  context: {cluster: c, user: u}\\ncurrent-context: x\\n" "$CA" > foreign.conf',
      // A foreign CA for the server too: the API server's certificate cannot be verified.
      'FCA=$(base64 -w0 fca.crt); sed "s|certificate-authority-data: .*|certificate-authority-data: $FCA|" foreign.conf > foreign-ca.conf',
      `cat > agent.mjs <<'EOF'
import { startNodeAgent } from '/usr/lib/flotilla-sim/node-agent.mjs'
const agent = await startNodeAgent({ kubeconfig: process.argv[2], certDir: '/tmp/agent-pki', nodeName: 'intruder', address: '10.0.0.1', heartbeatMs: 1000 })
setTimeout(() => { agent.stop(); process.exit(0) }, 3000)
EOF`,
      'sudo node agent.mjs /tmp/foreign.conf 2>&1; sudo node agent.mjs /tmp/foreign-ca.conf 2>&1',
    ].join('\n')
    const r = await sh(`printf %s ${Buffer.from(script).toString('base64')} | base64 -d | bash`, old)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('"Unable to register node with API server" err="Unauthorized" node="intruder"')
    expect(r.stdout).toContain(
      '"Unable to register node with API server" err="tls: failed to verify certificate: x509: certificate signed by unknown authority" node="intruder"',
    )
    const node = await admin('get', 'node', 'intruder')
    expect(node.code).toBe(1)
    expect(node.stderr).toContain('nodes "intruder" not found')
  }, 30_000)

  it('uses an external etcd: no etcd static pod, the API server on the given endpoints', async () => {
    // An etcd outside the cluster, with a CA of its own (as an external etcd has), on the other node.
    const setup = [
      'set -e',
      'sudo kubeadm reset -f >/dev/null 2>&1 || true',
      'sudo rm -rf /tmp/ext && mkdir -p /tmp/ext && cd /tmp/ext',
      'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj /CN=ext-etcd-ca -addext basicConstraints=critical,CA:TRUE -keyout ca.key -out ca.crt 2>/dev/null',
      `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=ext-etcd -keyout server.key -out server.csr 2>/dev/null`,
      `printf 'subjectAltName=IP:${old.address},IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > server.ext`,
      'openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -days 30 -extfile server.ext -out server.crt 2>/dev/null',
      'openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=apiserver -keyout client.key -out client.csr 2>/dev/null',
      "printf 'extendedKeyUsage=clientAuth\\n' > client.ext",
      'openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -days 30 -extfile client.ext -out client.crt 2>/dev/null',
      'sudo chmod 644 /tmp/ext/*',
      `setsid nohup /usr/bin/etcd --name ext --data-dir /tmp/ext/data --listen-client-urls https://${old.address}:2379 --advertise-client-urls https://${old.address}:2379 --listen-peer-urls http://127.0.0.1:2390 --initial-advertise-peer-urls http://127.0.0.1:2390 --initial-cluster ext=http://127.0.0.1:2390 --cert-file server.crt --key-file server.key --trusted-ca-file ca.crt --client-cert-auth >/tmp/ext/etcd.log 2>&1 < /dev/null & echo $! > /tmp/ext/pid`,
    ].join('\n')
    expect((await sh(`printf %s ${Buffer.from(setup).toString('base64')} | base64 -d | bash`, old)).code).toBe(0)
    const cfg = (external: string) => `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${old.address}
nodeRegistration:
  taints: []
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
etcd:
  external:
${external}`
    const good = `    endpoints: ["https://${old.address}:2379"]\n    caFile: /tmp/ext/ca.crt\n    certFile: /tmp/ext/client.crt\n    keyFile: /tmp/ext/client.key`
    // Validation first: a certFile without its keyFile, and a file that is not there.
    await writeConfig(
      cfg(
        `    endpoints: ["https://${old.address}:2379"]\n    caFile: /tmp/ext/nope.crt\n    certFile: /tmp/ext/client.crt`,
      ),
      old,
    )
    const bad = await sh('sudo kubeadm init --config /tmp/kubeadm.yaml', old)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain(
      'etcd.external: Invalid value: "": either both or none of .Etcd.External.CertFile and .Etcd.External.KeyFile must be set',
    )
    // kubeadm finds a missing file only in preflight; the simulator says so at once.
    expect(bad.stderr).toContain(
      'etcd.external.caFile: Invalid value: "/tmp/ext/nope.crt": flotilla-sim: the file does not exist',
    )
    await writeConfig(cfg(good), old)
    const r = await sh('sudo kubeadm init --config /tmp/kubeadm.yaml', old)
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
    expect(r.stdout).toContain('[certs] External etcd mode: Skipping etcd-ca certificate generation')
    expect(r.stdout).not.toContain('[etcd] Creating static Pod manifest')
    const files = await sh(
      'sudo ls /etc/kubernetes/manifests; sudo grep -e "--etcd-" /etc/kubernetes/manifests/kube-apiserver.yaml; sudo ls /etc/kubernetes/pki/etcd 2>&1 | head -1',
      old,
    )
    expect(files.stdout).not.toContain('etcd.yaml')
    expect(files.stdout).toContain(`- --etcd-servers=https://${old.address}:2379`)
    expect(files.stdout).toContain('- --etcd-cafile=/tmp/ext/ca.crt')
    expect(files.stdout).toContain('- --etcd-certfile=/tmp/ext/client.crt')
    // The cluster's objects are in the external etcd.
    const keys = await sh(
      `ETCDCTL_API=3 etcdctl --endpoints=https://${old.address}:2379 --cacert=/tmp/ext/ca.crt --cert=/tmp/ext/client.crt --key=/tmp/ext/client.key get /registry/configmaps/kube-system/kubeadm-config --keys-only`,
      old,
    )
    expect(keys.stdout).toContain('/registry/configmaps/kube-system/kubeadm-config')
    const reset = await sh('sudo kubeadm reset -f; kill "$(cat /tmp/ext/pid)"', old)
    expect(reset.stdout).toContain('[reset] No etcd config found. Assuming external etcd')
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
