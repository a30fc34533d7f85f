/**
 * `flotilla` — the contract for scripts. Every command goes through the same bridge, dispatcher and
 * schemas as the UI (an in-process transport), so a script meets the same rules and error codes.
 * Human text by default, `--json` for machines; errors go to stderr (or stdout as JSON) with exit 1.
 */
import { Command, CommanderError } from 'commander'
import { createApp, type App, type AppOptions } from '../app'
import { resolveDataDir } from '../data-dir'
import { takeEnvSecrets } from '../services/secrets/env-secrets'
import { confStoreFactory } from '../services/store/conf-store'
import { packageVersion } from '../version'
import { readPassphraseFile } from './cli-helpers'
import { registerClusterCommands } from './clusters-commands'
import { registerDiscoveryCommands } from './discovery-commands'
import { registerHostCommands } from './hosts-commands'
import { registerKubeconfigCommands } from './kubeconfig-commands'
import { registerOpsCommands } from './ops-commands'
import { registerPkiCommands } from './pki-commands'
import { registerPlanCommands } from './plan-commands'
import { registerApplyCommands } from './apply-commands'
import { registerResetCommands } from './reset-commands'
import { registerSshCommands } from './ssh-commands'
import { registerVaultCommands } from './vault-commands'
import { jsonText, CliExit, consoleOutput, printError, type Output } from './output'
import { interactive } from './prompt'
import { answerSecretsAtTerminal } from './secret-prompts'

export async function runCli(
  argv: string[],
  out: Output = consoleOutput(),
  /** Tests replace parts of the app (e.g. discovery's interfaces). */
  appOverrides: Partial<AppOptions> = {},
): Promise<number> {
  // FLOTILLA_*PASSWORD/PASSPHRASE leave the environment at once (children must not inherit them).
  takeEnvSecrets()
  const program = new Command('flotilla')
    .description('Build and keep a Kubernetes cluster of Raspberry Pis and MicroOS boxes.')
    .version(packageVersion())
    .option('--data-dir <dir>', 'where Flotilla keeps its files (or FLOTILLA_DATA_DIR)')
    .option('--json', 'print machine-readable JSON')
    .option('--passphrase-file <file>', 'vault passphrase, for passphrase mode (or FLOTILLA_VAULT_PASSPHRASE)')
    .exitOverride()
    .configureOutput({ writeOut: out.stdout, writeErr: out.stderr })

  let app: App | undefined
  let stopPrompts: (() => void) | undefined
  const context = {
    out,
    json: () => Boolean(program.opts<{ json?: boolean }>().json),
    app: () => {
      if (!app) {
        const dataDir = resolveDataDir({ flag: program.opts<{ dataDir?: string }>().dataDir })
        app = createApp({
          dataDir,
          transport: 'cli',
          version: packageVersion(),
          createStore: confStoreFactory(dataDir),
          ...vaultOptions(program.opts<{ passphraseFile?: string }>().passphraseFile),
          ...appOverrides,
        })
        // At a terminal, an operation that needs a secret pauses and asks here (no echo).
        if (interactive()) stopPrompts = answerSecretsAtTerminal(app, out)
      }
      return app
    },
  }

  program
    .command('info')
    .description('show version and data directory')
    .action(async () => {
      const info = await context.app().api.app.info()
      if (context.json()) out.stdout(jsonText(info))
      else out.stdout(`Flotilla ${info.version}\ndata directory: ${info.dataDir}\n`)
    })
  registerHostCommands(program, context)
  registerSshCommands(program, context)
  registerDiscoveryCommands(program, context)
  registerClusterCommands(program, context)
  registerPkiCommands(program, context)
  registerKubeconfigCommands(program, context)
  registerVaultCommands(program, context)
  registerPlanCommands(program, context)
  registerOpsCommands(program, context)
  registerApplyCommands(program, context)
  registerResetCommands(program, context)

  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode
    if (error instanceof CliExit) return error.exitCode
    printError(out, error, context.json())
    return 1
  } finally {
    stopPrompts?.()
    app?.close()
  }
}

/** `--passphrase-file` wins over FLOTILLA_VAULT_PASSPHRASE (which app.ts reads by default). */
function vaultOptions(file: string | undefined): Pick<AppOptions, 'security'> {
  return file === undefined ? {} : { security: { vaultPassphrase: readPassphraseFile(file) } }
}
