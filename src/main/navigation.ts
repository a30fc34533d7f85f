/**
 * Same document up to the hash: reloads and in-app hash routes are fine; any other URL (another
 * file, another origin) is not the app and gets neither navigation nor IPC.
 */
export function isSameDocument(url: string, appUrl: string): boolean {
  try {
    const a = new URL(url)
    const b = new URL(appUrl)
    return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname
  } catch {
    return false
  }
}
