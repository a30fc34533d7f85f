import type { AppErrorData } from '../../../shared/errors'
import { asError } from '../errors'

/**
 * The one shape the hosts, discovery, ssh, security and settings stores answer in.
 *
 * - An action whose caller shows the result (a form, a dialog, a copy of a value) resolves to an
 *   `Outcome<T>`: `{ ok: true, value }` or `{ ok: false, error }` (an AppErrorData, whose
 *   `details.fields` go next to the inputs). It never throws and shows no toast itself: the
 *   caller puts the error in one place (issue 14: one place per message).
 * - An action nobody on screen waits for (load, scan, check, lock) resolves to `void` and reports
 *   its error once, as a toast; a cancel is not an error.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: AppErrorData }

/** Runs a `window.api` call and turns its rejection into an `Outcome`. */
export async function outcome<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() }
  } catch (raw) {
    return { ok: false, error: asError(raw) }
  }
}
