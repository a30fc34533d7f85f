import { randomBytes } from 'node:crypto'
import type { Client, SFTPWrapper } from 'ssh2'
import { AppError } from '../../../shared/errors'
import { exec, expectSuccess, type ExecOptions } from './exec'
import { sh } from './shell-command'

export interface UploadOptions {
  /** File mode, e.g. 0o644. */
  mode: number
  /** Owner and group (default root:root when using sudo, else the login user's). */
  owner?: string
  group?: string
}

/** Owner/group names as chown accepts them; anything else is refused before it reaches a host. */
const NAME = /^[a-z_][a-z0-9_.-]{0,31}$/i

/**
 * Writes a file on a host atomically: the bytes go over SFTP into a private temp file (mode 0600),
 * then `install` copies them next to the destination with mode and owner, and `mv` renames over
 * the destination, so a reader sees the old file or the new one, never half of one.
 */
export async function uploadFile(
  client: Client,
  path: string,
  content: Buffer | string,
  options: UploadOptions,
  execOptions: Omit<ExecOptions, 'stdin' | 'onLine'>,
): Promise<void> {
  assertAbsolute(path)
  for (const name of [options.owner, options.group]) {
    if (name !== undefined && !NAME.test(name))
      throw new AppError('INVALID_INPUT', `"${name}" is not a valid user or group name.`)
  }
  const temp = `/tmp/.flotilla-upload-${randomBytes(8).toString('hex')}`
  const staged = `${path}.flotilla-${randomBytes(4).toString('hex')}`
  const mode = options.mode.toString(8).padStart(4, '0')
  await withSftp(client, (sftp) => writeSftp(sftp, temp, content))
  const ownership = [...(options.owner ? ['-o', options.owner] : []), ...(options.group ? ['-g', options.group] : [])]
  try {
    const result = await exec(
      client,
      sh`install -m ${mode} ${ownership} -T ${temp} ${staged} && mv -f ${staged} ${path}`,
      execOptions,
    )
    expectSuccess(result, `Writing ${path}`)
  } finally {
    await exec(client, sh`rm -f ${temp}`, {}).catch(() => undefined)
  }
}

/** Reads a file on a host (through sudo when asked); a file that does not exist reads as null. */
export async function readRemoteFile(
  client: Client,
  path: string,
  execOptions: Omit<ExecOptions, 'stdin'>,
): Promise<Buffer | null> {
  assertAbsolute(path)
  const result = await exec(client, sh`if [ -e ${path} ]; then cat -- ${path}; else exit 44; fi`, execOptions)
  if (result.exitCode === 44) return null
  expectSuccess(result, `Reading ${path}`)
  if (result.truncated) {
    // Half a file read as the whole of it would be worse than no file.
    throw new AppError('COMMAND_FAILED', `${path} is ${result.stdoutBytes} bytes, too big to read this way.`, {
      bytes: result.stdoutBytes,
    })
  }
  return result.stdout
}

function assertAbsolute(path: string): void {
  if (!path.startsWith('/') || path.includes('\0') || path.split('/').includes('..')) {
    throw new AppError('INVALID_INPUT', `"${path.slice(0, 80)}" is not an absolute path without "..".`)
  }
}

function withSftp<T>(client: Client, work: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    client.sftp((error, sftp) => {
      if (error) return reject(new AppError('CONNECTION_LOST', `The host refused an SFTP session: ${error.message}`))
      work(sftp)
        .then(resolve, reject)
        .finally(() => sftp.end())
    })
  })
}

function writeSftp(sftp: SFTPWrapper, path: string, content: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    // 'wx': fail rather than follow or reuse anything already at the temp path.
    const stream = sftp.createWriteStream(path, { flags: 'wx', mode: 0o600 })
    stream.on('error', (error: Error) => reject(new AppError('COMMAND_FAILED', `Uploading failed: ${error.message}`)))
    stream.on('close', () => resolve())
    stream.end(content)
  })
}
