export type ThemePreference = 'system' | 'light' | 'dark'

/** User preferences kept in the data directory. */
export interface Settings {
  theme: ThemePreference
}

/** Facts about the running app, for the Settings screen and `flotilla info`. */
export interface AppInfo {
  version: string
  dataDir: string
  /** Which transport serves this UI or CLI. */
  transport: 'electron' | 'web' | 'cli'
  platform: string
}
