import { KEYCHAIN_BACKEND_NAMES as BACKEND_NAMES } from '../../../../shared/types/vault'
import type { VaultStatus } from '../../../../shared/types'

export { BACKEND_NAMES }

/** The one line the first-run check shows: where the vault key is (or would be) kept. */
export function keyLocation(status: VaultStatus): string {
  const backend = status.keychain.backend ? BACKEND_NAMES[status.keychain.backend] : 'the system keychain'
  if (status.mode === 'passphrase') return 'Passphrase (the key is sealed with your passphrase)'
  if (status.mode === 'keychain') return `In ${backend}`
  return status.keychain.available ? `${backend} (available)` : `${backend} — not available`
}

/** Days from now until `iso`, rounded (negative once past). */
export function daysLeft(iso: string, now = Date.now()): number {
  return Math.round((Date.parse(iso) - now) / 86_400_000)
}

/** "2036-11-21 · 3649 days" / "expired 3 days ago". */
export function expiry(iso: string): string {
  const days = daysLeft(iso)
  return days < 0 ? `expired ${-days} days ago` : `${iso.slice(0, 10)} · ${days} days`
}

/** Status colour class for an expiry: red within 30 days, amber within 90. */
export function expiryClass(iso: string): string {
  const days = daysLeft(iso)
  return days < 30 ? 'status-failed' : days < 90 ? 'status-running' : 'status-done'
}

/** A today-stamped default file name in the home folder. */
export function defaultPath(name: string, extension: string): string {
  return `~/${name}-${new Date().toISOString().slice(0, 10)}.${extension}`
}
