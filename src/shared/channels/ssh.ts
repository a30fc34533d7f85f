import { z } from 'zod'
import type { Host, HostKeyScan, RebootResult, RunOutput, RunResult, SshCheckResult, SshSecretKind } from '../types'
import { idSchema } from '../schemas'
import { channel, sensitiveChannel, type SchemasOf } from './define'

export interface SshInvoke {
  /** Read a host's SSH key and compare it with the trusted one (no login). */
  'ssh:scan': { args: [hostId: string]; result: HostKeyScan }
  /** Pin the key the host presents, if its fingerprint is the one the user confirmed; `replace` re-trusts. */
  'ssh:trust': { args: [hostId: string, fingerprint: string, options: { replace?: boolean }]; result: Host }
  /** Give a password, sudo password or key passphrase for this session (never stored). */
  'ssh:provideSecret': { args: [hostId: string, kind: SshSecretKind, secret: string, keyPath?: string]; result: void }
  /** Forget the session's passwords for a host. */
  'ssh:forgetSecrets': { args: [hostId: string]; result: void }
  /** Operation: log in to hosts, read user, OS and sudo mode; per-host results. */
  'ssh:check': { args: [opId: string, hostIds: string[]]; result: SshCheckResult[] }
  /**
   * Operation: run one command given as words (each quoted) on a host. `stream`: also send the
   * output as it arrives, byte for byte and uncapped, as `ssh:output` events.
   */
  'ssh:run': {
    args: [
      opId: string,
      hostId: string,
      words: string[],
      options: { sudo?: boolean; timeoutSec?: number; stream?: boolean },
    ]
    result: RunResult
  }
  /** Operation: add a public key (default: yours from ~/.ssh) to the host's authorized_keys. */
  'ssh:installKey': { args: [opId: string, hostId: string, publicKey?: string]; result: { added: boolean } }
  /** Operation: reboot a host and wait (default 5 minutes) until it is back with a new boot id. */
  'ssh:reboot': { args: [opId: string, hostId: string, options: { timeoutSec?: number }]; result: RebootResult }
}

export interface SshEvents {
  /** Output of an `ssh:run` that asked for `stream`, as it arrives. */
  'ssh:output': RunOutput
}

const fingerprintSchema = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'A fingerprint looks like SHA256: followed by 43 characters.')

const secretSchema = z.string().min(1, 'Enter it, or cancel.').max(4096, 'That is too long.')

const publicKeySchema = z
  .string()
  .trim()
  .max(16_384)
  .regex(
    /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/,
    'That is not an OpenSSH public key line (type, base64, optional comment).',
  )

const wordsSchema = z
  .array(
    z
      .string()
      .max(65_536)
      .refine((w) => !w.includes('\0'), 'A command word cannot contain a NUL byte.'),
  )
  .min(1, 'Give a command to run.')
  .max(1000)

export const sshSchemas = {
  'ssh:scan': channel(['hostId'], idSchema),
  'ssh:trust': channel(
    ['hostId', 'fingerprint', 'options'],
    idSchema,
    fingerprintSchema,
    z.strictObject({ replace: z.boolean().optional() }),
  ),
  'ssh:provideSecret': sensitiveChannel(
    ['hostId', 'kind', 'secret', 'keyPath'],
    idSchema,
    z.enum(['password', 'sudo', 'passphrase']),
    secretSchema,
    z.string().max(4096).optional(),
  ),
  'ssh:forgetSecrets': channel(['hostId'], idSchema),
  'ssh:check': channel(['opId', 'hostIds'], idSchema, z.array(idSchema).min(1, 'Choose at least one host.').max(500)),
  'ssh:run': channel(
    ['opId', 'hostId', 'words', 'options'],
    idSchema,
    idSchema,
    wordsSchema,
    z.strictObject({
      sudo: z.boolean().optional(),
      timeoutSec: z.number().int().min(1).max(3600).optional(),
      stream: z.boolean().optional(),
    }),
  ),
  'ssh:installKey': channel(['opId', 'hostId', 'publicKey'], idSchema, idSchema, publicKeySchema.optional()),
  'ssh:reboot': channel(
    ['opId', 'hostId', 'options'],
    idSchema,
    idSchema,
    z.strictObject({ timeoutSec: z.number().int().min(10).max(3600).optional() }),
  ),
} satisfies SchemasOf<SshInvoke>
