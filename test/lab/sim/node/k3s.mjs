// flotilla-sim: SIMULATOR, not k3s. The `k3s` "binary" the lab's get.k3s.io installs as
// /usr/local/bin/k3s is a launcher for this file (FLOTILLA_SIM_ARGV0 carries the name it was
// called by, for the kubectl/crictl/ctr links). Commands: server, agent, token, kubectl,
// --version; everything else fails loudly. See test/lab/sim/README.md "## k3s".
import fs from 'node:fs'
import { spawnSync } from 'node:child_process'
import { parseArgs, printVersion, notSimulated, log } from './k3s/cli.mjs'

const argv0 = (process.env.FLOTILLA_SIM_ARGV0 ?? 'k3s').split('/').pop()
delete process.env.FLOTILLA_SIM_ARGV0
const argv = process.argv.slice(2)

function kubectl(args) {
  // k3s kubectl: the host's kubectl with the k3s kubeconfig unless KUBECONFIG or --kubeconfig says otherwise
  const env = { ...process.env }
  if (!env.KUBECONFIG && !args.some((a) => a.startsWith('--kubeconfig'))) {
    const k = '/etc/rancher/k3s/k3s.yaml'
    try {
      fs.accessSync(k, fs.constants.R_OK)
      env.KUBECONFIG = k
    } catch {
      log.warn(
        `Unable to read ${k}, please start server with --write-kubeconfig-mode or --write-kubeconfig-group to modify kube config permissions`,
      )
      log.fatal(`open ${k}: permission denied`)
    }
  }
  // k3s bundles kubectl; the stand-in runs the machine's (the lab puts it in /usr/lib/flotilla-sim)
  const bin = ['/usr/lib/flotilla-sim/kubectl', '/usr/bin/kubectl'].find((f) => fs.existsSync(f))
  if (!bin) notSimulated('k3s kubectl without a kubectl binary on the machine')
  const r = spawnSync(bin, args, { stdio: 'inherit', env })
  process.exit(r.status ?? 1)
}

const HELP = `NAME:
   k3s - Kubernetes, but small and simple

USAGE:
   k3s [global options] command [command options] [arguments...]

VERSION:
   v1.32.4+k3s1 (5aed4d7b)

COMMANDS:
   server           Run management server
   agent            Run node agent
   kubectl          Run kubectl
   crictl           Run crictl
   ctr              Run ctr
   check-config     Run config check
   token            Manage tokens
   etcd-snapshot    Manage etcd snapshots
   secrets-encrypt  Control secrets encryption and keys rotation
   certificate      Manage K3s certificates
   completion       Install shell completion script
   help, h          Shows a list of commands or help for one command

GLOBAL OPTIONS:
   --debug                     (logging) Turn on debug logs [$K3S_DEBUG]
   --data-dir value, -d value  (data) Folder to hold state default /var/lib/rancher/k3s or \${HOME}/.rancher/k3s if not root [$K3S_DATA_DIR]
   --help, -h                  show help
   --version, -v               print the version
`

async function main() {
  if (argv0 === 'kubectl') return kubectl(argv)
  if (argv0 === 'crictl' || argv0 === 'ctr') notSimulated(`${argv0} (k3s's bundled ${argv0})`)
  const [cmd, ...rest] = argv
  switch (cmd) {
    case undefined:
    case 'help':
    case 'h':
    case '--help':
    case '-h':
      process.stdout.write(HELP)
      return
    case '--version':
    case '-v':
    case 'version':
      printVersion()
      return
    case 'kubectl':
      return kubectl(rest)
    case 'server': {
      const { flags, args } = parseArgs('server', rest)
      const { runServer } = await import('./k3s/server.mjs')
      return runServer(flags, args)
    }
    case 'agent': {
      const { flags, args } = parseArgs('agent', rest)
      const { runAgent } = await import('./k3s/agent.mjs')
      return runAgent(flags, args)
    }
    case 'token': {
      const { runToken } = await import('./k3s/token-cmd.mjs')
      return runToken(rest)
    }
    case 'crictl':
    case 'ctr':
    case 'check-config':
    case 'etcd-snapshot':
    case 'secrets-encrypt':
    case 'certificate':
    case 'completion':
      notSimulated(`k3s ${cmd}`)
      break
    default:
      if (cmd.startsWith('-')) {
        console.log(`Incorrect Usage: flag provided but not defined: -${cmd.replace(/^-+/, '').replace(/=.*/, '')}\n`)
        process.stdout.write(HELP)
        log.fatal(`flag provided but not defined: -${cmd.replace(/^-+/, '').replace(/=.*/, '')}`)
      }
      // urfave/cli: an unknown command falls through to the app's help with an error
      console.log(`No help topic for '${cmd}'`)
      process.exit(3)
  }
}

main().catch((e) => log.fatal(`Error: ${e.stack ?? e.message}`))
