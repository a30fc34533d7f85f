import { create } from 'zustand'
import type { AppInfo, Settings, ThemePreference } from '../../../shared/types'
import { asError } from '../errors'
import { useToasts } from './toasts.store'

interface SettingsState {
  settings: Settings
  info: AppInfo | null
  load(): Promise<void>
  setTheme(theme: ThemePreference): Promise<void>
}

let subscribed = false

/** Applies the theme to the document: an explicit choice, or whatever the system prefers. */
export function applyTheme(theme: ThemePreference): void {
  const dark = theme === 'dark' || (theme === 'system' && window.matchMedia('(prefers-color-scheme: dark)').matches)
  document.documentElement.dataset.theme = dark ? 'dark' : 'light'
}

export const useSettings = create<SettingsState>((set) => ({
  settings: { theme: 'system' },
  info: null,
  load: async () => {
    if (!subscribed) {
      subscribed = true
      window.api.settings.onChanged(({ settings }) => {
        applyTheme(settings.theme)
        set({ settings })
      })
      window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
        applyTheme(useSettings.getState().settings.theme)
      })
    }
    try {
      const [settings, info] = await Promise.all([window.api.settings.get(), window.api.app.info()])
      applyTheme(settings.theme)
      set({ settings, info })
    } catch (error) {
      useToasts.getState().error(asError(error))
    }
  },
  setTheme: async (theme) => {
    applyTheme(theme)
    try {
      set({ settings: await window.api.settings.set({ theme }) })
    } catch (error) {
      useToasts.getState().error(asError(error))
    }
  },
}))
