// FLOTILLA SIMULATOR STAND-IN for kubeadm -- not the real tool. See test/lab/sim/README.md for
// what is simulated (version, init, join, reset, token, certs, init phase upload-certs) and every
// known difference. Modules: kubeadm-cfg (flags/--config, validation), kubeadm-certs (PKI,
// kubeconfigs, upload-certs, renew), kubeadm-manifests (static pods, kubelet-start), kubeadm-api
// (everything through the API server), kubeadm-join.
//
// Output follows kubeadm 1.32's phase lines and error shapes, so a caller that parses kubeadm
// (the join command, preflight errors) meets the same text. Certificates are real: openssl signs
// the leaves with the CAs found in the certificates directory, with kubeadm's subjects and SANs.
import fs from 'node:fs'
import { parse } from 'yaml'
import { ConfigError } from './kubeadm-config.mjs'
import { etcdClientFromFiles, memberIdHex } from './etcd-client.mjs'
import { KubeError } from './kube-client.mjs'
import { describeError } from './node-agent.mjs'
import {
  adminApi,
  bootstrapTokenRBAC,
  clientFor,
  clusterAdminsBinding,
  clusterInfoKubeconfig,
  cmdToken,
  createOrUpdate,
  createToken,
  DEFAULT_GROUP,
  joinCommand,
  kubeletFinalize,
  markControlPlane,
  uploadConfig,
  waitForAPIServer,
} from './kubeadm-api.mjs'
import {
  certsPhase,
  checkExpiration,
  kubeadmCertsSecret,
  kubeconfigsPhase,
  newCertificateKey,
  RENEWABLE,
  renewOne,
} from './kubeadm-certs.mjs'
import { buildInitConfig, clusterConfigurationDoc, clusterPart, initChecks } from './kubeadm-cfg.mjs'
import { cmdJoin } from './kubeadm-join.mjs'
import { kubeletConfigOf, kubeletPhase, manifestsPhase } from './kubeadm-manifests.mjs'
import {
  arch,
  emptyDir,
  ETC,
  Fatal,
  fatal,
  KUBECONFIGS,
  out,
  parseFlags,
  readText,
  runPreflight,
  STACK_HINT,
  systemctl,
  VERSION,
  warn,
} from './kubeadm-util.mjs'

const STATE = '/var/lib/flotilla-sim/kubeadm' // phase 1's local token file lived here; reset removes it

// ------------------------------------------------------------------------------------------------
// version
function cmdVersion(args) {
  const { flags } = parseFlags(args, { output: 'str', v: 'str' })
  const info = {
    major: '1',
    minor: '32',
    gitVersion: VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-04-22T16:02:27Z',
    goVersion: 'go1.23.6',
    compiler: 'gc',
    platform: `linux/${arch()}`,
  }
  switch (flags.output ?? '') {
    case '':
      out(
        `kubeadm version: &version.Info{Major:"1", Minor:"32", GitVersion:"${VERSION}", GitCommit:"${info.gitCommit}", GitTreeState:"clean", BuildDate:"${info.buildDate}", GoVersion:"go1.23.6", Compiler:"gc", Platform:"${info.platform}"}`,
      )
      break
    case 'short':
      out(VERSION)
      break
    case 'json':
      out(JSON.stringify({ clientVersion: info }, null, 2))
      break
    case 'yaml':
      out('clientVersion:')
      for (const [k, v] of Object.entries(info)) out(`  ${k}: ${JSON.stringify(v)}`)
      break
    default:
      fatal(`invalid output format: ${flags.output}`)
  }
}

// ------------------------------------------------------------------------------------------------
const INIT_SPEC = {
  config: 'str',
  'ignore-preflight-errors': 'list',
  'skip-phases': 'list',
  'upload-certs': 'bool',
  'certificate-key': 'str',
  v: 'str',
  'skip-token-print': 'bool',
  'skip-certificate-key-print': 'bool',
  'node-name': 'str',
  'cri-socket': 'str',
  'apiserver-advertise-address': 'str',
  'apiserver-bind-port': 'str',
  'control-plane-endpoint': 'str',
  'apiserver-cert-extra-sans': 'list',
  'pod-network-cidr': 'str',
  'service-cidr': 'str',
  'service-dns-domain': 'str',
  'cert-dir': 'str',
  'kubernetes-version': 'str',
  token: 'str',
  'token-ttl': 'str',
  'dry-run': 'bool',
}

// [upload-certs]: the shared CA files, encrypted with the certificate key, in kubeadm-certs.
async function uploadCerts(api, cfg, key) {
  out('[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace')
  await createOrUpdate(
    api,
    '/api/v1/namespaces/kube-system/secrets',
    kubeadmCertsSecret(cfg.certificatesDir, key, { externalEtcd: Boolean(cfg.etcdExternal) }),
  )
  await createOrUpdate(api, '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'kubeadm:kubeadm-certs', namespace: 'kube-system' },
    rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['kubeadm-certs'], verbs: ['get'] }],
  })
  await createOrUpdate(api, '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'kubeadm:kubeadm-certs', namespace: 'kube-system' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kubeadm:kubeadm-certs' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: DEFAULT_GROUP }],
  })
  out('[upload-certs] Using certificate key:')
  out(key)
}

async function cmdInit(args) {
  const { flags, positional } = parseFlags(args, INIT_SPEC)
  if (positional[0] === 'phase') return cmdInitPhase(positional.slice(1), flags)
  if (positional.length) fatal(`unknown command "${positional[0]}" for "kubeadm init"`)
  if (flags['dry-run']) fatal('flotilla-sim: --dry-run is not simulated')
  if (flags.token !== undefined && !/^([a-z0-9]{6})\.([a-z0-9]{16})$/.test(flags.token))
    fatal(`the bootstrap token "${flags.token}" was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"`)
  const cfg = buildInitConfig(flags)
  out(`[init] Using Kubernetes version: ${cfg.kubernetesVersion}`)
  if (!cfg.skipPhases.includes('preflight')) {
    out('[preflight] Running pre-flight checks')
    runPreflight(initChecks(cfg), cfg.ignorePreflightErrors)
    out('[preflight] Pulling images required for setting up a Kubernetes cluster')
    out('[preflight] This might take a minute or two, depending on the speed of your internet connection')
    out("[preflight] You can also perform this action beforehand using 'kubeadm config images pull'")
  }
  const ca = certsPhase(cfg)
  kubeconfigsPhase(cfg, ca)
  manifestsPhase(cfg)
  kubeletPhase(cfg)

  const local = `https://${cfg.advertiseAddress}:${cfg.bindPort}`
  const caPem = fs.readFileSync(ca.crt, 'utf8')
  await waitForAPIServer(local, caPem)
  // kubeadm:cluster-admins with super-admin.conf; everything else with admin.conf. The simulator
  // talks to this node's API server (kubeadm would use the kubeconfigs' server, the endpoint).
  const superApi = clientFor(`${ETC}/super-admin.conf`, { server: local })
  const api = clientFor(`${ETC}/admin.conf`, { server: local })
  const server = cfg.endpointHost ? `https://${cfg.endpointHost}:${cfg.endpointPort}` : local
  let tokens
  let certificateKey
  try {
    try {
      await clusterAdminsBinding(superApi)
    } catch (e) {
      fatal(
        `error execution phase wait-control-plane: could not create the ClusterRoleBinding kubeadm:cluster-admins: ${describeError(e)}`,
      )
    }
    try {
      await uploadConfig(api, clusterConfigurationDoc(cfg), kubeletConfigOf(cfg))
    } catch (e) {
      fatal(
        `error execution phase upload-config/kubeadm: error uploading the kubeadm ClusterConfiguration: ${describeError(e)}`,
      )
    }
    if (cfg.uploadCerts) {
      certificateKey = cfg.certificateKey ?? newCertificateKey()
      try {
        await uploadCerts(api, cfg, certificateKey)
      } catch (e) {
        fatal(`error execution phase upload-certs: error uploading certs: ${describeError(e)}`)
      }
    } else out('[upload-certs] Skipping phase. Please see --upload-certs')
    try {
      await markControlPlane(api, cfg.nodeName, cfg.taints)
    } catch (e) {
      if (e instanceof Fatal) throw e
      fatal(
        `error execution phase mark-control-plane: error applying control-plane label and taints: ${describeError(e)}`,
      )
    }
    try {
      tokens = []
      for (const t of cfg.bootstrapTokens) {
        tokens.push(await createToken(api, t, { failIfExists: false }))
      }
      out(`[bootstrap-token] Using token: ${tokens[0]}`)
      await bootstrapTokenRBAC(api, clusterInfoKubeconfig(server, caPem))
    } catch (e) {
      if (e instanceof Fatal) throw e
      fatal(`error execution phase bootstrap-token: error creating bootstrap tokens: ${describeError(e)}`)
    }
    await kubeletFinalize()
  } finally {
    superApi.close()
    api.close()
  }
  out('[addons] flotilla-sim: CoreDNS and kube-proxy are not simulated')
  out()
  out('Your Kubernetes control-plane has initialized successfully!')
  out()
  out('To start using your cluster, you need to run the following as a regular user:')
  out()
  out('  mkdir -p $HOME/.kube')
  out('  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config')
  out('  sudo chown $(id -u):$(id -g) $HOME/.kube/config')
  out()
  out('Alternatively, if you are the root user, you can run:')
  out()
  out('  export KUBECONFIG=/etc/kubernetes/admin.conf')
  out()
  out('You should now deploy a pod network to the cluster.')
  out('Run "kubectl apply -f [podnetwork].yaml" with one of the options listed at:')
  out('  https://kubernetes.io/docs/concepts/cluster-administration/addons/')
  out()
  const token = flags['skip-token-print'] ? '<value withheld>' : tokens[0]
  const key = flags['skip-certificate-key-print'] ? '<value withheld>' : certificateKey
  if (cfg.endpointHost) {
    if (certificateKey) {
      out('You can now join any number of control-plane nodes running the following command on each as root:')
      out()
      out(`  ${joinCommand(server, token, caPem, { controlPlane: true, certificateKey: key }).replace(/\n/g, '\n  ')}`)
      out()
      out('Please note that the certificate-key gives access to cluster sensitive data, keep it secret!')
      out('As a safeguard, uploaded-certs will be deleted in two hours; If necessary, you can use')
      out('"kubeadm init phase upload-certs --upload-certs" to reload certs afterward.')
    } else {
      out('You can now join any number of control-plane nodes by copying certificate authorities')
      out('and service account keys on each node and then running the following as root:')
      out()
      out(`  ${joinCommand(server, token, caPem, { controlPlane: true }).replace(/\n/g, '\n  ')}`)
    }
    out()
  }
  out('Then you can join any number of worker nodes by running the following on each as root:')
  out()
  out(joinCommand(server, token, caPem))
}

// `kubeadm init phase upload-certs --upload-certs [--certificate-key K] [--config F]`.
async function cmdInitPhase([phase, ...rest], initFlags) {
  if (phase !== 'upload-certs') fatal(`flotilla-sim: "kubeadm init phase ${phase ?? ''}" is not simulated`)
  if (rest.length) fatal(`unknown command "${rest[0]}" for "kubeadm init phase upload-certs"`)
  const allowed = [
    'upload-certs',
    'certificate-key',
    'config',
    'kubeconfig',
    'skip-certificate-key-print',
    'v',
    'cert-dir',
  ]
  const extra = Object.keys(initFlags).filter((f) => !allowed.includes(f))
  if (extra.length) fatal(`unknown flag: --${extra[0]}`)
  if (!initFlags['upload-certs']) {
    out('[upload-certs] Skipping phase. Please see --upload-certs')
    return
  }
  if (initFlags.config && initFlags['certificate-key']) fatal("can not mix '--config' with arguments [certificate-key]")
  let certificatesDir = initFlags['cert-dir'] ?? `${ETC}/pki`
  let etcdExternal
  let configKey
  if (initFlags.config) {
    const cfg = buildInitConfig({ config: initFlags.config })
    certificatesDir = cfg.certificatesDir
    etcdExternal = cfg.etcdExternal
    configKey = cfg.certificateKey
  }
  const key = initFlags['certificate-key'] ?? configKey ?? newCertificateKey()
  if (!/^[0-9a-f]{64}$/.test(key))
    fatal('error execution phase upload-certs: error decoding certificate key: encoding/hex: invalid byte')
  const { api } = adminApi(initFlags.kubeconfig)
  try {
    await uploadCerts(
      api,
      { certificatesDir, etcdExternal },
      initFlags['skip-certificate-key-print'] ? '<value withheld>' : key,
    )
  } catch (e) {
    if (e instanceof Fatal) throw e
    fatal(`error execution phase upload-certs: error uploading certs: ${describeError(e)}`)
  } finally {
    api.close()
  }
}

// ------------------------------------------------------------------------------------------------
// kubeadm certs certificate-key | check-expiration | renew NAME|all
async function cmdCerts([sub, ...rest]) {
  switch (sub) {
    case 'certificate-key':
      parseFlags(rest, { v: 'str' })
      out(newCertificateKey())
      return
    case 'check-expiration':
    case 'renew': {
      const { flags, positional } = parseFlags(rest, { 'cert-dir': 'str', config: 'str', kubeconfig: 'str', v: 'str' })
      if (flags.config) fatal(`flotilla-sim: certs ${sub} --config is not simulated`)
      const what = sub === 'renew' ? positional[0] : undefined
      if (sub === 'renew') {
        const names = RENEWABLE.map((r) => r[0])
        if (!what) fatal(`missing subcommand; "renew" is not meant to be run on its own`)
        if (what !== 'all' && !names.includes(what)) fatal(`unknown command "${what}" for "kubeadm certs renew"`)
      } else if (positional.length) fatal(`unknown command "${positional[0]}" for "kubeadm certs check-expiration"`)
      const tag = sub === 'renew' ? 'renew' : 'check-expiration'
      out(`[${tag}] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...`)
      out(`[${tag}] Use 'kubeadm init phase upload-config --config your-config.yaml' to re-upload it.`)
      const cluster = await readClusterConfiguration(flags.kubeconfig ?? `${ETC}/admin.conf`, tag)
      const cfg = clusterPart(cluster, { 'cert-dir': flags['cert-dir'] })
      if (sub === 'check-expiration') {
        out()
        checkExpiration(cfg.certificatesDir, { externalEtcd: Boolean(cfg.etcdExternal) })
        return
      }
      out()
      const targets = what === 'all' ? RENEWABLE.map((r) => r[0]) : [what]
      for (const name of targets) {
        if (cfg.etcdExternal && (/^etcd-/.test(name) || name === 'apiserver-etcd-client')) continue
        renewOne(name, cfg.certificatesDir, {
          algorithm: cfg.encryptionAlgorithm,
          validityHours: cfg.certificateValidityHours,
        })
      }
      out()
      out(
        'Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.',
      )
      return
    }
    default:
      if (['generate-csr', 'check-expiration', 'renew'].includes(sub))
        fatal(`flotilla-sim: "kubeadm certs ${sub}" is not simulated`)
      fatal(
        sub
          ? `unknown command "${sub}" for "kubeadm certs"`
          : 'missing subcommand; "certs" is not meant to be run on its own',
      )
  }
}

/** The ClusterConfiguration from the cluster; kubeadm falls back to defaults with a warning. */
async function readClusterConfiguration(kubeconfig, tag) {
  if (readText(kubeconfig) === null) {
    warn(`[${tag}] Error reading configuration from the Cluster. Falling back to default configuration`)
    return {}
  }
  const api = clientFor(kubeconfig)
  try {
    const cm = await api.get('/api/v1/namespaces/kube-system/configmaps/kubeadm-config')
    return parse(cm.data?.ClusterConfiguration ?? '') ?? {}
  } catch (e) {
    warn(
      `[${tag}] Error reading configuration from the Cluster. Falling back to default configuration (${describeError(e)})`,
    )
    return {}
  } finally {
    api.close()
  }
}

// ------------------------------------------------------------------------------------------------
async function cmdReset(args) {
  const { flags, positional } = parseFlags(args, {
    force: 'bool',
    'cert-dir': 'str',
    'cri-socket': 'str',
    'ignore-preflight-errors': 'list',
    'skip-phases': 'list',
    'cleanup-tmp-dir': 'bool',
    config: 'str',
    v: 'str',
    kubeconfig: 'str',
    'dry-run': 'bool',
  })
  if (positional.length) fatal(`unknown command "${positional[0]}" for "kubeadm reset"`)
  if (flags['dry-run'] || flags.config || flags['skip-phases'])
    fatal('flotilla-sim: reset --dry-run/--config/--skip-phases are not simulated')
  const certDir = flags['cert-dir'] ?? `${ETC}/pki`
  if (process.getuid() !== 0)
    runPreflight(
      [{ name: 'IsPrivilegedUser', level: 'error', message: 'user is not running as root' }],
      flags['ignore-preflight-errors'] ?? [],
    )
  out('[reset] Reading configuration from the cluster...')
  out("[reset] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'")
  const kubeconfig = flags.kubeconfig ?? `${ETC}/admin.conf`
  if (readText(kubeconfig) === null)
    warn(
      `[reset] Unable to fetch the kubeadm-config ConfigMap from cluster: failed to get config map: open ${kubeconfig}: no such file or directory`,
    )
  else {
    const api = clientFor(kubeconfig, { timeoutMs: 3000 })
    try {
      await api.get('/api/v1/namespaces/kube-system/configmaps/kubeadm-config')
    } catch (e) {
      warn(
        `[reset] Unable to fetch the kubeadm-config ConfigMap from cluster: failed to get config map: ${describeError(e)}`,
      )
    } finally {
      api.close()
    }
  }
  if (!flags.force) {
    process.stdout.write(
      "[reset] WARNING: Changes made to this host by 'kubeadm init' or 'kubeadm join' will be reverted.\n[reset] Are you sure you want to proceed? [y/N]: ",
    )
    // Like kubeadm: read one line from stdin, TTY or not. Without a TTY there usually is none.
    let answer = ''
    try {
      const buf = Buffer.alloc(256)
      const n = fs.readSync(0, buf, 0, 256, null)
      answer = buf.subarray(0, n).toString().split('\n')[0].trim().toLowerCase()
    } catch {
      answer = ''
    }
    if (answer !== 'y' && answer !== 'yes') {
      out()
      fatal("error execution phase preflight: won't proceed; the user didn't answer (Y|n) in order to continue")
    }
  }
  out('[preflight] Running pre-flight checks')
  const etcdManifest = readText(`${ETC}/manifests/etcd.yaml`)
  const isControlPlane = readText(`${ETC}/manifests/kube-apiserver.yaml`) !== null
  const dataDir = /--data-dir=(\S+)/.exec(etcdManifest ?? '')?.[1] ?? '/var/lib/etcd'
  if (etcdManifest !== null) await removeEtcdMember(etcdManifest, certDir)
  if (etcdManifest !== null) {
    emptyDir(dataDir)
    out(`[reset] Deleted contents of the etcd data directory: ${dataDir}`)
  } else if (isControlPlane) {
    out('[reset] No etcd config found. Assuming external etcd')
    out('[reset] Please, manually reset etcd to prevent further issues')
  }
  out('[reset] Stopping the kubelet service')
  systemctl('stop', 'kubelet')
  out('[reset] Unmounting mounted directories in "/var/lib/kubelet"')
  const dirs = [`${ETC}/manifests`, '/var/lib/kubelet', certDir]
  dirs.forEach(emptyDir)
  out(`[reset] Deleting contents of directories: [${dirs.join(' ')}]`)
  const files = KUBECONFIGS.map((f) => `${ETC}/${f}`)
  files.forEach((f) => fs.rmSync(f, { force: true }))
  out(`[reset] Deleting files: [${files.join(' ')}]`)
  fs.rmSync(STATE, { recursive: true, force: true })
  out()
  out('The reset process does not clean CNI configuration. To do so, you must remove /etc/cni/net.d')
  out()
  out('The reset process does not reset or clean up iptables rules or IPVS tables.')
  out('If you wish to reset iptables, you must do so manually by using the "iptables" command.')
  out()
  out('If your cluster was setup to utilize IPVS, run ipvsadm --clear (or similar)')
  out("to reset your system's IPVS tables.")
  out()
  out('The reset process does not clean your kubeconfig files and you must remove them manually.')
  out('Please, check the contents of the $HOME/.kube/config file.')
}

/**
 * remove-etcd-member: this node's member leaves the stacked etcd cluster through the cluster
 * (kubeadm's RemoveStackedEtcdMemberFromCluster), before the data directory is emptied. The last
 * member is not removed (there is no cluster left to remove it from).
 */
async function removeEtcdMember(manifest, certDir) {
  const peerURL = /--initial-advertise-peer-urls=(\S+)/.exec(manifest)?.[1]
  const clientURL = /--advertise-client-urls=(\S+)/.exec(manifest)?.[1]
  if (!peerURL || !clientURL) return
  const files = {
    caFile: `${certDir}/etcd/ca.crt`,
    certFile: `${certDir}/apiserver-etcd-client.crt`,
    keyFile: `${certDir}/apiserver-etcd-client.key`,
  }
  if (!Object.values(files).every((f) => fs.existsSync(f))) {
    warn(`[reset] Failed to remove etcd member: flotilla-sim: etcd client certificates missing in ${certDir}/`)
    return
  }
  let etcd = etcdClientFromFiles({ endpoints: [clientURL], ...files, timeoutMs: 3000 })
  try {
    const members = await etcd.members()
    const mine = members.find((m) => m.peerURLs.includes(peerURL))
    if (!mine) return
    const others = members.filter((m) => m !== mine).flatMap((m) => m.clientURLs)
    if (!others.length) {
      out('[reset] flotilla-sim: this is the only etcd member; not removing it')
      return
    }
    etcd.close()
    etcd = etcdClientFromFiles({ endpoints: others, ...files, timeoutMs: 3000 })
    out(`[etcd] removing etcd member: ${peerURL}, id: ${memberIdHex(mine.ID)}`)
    // etcd refuses while the remaining members would lack quorum by its view (a member counts
    // as active once connected for 5 s): kubeadm retries with a back-off, so does the simulator.
    const started = Date.now()
    for (;;) {
      try {
        await etcd.memberRemove(mine.ID)
        break
      } catch (e) {
        if (Date.now() - started > 20_000 || !/unhealthy|not enough started/i.test(e.message)) throw e
        await new Promise((r) => setTimeout(r, 1000))
      }
    }
  } catch (e) {
    warn(
      `[reset] Failed to remove etcd member: ${e.message}\n[reset] Please, manually remove this etcd member using etcdctl`,
    )
  } finally {
    etcd.close()
  }
}

// ------------------------------------------------------------------------------------------------
const NOT_YET = ['upgrade', 'config', 'kubeconfig', 'alpha']

async function main(args) {
  const [cmd, ...rest] = args
  switch (cmd) {
    case 'version':
      return cmdVersion(rest)
    case 'init':
      return cmdInit(rest)
    case 'join':
      return cmdJoin(rest)
    case 'reset':
      return cmdReset(rest)
    case 'token':
      return cmdToken(rest)
    case 'certs':
      return cmdCerts(rest)
    case undefined:
      fatal('flotilla-sim: kubeadm without a command (help) is not simulated')
      break
    default:
      if (NOT_YET.includes(cmd)) fatal(`flotilla-sim: "kubeadm ${cmd}" is not simulated`)
      fatal(`unknown command "${cmd}" for "kubeadm"`)
  }
}

try {
  await main(process.argv.slice(2))
} catch (e) {
  // An API or connection error nobody wrapped: kubeadm prints it as an error, not a stack trace.
  const apiError = e instanceof KubeError || (e && typeof e.code === 'string' && e.syscall)
  if (!(e instanceof Fatal) && !(e instanceof ConfigError) && !apiError) throw e
  process.stderr.write(`${apiError ? describeError(e) : e.message}\n${STACK_HINT}\n`)
  process.exitCode = 1
}
// The API and etcd clients keep sockets alive; kubeadm is done.
process.exit(process.exitCode ?? 0)
