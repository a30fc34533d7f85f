import { readFileSync } from 'node:fs'

/** The app version from package.json, for the web server and CLI (Electron has app.getVersion()). */
export function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version
}
