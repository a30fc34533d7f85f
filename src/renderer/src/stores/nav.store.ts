import { create } from 'zustand'

/** 'home' first: where a new user lands (the steps to a cluster) and the default route. */
export const SCREENS = ['home', 'hosts', 'clusters', 'security', 'settings'] as const
export type Screen = (typeof SCREENS)[number]

/** The views of one cluster: design it, review its plan, watch a run, see it live. */
export const CLUSTER_VIEWS = ['design', 'plan', 'run', 'live'] as const
export type ClusterView = (typeof CLUSTER_VIEWS)[number]

/**
 * Where the user is. `#/clusters/<name>/<view>[/<opId>]` opens one cluster's view (a run view
 * names the operation it shows), so a reload, the back button and a pasted link land there.
 */
export interface Route {
  screen: Screen
  /** The cluster's name (clusters screen only). */
  cluster?: string
  view?: ClusterView
  /** The operation a run view shows. */
  opId?: string
}

export function parseRoute(hash: string): Route {
  const [name = '', cluster, view, opId] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent)
  const screen = (SCREENS as readonly string[]).includes(name) ? (name as Screen) : 'home'
  if (screen !== 'clusters' || !cluster) return { screen }
  const known = (CLUSTER_VIEWS as readonly string[]).includes(view ?? '') ? (view as ClusterView) : 'design'
  return { screen, cluster, view: known, ...(known === 'run' && opId ? { opId } : {}) }
}

export function routeHash(route: Route): string {
  const parts: string[] = [route.screen]
  if (route.screen === 'clusters' && route.cluster) {
    parts.push(route.cluster, route.view ?? 'design')
    if (route.view === 'run' && route.opId) parts.push(route.opId)
  }
  return `#/${parts.map(encodeURIComponent).join('/')}`
}

interface NavState {
  screen: Screen
  cluster: string | undefined
  view: ClusterView | undefined
  opId: string | undefined
  go(screen: Screen): void
  /** Open a route (e.g. a cluster's plan review). */
  open(route: Route): void
}

/** The current screen, kept in the URL hash so a reload stays where the user was. */
export const useNav = create<NavState>((set) => {
  const show = (route: Route) =>
    set({ screen: route.screen, cluster: route.cluster, view: route.view, opId: route.opId })
  window.addEventListener('hashchange', () => show(parseRoute(window.location.hash)))
  const open = (route: Route) => {
    const hash = routeHash(route)
    if (window.location.hash !== hash) window.location.hash = hash
    show(parseRoute(hash))
  }
  const start = parseRoute(window.location.hash)
  return {
    screen: start.screen,
    cluster: start.cluster,
    view: start.view,
    opId: start.opId,
    go: (screen) => open({ screen }),
    open,
  }
})
