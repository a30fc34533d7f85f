import { inspect } from 'node:util'

const REDACTED = '[redacted]'

/**
 * A password, private key or token. Its string, JSON and inspect forms are redacted, so logging or
 * serialising one by accident leaks nothing; `reveal()` is the one deliberate way to the value.
 */
export class Secret {
  readonly #value: string

  constructor(value: string) {
    this.#value = value
  }

  reveal(): string {
    return this.#value
  }

  get length(): number {
    return this.#value.length
  }

  toString(): string {
    return REDACTED
  }

  toJSON(): string {
    return REDACTED
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`
  }
}

/**
 * Masks registered secret values in any text before it reaches a log, an error or a progress line.
 * Values shorter than 4 characters are not registered: masking "a" everywhere would garble logs,
 * and such a secret offers no protection anyway.
 */
export class Redactor {
  readonly #values = new Set<string>()

  register(secret: Secret | string): void {
    const value = typeof secret === 'string' ? secret : secret.reveal()
    if (value.length >= 4) this.#values.add(value)
  }

  forget(secret: Secret | string): void {
    this.#values.delete(typeof secret === 'string' ? secret : secret.reveal())
  }

  redact(text: string): string {
    let out = text
    // Longest first, so a secret that contains another is masked whole.
    const values = [...this.#values].sort((a, b) => b.length - a.length)
    for (const value of values) out = out.split(value).join(REDACTED)
    return out
  }
}
