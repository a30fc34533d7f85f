import { isAppErrorData, toAppErrorData, type AppErrorData } from '../../shared/errors'

/** What `window.api` rejected with, as AppErrorData (it already is one, unless something broke). */
export function asError(error: unknown): AppErrorData {
  return isAppErrorData(error) ? error : toAppErrorData(error)
}
