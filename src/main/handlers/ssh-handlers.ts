import type { SshInvoke } from '../../shared/channels/ssh'
import type { Services } from '../app'
import { recordLastResults } from '../services/inventory/last-results'
import type { HandlersOf } from '../transport/dispatcher'

export function sshHandlers({ ssh, ops, inventory, events }: Services): HandlersOf<SshInvoke> {
  const name = (hostId: string) => {
    const host = inventory.get(hostId)
    return host.label ?? host.address
  }
  return {
    'ssh:scan': (hostId) => ssh.scan(hostId),
    'ssh:trust': (hostId, fingerprint, options) => ssh.trust(hostId, fingerprint, options.replace === true),
    'ssh:provideSecret': (hostId, kind, secret, keyPath) => {
      ssh.provideSecret(hostId, kind, secret, keyPath)
      // Operations paused for this secret go on (they read it from the session, never from here).
      ops.secretGiven(hostId, kind, keyPath)
    },
    'ssh:forgetSecrets': (hostId) => ssh.forgetSecrets(hostId),
    'ssh:check': (opId, hostIds) =>
      ops.run(
        {
          id: opId,
          kind: 'ssh:check',
          title: hostIds.length === 1 ? `Logging in to ${name(hostIds[0]!)}` : `Logging in to ${hostIds.length} hosts`,
          total: hostIds.length,
          durableResult: true,
        },
        async (ctx) => {
          const results = await ssh.check(hostIds, ctx)
          recordLastResults(inventory, 'lastLogin', results, new Date().toISOString())
          for (const r of results) {
            ctx.itemResult?.(
              r.hostId,
              r.ok
                ? { ok: true }
                : { ok: false, code: r.error?.code ?? 'COMMAND_FAILED', message: r.error?.message ?? 'Failed.' },
              name(r.hostId),
            )
          }
          return results
        },
      ),
    'ssh:run': (opId, hostId, words, options) =>
      ops.run({ id: opId, kind: 'ssh:run', title: `Running ${words[0]} on ${name(hostId)}` }, (ctx) =>
        ssh.runArgv(
          hostId,
          words,
          {
            sudo: options.sudo === true,
            ...(options.timeoutSec ? { timeoutMs: options.timeoutSec * 1000 } : {}),
            ...(options.stream
              ? {
                  onData: (stream, chunk) =>
                    events.emit('ssh:output', { opId, hostId, stream, data: chunk.toString('base64') }),
                }
              : {}),
          },
          ctx,
        ),
      ),
    'ssh:installKey': (opId, hostId, publicKey) =>
      ops.run(
        { id: opId, kind: 'ssh:installKey', title: `Installing your key on ${name(hostId)}`, durableResult: true },
        (ctx) => ssh.installKey(hostId, publicKey, ctx),
      ),
    'ssh:reboot': (opId, hostId, options) =>
      ops.run({ id: opId, kind: 'ssh:reboot', title: `Rebooting ${name(hostId)}`, durableResult: true }, (ctx) =>
        ssh.reboot(hostId, ctx, options.timeoutSec ? options.timeoutSec * 1000 : undefined),
      ),
  }
}
