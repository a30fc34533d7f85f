import { create } from 'zustand'

export const SCREENS = ['hosts', 'clusters', 'security', 'settings'] as const
export type Screen = (typeof SCREENS)[number]

function fromHash(): Screen {
  const name = window.location.hash.replace(/^#\/?/, '')
  return (SCREENS as readonly string[]).includes(name) ? (name as Screen) : 'hosts'
}

interface NavState {
  screen: Screen
  go(screen: Screen): void
}

/** The current screen, kept in the URL hash so a reload stays where the user was. */
export const useNav = create<NavState>((set) => {
  window.addEventListener('hashchange', () => set({ screen: fromHash() }))
  return {
    screen: fromHash(),
    go: (screen) => {
      window.location.hash = `/${screen}`
      set({ screen })
    },
  }
})
