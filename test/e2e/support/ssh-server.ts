/**
 * A loopback SSH server (ssh2) for e2e specs that takes only one password. What a command answers
 * is the spec's to say; by default every command ends at once with exit 1, having said nothing
 * (enough for a login that must wait for its password and then go on).
 */
import type { AddressInfo } from 'node:net'
import ssh2 from 'ssh2'

export interface PasswordSshServer {
  port: number
  /** User names that logged in with the password. */
  accepted: string[]
  /** Every command run, in order. */
  commands: string[]
  /** Ends the clients' connections (the app keeps its own open, pooled) and closes the server. */
  close(): Promise<void>
}

export async function passwordSshServer(
  password: string,
  answer: (command: string) => { stdout?: string; code: number } = () => ({ code: 1 }),
): Promise<PasswordSshServer> {
  const accepted: string[] = []
  const commands: string[] = []
  const clients: ssh2.Connection[] = []
  const server = new ssh2.Server({ hostKeys: [ssh2.utils.generateKeyPairSync('ed25519').private] }, (client) => {
    clients.push(client)
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.password === password) {
        accepted.push(ctx.username)
        return ctx.accept()
      }
      ctx.reject(['password'])
    })
    client.on('ready', () =>
      client.on('session', (accept) =>
        accept().on('exec', (acceptExec, _reject, info) => {
          commands.push(info.command)
          const { stdout, code } = answer(info.command)
          const stream = acceptExec()
          if (stdout) stream.write(stdout)
          stream.exit(code)
          stream.end()
        }),
      ),
    )
    client.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    port,
    accepted,
    commands,
    close: async () => {
      for (const client of clients) client.end()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
