import Conf from 'conf'
import { guardStore, STORE_FILE_MODE, type StoreFactory } from './key-value-store'

/**
 * Stores backed by `conf` in `dataDir`: what the web server and CLI use. Electron uses
 * electron-store, which is conf with Electron's defaults, over the same files.
 */
export function confStoreFactory(dataDir: string): StoreFactory {
  return (name) =>
    guardStore(name, () => {
      // clearInvalidConfig stays false (the default): a corrupt file must never be silently emptied.
      const conf = new Conf<Record<string, unknown>>({
        cwd: dataDir,
        configName: name,
        projectName: 'flotilla',
        // Records of hosts, clusters, PKI and issued kubeconfigs: owner only, also when rewritten.
        configFileMode: STORE_FILE_MODE,
      })
      return { path: conf.path, get: (k) => conf.get(k), set: (k, v) => conf.set(k, v) }
    })
}
