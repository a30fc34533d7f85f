// FLOTILLA SIMULATOR STAND-IN for kubeadm -- not the real tool: static pod manifests (kubeadm
// 1.32's flags for etcd, kube-apiserver, kube-controller-manager, kube-scheduler) and the
// kubelet-start phase.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import {
  ETC,
  fatal,
  firstIP,
  HEALTHZ_PROBE,
  KUBELET_WAIT_MS,
  out,
  parseCIDR,
  PAUSE_IMAGE,
  sleep,
  systemctl,
  warn,
  yamlOf,
} from './kubeadm-util.mjs'

// extraArgs (v1beta4: a list of {name, value}) override kubeadm's flags of the same name.
function withExtra(args, extra = []) {
  const result = [...args]
  for (const { name, value } of extra) {
    const at = result.findIndex((a) => a.startsWith(`--${name}=`))
    if (at >= 0) result[at] = `--${name}=${value}`
    else result.push(`--${name}=${value}`)
  }
  return result.sort()
}

/** kubeadm's etcd flags (phases/etcd/local.go), minus the etcd-3.5-only experimental ones. */
export function etcdArgs(cfg, { initialCluster, existing = false } = {}) {
  const d = cfg.certificatesDir
  const a = cfg.advertiseAddress
  return withExtra(
    [
      `--advertise-client-urls=https://${a}:2379`,
      `--cert-file=${d}/etcd/server.crt`,
      '--client-cert-auth=true',
      `--data-dir=${cfg.etcdLocal.dataDir ?? '/var/lib/etcd'}`,
      `--initial-advertise-peer-urls=https://${a}:2380`,
      `--initial-cluster=${initialCluster ?? `${cfg.nodeName}=https://${a}:2380`}`,
      ...(existing ? ['--initial-cluster-state=existing'] : []),
      `--key-file=${d}/etcd/server.key`,
      `--listen-client-urls=https://127.0.0.1:2379,https://${a}:2379`,
      '--listen-metrics-urls=http://127.0.0.1:2381',
      `--listen-peer-urls=https://${a}:2380`,
      `--name=${cfg.nodeName}`,
      `--peer-cert-file=${d}/etcd/peer.crt`,
      '--peer-client-cert-auth=true',
      `--peer-key-file=${d}/etcd/peer.key`,
      `--peer-trusted-ca-file=${d}/etcd/ca.crt`,
      '--snapshot-count=10000',
      `--trusted-ca-file=${d}/etcd/ca.crt`,
    ],
    cfg.etcdLocal.extraArgs,
  )
}

function controlPlaneArgs(cfg) {
  const d = cfg.certificatesDir
  const ext = cfg.etcdExternal
  const apiserver = withExtra(
    [
      `--advertise-address=${cfg.advertiseAddress}`,
      '--allow-privileged=true',
      '--authorization-mode=Node,RBAC',
      `--client-ca-file=${d}/ca.crt`,
      '--enable-admission-plugins=NodeRestriction',
      '--enable-bootstrap-token-auth=true',
      ...(ext
        ? [
            ...(ext.caFile ? [`--etcd-cafile=${ext.caFile}`] : []),
            ...(ext.certFile ? [`--etcd-certfile=${ext.certFile}`] : []),
            ...(ext.keyFile ? [`--etcd-keyfile=${ext.keyFile}`] : []),
            `--etcd-servers=${ext.endpoints.join(',')}`,
          ]
        : [
            `--etcd-cafile=${d}/etcd/ca.crt`,
            `--etcd-certfile=${d}/apiserver-etcd-client.crt`,
            `--etcd-keyfile=${d}/apiserver-etcd-client.key`,
            '--etcd-servers=https://127.0.0.1:2379',
          ]),
      `--kubelet-client-certificate=${d}/apiserver-kubelet-client.crt`,
      `--kubelet-client-key=${d}/apiserver-kubelet-client.key`,
      '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
      `--proxy-client-cert-file=${d}/front-proxy-client.crt`,
      `--proxy-client-key-file=${d}/front-proxy-client.key`,
      '--requestheader-allowed-names=front-proxy-client',
      `--requestheader-client-ca-file=${d}/front-proxy-ca.crt`,
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-username-headers=X-Remote-User',
      `--secure-port=${cfg.bindPort}`,
      `--service-account-issuer=https://kubernetes.default.svc.${cfg.dnsDomain}`,
      `--service-account-key-file=${d}/sa.pub`,
      `--service-account-signing-key-file=${d}/sa.key`,
      `--service-cluster-ip-range=${cfg.serviceSubnet}`,
      `--tls-cert-file=${d}/apiserver.crt`,
      `--tls-private-key-file=${d}/apiserver.key`,
    ],
    cfg.apiServerExtraArgs,
  )
  const cm = `${ETC}/controller-manager.conf`
  const controllerManager = withExtra(
    [
      ...(cfg.podSubnet ? ['--allocate-node-cidrs=true'] : []),
      `--authentication-kubeconfig=${cm}`,
      `--authorization-kubeconfig=${cm}`,
      '--bind-address=127.0.0.1',
      `--client-ca-file=${d}/ca.crt`,
      ...(cfg.podSubnet ? [`--cluster-cidr=${cfg.podSubnet}`] : []),
      `--cluster-name=${cfg.clusterName}`,
      `--cluster-signing-cert-file=${d}/ca.crt`,
      `--cluster-signing-key-file=${d}/ca.key`,
      '--controllers=*,bootstrapsigner,tokencleaner',
      `--kubeconfig=${cm}`,
      '--leader-elect=true',
      `--requestheader-client-ca-file=${d}/front-proxy-ca.crt`,
      `--root-ca-file=${d}/ca.crt`,
      `--service-account-private-key-file=${d}/sa.key`,
      `--service-cluster-ip-range=${cfg.serviceSubnet}`,
      '--use-service-account-credentials=true',
    ],
    cfg.controllerManagerExtraArgs,
  )
  const sc = `${ETC}/scheduler.conf`
  const scheduler = withExtra(
    [
      `--authentication-kubeconfig=${sc}`,
      `--authorization-kubeconfig=${sc}`,
      '--bind-address=127.0.0.1',
      `--kubeconfig=${sc}`,
      '--leader-elect=true',
    ],
    cfg.schedulerExtraArgs,
  )
  return { 'kube-apiserver': apiserver, 'kube-controller-manager': controllerManager, 'kube-scheduler': scheduler }
}

function podManifest(cfg, pod, args) {
  const image = pod === 'etcd' ? 'registry.k8s.io/etcd:3.5.16-0' : `registry.k8s.io/${pod}:${cfg.kubernetesVersion}`
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    ...(pod === 'kube-apiserver'
      ? [
          '  annotations:',
          `    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: ${cfg.advertiseAddress}:${cfg.bindPort}`,
        ]
      : pod === 'etcd'
        ? [
            '  annotations:',
            `    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://${cfg.advertiseAddress}:2379`,
          ]
        : []),
    '  labels:',
    `    component: ${pod}`,
    '    tier: control-plane',
    `  name: ${pod}`,
    '  namespace: kube-system',
    'spec:',
    '  containers:',
    '  - command:',
    `    - ${pod}`,
    ...args.map((a) => `    - ${a}`),
    `    image: ${image}`,
    '    imagePullPolicy: IfNotPresent',
    `    name: ${pod}`,
    '  hostNetwork: true',
    '  priority: 2000001000',
    '  priorityClassName: system-node-critical',
    '',
  ].join('\n')
}

/** [etcd] the local etcd manifest (a joining member passes the cluster it joins). */
export function writeEtcdManifest(cfg, opts = {}) {
  fs.mkdirSync(`${ETC}/manifests`, { recursive: true })
  fs.writeFileSync(`${ETC}/manifests/etcd.yaml`, podManifest(cfg, 'etcd', etcdArgs(cfg, opts)), { mode: 0o600 })
  fs.mkdirSync(cfg.etcdLocal.dataDir ?? '/var/lib/etcd', { recursive: true, mode: 0o700 })
}

/** [control-plane] the three control-plane manifests. */
export function writeControlPlaneManifests(cfg) {
  fs.mkdirSync(`${ETC}/manifests`, { recursive: true })
  out(`[control-plane] Using manifest folder "${ETC}/manifests"`)
  for (const [pod, args] of Object.entries(controlPlaneArgs(cfg))) {
    out(`[control-plane] Creating static Pod manifest for "${pod}"`)
    fs.writeFileSync(`${ETC}/manifests/${pod}.yaml`, podManifest(cfg, pod, args), { mode: 0o600 })
  }
}

export function manifestsPhase(cfg) {
  if (!cfg.etcdExternal) {
    out(`[etcd] Creating static Pod manifest for local etcd in "${ETC}/manifests"`)
    writeEtcdManifest(cfg)
  }
  writeControlPlaneManifests(cfg)
}

export function kubeletConfigOf(cfg) {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
    clusterDNS: [
      firstIP(parseCIDR(cfg.serviceSubnet.split(',')[0], 'networking.serviceSubnet')).replace(/\.1$/, '.10'),
    ],
    clusterDomain: cfg.dnsDomain,
    staticPodPath: `${ETC}/manifests`,
    rotateCertificates: true,
    ...cfg.kubelet,
  }
}

/**
 * kubeadm-flags.env and config.yaml. `registerTaints` (join): the taints go to the kubelet's
 * --register-with-taints, as kubeadm join does; init applies them in mark-control-plane.
 */
export function writeKubeletFiles(cfg, kubelet, { registerTaints = false } = {}) {
  fs.mkdirSync('/var/lib/kubelet', { recursive: true })
  out('[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"')
  fs.writeFileSync('/var/lib/kubelet/config.yaml', yamlOf(kubelet))
  out('[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"')
  const flags = [`--container-runtime-endpoint=${cfg.criSocket}`, `--pod-infra-container-image=${PAUSE_IMAGE}`]
  if (registerTaints && cfg.taints.length)
    flags.push(
      `--register-with-taints=${cfg.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(',')}`,
    )
  if (cfg.nodeName !== cfg.hostname) flags.push(`--hostname-override=${cfg.nodeName}`)
  for (const a of cfg.kubeletExtraArgs) {
    const at = flags.findIndex((f) => f.startsWith(`--${a.name}=`))
    if (at >= 0) flags[at] = `--${a.name}=${a.value}`
    else flags.push(`--${a.name}=${a.value}`)
  }
  fs.writeFileSync('/var/lib/kubelet/kubeadm-flags.env', `KUBELET_KUBEADM_ARGS="${flags.join(' ')}"\n`)
}

/** Restart the kubelet and wait for its /healthz; `phase` names the failing phase. */
export function startKubelet(phase) {
  out('[kubelet-start] Starting the kubelet')
  const restart = systemctl('restart', 'kubelet')
  if (restart.status !== 0)
    warn(`[kubelet-start] WARNING: unable to start the kubelet service: [${restart.stderr.trim()}]`)
  if (phase === 'wait-control-plane')
    out(
      '[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests"',
    )
  out('[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s')
  const started = Date.now()
  while (Date.now() - started < KUBELET_WAIT_MS) {
    if (spawnSync(process.execPath, ['-e', HEALTHZ_PROBE]).status === 0) {
      out(`[kubelet-check] The kubelet is healthy after ${((Date.now() - started) / 1000).toFixed(6)}s`)
      return
    }
    sleep(300)
  }
  out(`[kubelet-check] The kubelet is not healthy after 4m0s (flotilla-sim: gave up after ${KUBELET_WAIT_MS / 1000}s)`)
  out()
  out('Unfortunately, an error has occurred, likely caused by:')
  out('\t- The kubelet is not running')
  out('\t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)')
  out()
  out('If you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:')
  out("\t- 'systemctl status kubelet'")
  out("\t- 'journalctl -xeu kubelet'")
  out()
  fatal(`error execution phase ${phase}: failed while waiting for the kubelet: kubelet is not healthy after 4m0s`)
}

export function kubeletPhase(cfg) {
  writeKubeletFiles(cfg, kubeletConfigOf(cfg))
  startKubelet('wait-control-plane')
}
