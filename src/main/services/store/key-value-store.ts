import { AppError } from '../../../shared/errors'

/**
 * The slice of conf / electron-store that services use. Electron builds it with electron-store,
 * the web server and CLI with conf (the same library underneath), tests with either.
 */
export interface KeyValueStore {
  get(key: string): unknown
  set(key: string, value: unknown): void
  /** Absolute path of the backing file, for messages. */
  readonly path: string
}

/** Mode of every store file (conf and electron-store write it on each save, so it stays so). */
export const STORE_FILE_MODE = 0o600

/** Builds the store named `name` (a file `<name>.json` in the data directory). */
export type StoreFactory = (name: string) => KeyValueStore

/**
 * Wraps store construction and writes so a broken file or a read-only disk becomes a STORAGE
 * AppError that names the file, instead of a raw exception (and the file is never overwritten).
 */
export function guardStore(name: string, open: () => KeyValueStore): KeyValueStore {
  let store: KeyValueStore
  try {
    store = open()
  } catch (error) {
    throw storageError(name, error)
  }
  return {
    path: store.path,
    get: (key) => store.get(key),
    set: (key, value) => {
      try {
        store.set(key, value)
      } catch (error) {
        throw storageError(name, error)
      }
    },
  }
}

function storageError(name: string, error: unknown): AppError {
  const reason = error instanceof SyntaxError ? 'it is not valid JSON' : 'it could not be read or written'
  return new AppError(
    'STORAGE',
    `Flotilla could not use its ${name} file because ${reason}. Nothing was changed; fix or move the file and try again.`,
    { store: name },
  )
}
