import type { Redactor, Secret } from '../secrets/secret'

/** Which secret: a login password, a sudo password (per host) or a key passphrase (per key file). */
export type SecretKind = 'password' | 'sudo' | 'passphrase'

/**
 * Secrets the user typed during this session, kept in memory only: asked once per host (or key
 * file), forgotten on quit or when they turn out wrong. Every value is registered with the
 * redactor, so it is masked in any log line or error that might echo it.
 */
export class SessionSecrets {
  readonly #values = new Map<string, Secret>()

  constructor(private readonly redactor: Redactor) {}

  set(kind: SecretKind, scope: string, secret: Secret): void {
    this.redactor.register(secret)
    this.#values.set(key(kind, scope), secret)
  }

  get(kind: SecretKind, scope: string): Secret | undefined {
    return this.#values.get(key(kind, scope))
  }

  forget(kind: SecretKind, scope: string): void {
    this.#values.delete(key(kind, scope))
  }

  clear(): void {
    this.#values.clear()
  }
}

/** Scope is the host id for passwords, the key file path for passphrases. */
function key(kind: SecretKind, scope: string): string {
  return `${kind}\0${scope}`
}
