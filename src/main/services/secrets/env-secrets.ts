import { Secret } from './secret'

/**
 * Secrets a script may give Flotilla through the environment. They are read once at start-up and
 * then deleted from `process.env`: everything Flotilla starts (ssh's ProxyCommand, secret-tool,
 * the browser that shell.openExternal opens) inherits the environment, and must not inherit these.
 */
export const SECRET_ENV_NAMES = [
  'FLOTILLA_VAULT_PASSPHRASE',
  'FLOTILLA_BACKUP_PASSPHRASE',
  'FLOTILLA_SSH_PASSWORD',
  'FLOTILLA_SUDO_PASSWORD',
  'FLOTILLA_KEY_PASSPHRASE',
] as const
export type SecretEnvName = (typeof SECRET_ENV_NAMES)[number]

const taken = new Map<SecretEnvName, Secret>()

/**
 * Moves the secret variables from `env` (default: this process's) into memory and deletes them
 * there. Called first thing by every entry point (createApp, the CLI); calling it again only picks
 * up variables set since (tests), so it is safe to call from each.
 */
export function takeEnvSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of SECRET_ENV_NAMES) {
    const value = env[name]
    if (value === undefined) continue
    delete env[name]
    if (value !== '') taken.set(name, new Secret(value))
  }
}

/** A secret given through the environment at start-up, or undefined. */
export function envSecret(name: SecretEnvName): Secret | undefined {
  takeEnvSecrets()
  return taken.get(name)
}
