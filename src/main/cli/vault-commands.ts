import type { Command } from 'commander'
import { KEYCHAIN_BACKEND_NAMES } from '../../shared/types/vault'
import type { VaultStatus } from '../../shared/types'
import { passphraseFrom, print } from './cli-helpers'
import type { CliContext } from './hosts-commands'

/** `flotilla vault status|setup|backup|restore|rotate`. The vault passphrase comes from --passphrase-file or FLOTILLA_VAULT_PASSPHRASE. */
export function registerVaultCommands(program: Command, ctx: CliContext): void {
  const vault = program.command('vault').description('the encrypted store of CA keys and other secrets')

  vault
    .command('status')
    .description('how the vault key is kept and which keychain this computer has')
    .action(async () => {
      const status = await ctx.app().api.vault.status()
      print(ctx, status, describe(status))
    })

  vault
    .command('setup')
    .description('create the vault: key in the OS keychain (default) or protected by a passphrase')
    .option('--passphrase', 'passphrase mode (the passphrase from --passphrase-file or FLOTILLA_VAULT_PASSPHRASE)')
    .action(async (o: { passphrase?: boolean }) => {
      const api = ctx.app().api
      const passphrase = o.passphrase
        ? passphraseFrom(
            program.opts<{ passphraseFile?: string }>().passphraseFile,
            'FLOTILLA_VAULT_PASSPHRASE',
            '--passphrase-file',
          ).reveal()
        : undefined
      const status = await api.vault.setup(o.passphrase ? 'passphrase' : 'keychain', passphrase)
      print(ctx, status, `Vault created.\n${describe(status)}`)
    })

  vault
    .command('backup <file>')
    .description('write every secret and the PKI records to one file encrypted with a backup passphrase')
    .option('--backup-passphrase-file <file>', 'file holding the backup passphrase (or FLOTILLA_BACKUP_PASSPHRASE)')
    .option('--force', 'replace an existing file')
    .action(async (file: string, o: { backupPassphraseFile?: string; force?: boolean }) => {
      const passphrase = passphraseFrom(
        o.backupPassphraseFile,
        'FLOTILLA_BACKUP_PASSPHRASE',
        '--backup-passphrase-file',
      )
      const result = await ctx.app().api.vault.backup(file, passphrase.reveal(), { overwrite: o.force === true })
      print(
        ctx,
        result,
        `Backed up ${result.secrets} secrets and ${result.clusters.length} cluster PKI(s) to ${result.path} (${result.bytes} bytes).\n`,
      )
    })

  vault
    .command('restore <file>')
    .description('restore a backup (also on another computer)')
    .option('--backup-passphrase-file <file>', 'file holding the backup passphrase (or FLOTILLA_BACKUP_PASSPHRASE)')
    .option('--replace', 'overwrite clusters that exist here with other certificate authorities')
    .action(async (file: string, o: { backupPassphraseFile?: string; replace?: boolean }) => {
      const passphrase = passphraseFrom(
        o.backupPassphraseFile,
        'FLOTILLA_BACKUP_PASSPHRASE',
        '--backup-passphrase-file',
      )
      const result = await ctx.app().api.vault.restore(file, passphrase.reveal(), { replace: o.replace === true })
      print(
        ctx,
        result,
        `Restored ${result.restored.length ? result.restored.join(', ') : 'no clusters'}` +
          `${result.unchanged.length ? `; unchanged: ${result.unchanged.join(', ')}` : ''} (${result.secrets} secrets).\n`,
      )
    })

  vault
    .command('rotate')
    .description('re-encrypt everything under a new data key and delete the old one')
    .action(async () => {
      const status = await ctx.app().api.vault.rotate()
      print(ctx, status, `Data key rotated (generation ${status.generation}).\n`)
    })
}

function describe(s: VaultStatus): string {
  const backend = s.keychain.backend ? KEYCHAIN_BACKEND_NAMES[s.keychain.backend] : 'none'
  const keychain = s.keychain.available
    ? `${backend}: available`
    : `${backend}: not available (${s.keychain.reason ?? ''})`
  const mode =
    s.mode === 'keychain' ? `key in ${backend}` : s.mode === 'passphrase' ? 'key protected by a passphrase' : '—'
  const lines = [
    `state: ${s.state}${s.problem ? ` (${s.problem})` : ''}`,
    `mode: ${mode}`,
    `keychain: ${keychain}`,
    `file: ${s.path}${s.generation !== undefined ? ` (generation ${s.generation})` : ''}`,
  ]
  if (s.secrets !== undefined) lines.push(`secrets: ${s.secrets}`)
  if (s.state === 'corrupt' && s.previousGeneration) lines.push(`previous generation kept at ${s.path}.prev`)
  if (s.state === 'uninitialised' && !s.keychain.available && !s.passphraseProvided) {
    lines.push(
      'No keychain: create a passphrase vault with FLOTILLA_VAULT_PASSPHRASE or --passphrase-file (vault setup --passphrase).',
    )
  }
  return lines.join('\n') + '\n'
}
