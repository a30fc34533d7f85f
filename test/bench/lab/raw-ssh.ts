/**
 * The baseline the SSH benches compare against: a bare ssh2 Promise.all over the lab hosts, each a
 * fresh connection running one command and collecting its stdout. No pool, no quoting, no checks.
 */
import { readFileSync } from 'node:fs'
import ssh2 from 'ssh2'

export interface RawTarget {
  address: string
  port: number
  user: string
}

export function rawFanOut(targets: readonly RawTarget[], keyPath: string, command: string): Promise<string[]> {
  const key = readFileSync(keyPath)
  return Promise.all(
    targets.map(
      (target) =>
        new Promise<string>((resolve, reject) => {
          const client = new ssh2.Client()
          client.on('error', reject)
          client.on('ready', () =>
            client.exec(command, (error, stream) => {
              if (error) return reject(error)
              let out = ''
              stream.on('data', (d: Buffer) => (out += d.toString('utf8')))
              stream.stderr.resume()
              stream.on('close', () => {
                client.end()
                resolve(out)
              })
            }),
          )
          client.connect({
            host: target.address,
            port: target.port,
            username: target.user,
            privateKey: key,
            hostVerifier: () => true,
          })
        }),
    ),
  )
}
