import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir, vaultIn } from '../services/vault/test-support'
import { runCliIn } from './cli-test-support'

const VAULT_PASS = 'vault pass phrase 1234'
const BACKUP_PASS = 'backup pass phrase 5678'

/** Every line a CLI run printed, kept so the leak check can read all of it. */
const transcript: string[] = []

async function cli(dir: string, ...args: string[]) {
  const run = await runCliIn(dir, ...args)
  transcript.push(run.stdout, run.stderr)
  return run
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
}

describe('flotilla pki / kubeconfig / vault', () => {
  it('runs the whole flow, restores on another computer, and never prints a key or passphrase', async () => {
    const dir = tempDir('flotilla-cli-pki-')
    const work = tempDir('flotilla-cli-work-')
    const passFile = join(work, 'vault-pass')
    const backupPassFile = join(work, 'backup-pass')
    writeFileSync(passFile, VAULT_PASS + '\n')
    writeFileSync(backupPassFile, BACKUP_PASS + '\n')

    expect((await cli(dir, 'clusters', 'create', 'homelab', '--endpoint', '192.168.1.10:6443')).code).toBe(0)
    const noKeychain = await cli(dir, 'pki', 'init', 'homelab')
    expect(noKeychain.code).toBe(1)
    expect(noKeychain.stderr).toMatch(/choose a passphrase.*\[KEYCHAIN_UNAVAILABLE\]/s)

    const init = await cli(dir, '--passphrase-file', passFile, 'pki', 'init', 'homelab')
    expect(init).toMatchObject({ code: 0, stderr: '' })
    expect(init.stdout).toMatch(/ca\.crt\s+CN=kubernetes\s+RSA-2048/)
    expect(init.stdout).toMatch(/discovery hash: sha256:[0-9a-f]{64}/)
    const status = JSON.parse((await cli(dir, '--json', '--passphrase-file', passFile, 'vault', 'status')).stdout)
    expect(status).toMatchObject({ state: 'unlocked', mode: 'passphrase', secrets: 4 })
    expect((await cli(dir, '--json', 'vault', 'status')).stdout).toMatch(/"state": "locked"/)

    const out = join(work, 'admin.conf')
    const exported = await cli(
      dir,
      '--passphrase-file',
      passFile,
      'kubeconfig',
      'export',
      'homelab',
      '--out',
      out,
      '--days',
      '30',
    )
    expect(exported.code).toBe(0)
    expect(exported.stderr).toMatch(/warning: Anyone with a copy/)
    expect(statSync(out).mode & 0o777).toBe(0o600)
    const again = await cli(dir, '--passphrase-file', passFile, 'kubeconfig', 'export', 'homelab', '--out', out)
    expect(again.stderr).toMatch(/\[FILE_EXISTS\]/)
    expect((await cli(dir, 'kubeconfig', 'list')).stdout).toMatch(/O=kubeadm:cluster-admins, CN=flotilla-admin/)
    expect((await cli(dir, 'pki', 'expiry')).stdout).toMatch(/homelab\s+kubeconfig/)
    const token = JSON.parse((await cli(dir, '--json', 'pki', 'token', 'homelab')).stdout)
    expect(token.token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/)

    const backup = join(work, 'flotilla.backup')
    const backedUp = await cli(
      dir,
      '--passphrase-file',
      passFile,
      'vault',
      'backup',
      backup,
      '--backup-passphrase-file',
      backupPassFile,
    )
    expect(backedUp.stdout).toMatch(/Backed up 4 secrets and 1 cluster PKI/)

    // Another computer: empty data dir, its own vault passphrase.
    const other = tempDir('flotilla-cli-other-')
    const wrong = join(work, 'wrong')
    writeFileSync(wrong, 'not the backup passphrase')
    const refused = await cli(
      other,
      '--passphrase-file',
      passFile,
      'vault',
      'restore',
      backup,
      '--backup-passphrase-file',
      wrong,
    )
    expect(refused.stderr).toMatch(/\[VAULT_PASSPHRASE\]/)
    const restored = await cli(
      other,
      '--passphrase-file',
      passFile,
      'vault',
      'restore',
      backup,
      '--backup-passphrase-file',
      backupPassFile,
    )
    expect(restored.stdout).toMatch(/Restored homelab \(4 secrets\)/)
    const here = JSON.parse((await cli(dir, '--json', 'pki', 'show', 'homelab')).stdout)
    const there = JSON.parse((await cli(other, '--json', 'pki', 'show', 'homelab')).stdout)
    expect(there.cas.map((c: { fingerprintSha256: string }) => c.fingerprintSha256)).toEqual(
      here.cas.map((c: { fingerprintSha256: string }) => c.fingerprintSha256),
    )
    // The restored CA key signs there.
    const out2 = join(work, 'admin2.conf')
    expect(
      (await cli(other, '--passphrase-file', passFile, 'kubeconfig', 'export', 'homelab', '--out', out2)).code,
    ).toBe(0)
    // Restoring again changes nothing; a cluster with another CA is a conflict.
    expect(
      (
        await cli(
          other,
          '--passphrase-file',
          passFile,
          'vault',
          'restore',
          backup,
          '--backup-passphrase-file',
          backupPassFile,
        )
      ).stdout,
    ).toMatch(/unchanged: homelab/)

    // Tampering with the backup is VAULT_CORRUPT.
    const bytes = readFileSync(backup)
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 1
    writeFileSync(backup, bytes)
    expect(
      (
        await cli(
          other,
          '--passphrase-file',
          passFile,
          'vault',
          'restore',
          backup,
          '--backup-passphrase-file',
          backupPassFile,
        )
      ).stderr,
    ).toMatch(/\[VAULT_CORRUPT\]/)

    // The leak check: every secret there is, against everything printed and every file written.
    const secrets = [VAULT_PASS, BACKUP_PASS]
    for (const value of (await vaultIn(dir, { passphrase: VAULT_PASS }).entries()).values())
      secrets.push(value.reveal())
    const keyOf = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'))
    const adminKey = Buffer.from(/client-key-data: (\S+)/.exec(readFileSync(out, 'utf8'))![1]!, 'base64').toString()
    const needles = [...secrets, ...secrets.flatMap(keyOf), ...keyOf(adminKey)].filter((s) => s.length >= 16)
    expect(needles.length).toBeGreaterThan(20)
    const haystacks = [
      ...transcript.map((text, i) => ({ name: `output ${i}`, text })),
      ...[dir, other].flatMap(files).map((f) => ({ name: f, text: readFileSync(f, 'latin1') })),
    ]
    for (const { name, text } of haystacks)
      for (const needle of needles) expect(text.includes(needle), name).toBe(false)
    // The join token is printed on purpose (shown once), but never logged.
    expect(readFileSync(join(dir, 'logs', 'flotilla.log'), 'utf8')).not.toContain(token.token)
  }, 60_000)
})

describe('flotilla pki / kubeconfig: refusals', () => {
  it('refuses to create a vault with a passphrase shorter than the one rule, from the environment or a file', async () => {
    const dir = tempDir('flotilla-cli-short-')
    const work = tempDir('flotilla-cli-short-work-')
    expect((await cli(dir, 'clusters', 'create', 'homelab', '--endpoint', '192.168.1.10:6443')).code).toBe(0)
    const shortFile = join(work, 'short')
    writeFileSync(shortFile, 'abc\n')
    const fromFile = await cli(dir, '--passphrase-file', shortFile, 'pki', 'init', 'homelab')
    expect(fromFile.code).toBe(1)
    expect(fromFile.stderr).toMatch(/too short.*at least 8 characters.*\[INVALID_INPUT\]/s)
    const before = process.env.FLOTILLA_VAULT_PASSPHRASE
    process.env.FLOTILLA_VAULT_PASSPHRASE = 'abc'
    try {
      const fromEnv = await cli(dir, 'pki', 'init', 'homelab')
      expect(fromEnv.code).toBe(1)
      expect(fromEnv.stderr).toMatch(/FLOTILLA_VAULT_PASSPHRASE.*at least 8 characters/s)
      const setup = await cli(dir, 'vault', 'setup', '--passphrase')
      expect(setup.code).toBe(1)
      expect(setup.stderr).toMatch(/at least 8 characters/)
    } finally {
      if (before === undefined) delete process.env.FLOTILLA_VAULT_PASSPHRASE
      else process.env.FLOTILLA_VAULT_PASSPHRASE = before
    }
    // Nothing was created: no vault file, no PKI.
    expect(files(dir).some((f) => f.endsWith('.vault'))).toBe(false)
    const show = await cli(dir, 'pki', 'show', 'homelab')
    expect(show.code).toBe(1)
    expect(show.stderr).toMatch(/no certificate authorities yet.*flotilla pki init homelab.*\[PKI_NOT_INITIALISED\]/s)
    expect((await cli(dir, '--json', 'pki', 'show', 'homelab')).code).toBe(1)
  }, 30_000)

  it('refuses to write a kubeconfig into a missing folder unless --mkdir', async () => {
    const dir = tempDir('flotilla-cli-mkdir-')
    const work = tempDir('flotilla-cli-mkdir-work-')
    const passFile = join(work, 'vault-pass')
    writeFileSync(passFile, VAULT_PASS + '\n')
    await cli(dir, 'clusters', 'create', 'homelab', '--endpoint', '192.168.1.10:6443')
    expect((await cli(dir, '--passphrase-file', passFile, 'pki', 'init', 'homelab')).code).toBe(0)
    const out = join(work, 'nonexistent', 'dir', 'a.conf')
    const refused = await cli(dir, '--passphrase-file', passFile, 'kubeconfig', 'export', 'homelab', '--out', out)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/folder .*nonexistent\/dir does not exist.*--mkdir.*\[INVALID_INPUT\]/s)
    expect(existsSync(join(work, 'nonexistent'))).toBe(false)
    // Nothing was issued for the refused export.
    expect((await cli(dir, 'kubeconfig', 'list')).stdout).toMatch(/No kubeconfigs issued yet/)
    const made = await cli(
      dir,
      '--passphrase-file',
      passFile,
      'kubeconfig',
      'export',
      'homelab',
      '--out',
      out,
      '--mkdir',
    )
    expect(made.code).toBe(0)
    expect(statSync(out).mode & 0o777).toBe(0o600)
  }, 60_000)
})
