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

/** A registration with the redactor; `release()` lets it forget the value (once no one else holds it). */
export interface Registration {
  release(): void
}

const NOTHING: Registration = { release: () => undefined }

/** Every live redactor of this process, for `redactKnownSecrets` (weak: a dropped app drops out). */
const liveRedactors = new Set<WeakRef<Redactor>>()

/**
 * Masks registered secret values in any text before it reaches a log, an error or a progress line.
 * Values shorter than 4 characters are not registered: masking "a" everywhere would garble logs,
 * and such a secret offers no protection anyway.
 *
 * A secret also reaches text in escaped forms: inside JSON (`"` → `\"`, `\` → `\\`, once or twice
 * nested, non-ASCII as `\u00e9`), in a shell-quoted command (`'` → `'\''`), or in another Unicode
 * normalisation; each form is masked too.
 *
 * Registrations are counted: each owner (the vault, a session) releases its own when it lets the
 * secret go (vault lock), and the value is forgotten once no owner holds it, so the redactor does
 * not keep every secret of the run in memory.
 */
export class Redactor {
  readonly #holders = new Map<string, number>()
  /** Every masked form, longest first; rebuilt after a change. */
  #forms: string[] | null = null

  constructor() {
    liveRedactors.add(new WeakRef(this))
  }

  register(secret: Secret | string): Registration {
    const value = typeof secret === 'string' ? secret : secret.reveal()
    if (value.length < 4) return NOTHING
    this.#holders.set(value, (this.#holders.get(value) ?? 0) + 1)
    this.#forms = null
    let released = false
    return {
      release: () => {
        if (released) return
        released = true
        const left = (this.#holders.get(value) ?? 0) - 1
        if (left > 0) this.#holders.set(value, left)
        else this.#holders.delete(value)
        this.#forms = null
      },
    }
  }

  /** Forgets a value whoever registered it. */
  forget(secret: Secret | string): void {
    this.#holders.delete(typeof secret === 'string' ? secret : secret.reveal())
    this.#forms = null
  }

  /** How many distinct values are registered (for tests and diagnostics; never the values). */
  get size(): number {
    return this.#holders.size
  }

  redact(text: string): string {
    let out = text
    for (const form of this.#allForms()) if (out.includes(form)) out = out.split(form).join(REDACTED)
    return out
  }

  #allForms(): string[] {
    if (!this.#forms) {
      const forms = new Set<string>()
      for (const value of this.#holders.keys()) for (const form of escapedForms(value)) forms.add(form)
      // Longest first, so a secret that contains another is masked whole.
      this.#forms = [...forms].filter((f) => f.length >= 4).sort((a, b) => b.length - a.length)
    }
    return this.#forms
  }
}

/**
 * Masks the secrets known to any redactor of this process. For text built where no redactor is at
 * hand (a failed remote command's stderr in an error): a safety net, not a replacement for the
 * app's own redactor.
 */
export function redactKnownSecrets(text: string): string {
  let out = text
  for (const ref of liveRedactors) {
    const redactor = ref.deref()
    if (redactor) out = redactor.redact(out)
    else liveRedactors.delete(ref)
  }
  return out
}

/** The forms in which `value` can appear in text Flotilla writes. */
function escapedForms(value: string): string[] {
  const bases = new Set([value, value.normalize('NFC'), value.normalize('NFD')])
  const forms = new Set<string>()
  for (const base of bases) {
    const json = jsonEscape(base)
    forms.add(base)
    forms.add(json)
    forms.add(jsonEscape(json))
    forms.add(asciiJson(json, 'lower'))
    forms.add(asciiJson(json, 'upper'))
    forms.add(base.replaceAll("'", `'\\''`))
  }
  return [...forms]
}

/** The inside of JSON.stringify's string literal. */
function jsonEscape(text: string): string {
  return JSON.stringify(text).slice(1, -1)
}

/** JSON with every non-ASCII UTF-16 unit as \uXXXX (what many encoders other than JS's write). */
function asciiJson(json: string, hexCase: 'lower' | 'upper'): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => {
    const hex = c.charCodeAt(0).toString(16).padStart(4, '0')
    return `\\u${hexCase === 'lower' ? hex : hex.toUpperCase()}`
  })
}
