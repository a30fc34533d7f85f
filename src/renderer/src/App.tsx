import { useEffect, useRef } from 'react'
import { focusLanding, rescueLostFocus } from './components/focus'
import { Icon, Logo, type IconName } from './components/Icon'
import { OpsTray } from './components/OpsTray'
import { StatusBar } from './components/StatusBar'
import { Toasts } from './components/Toasts'
import { TokenPage } from './components/TokenPage'
import './components/shell.css'
import { ClustersScreen } from './features/clusters/ClustersScreen'
import { HomeScreen } from './features/home/HomeScreen'
import { HostsScreen } from './features/hosts/HostsScreen'
import { SecurityScreen } from './features/security/SecurityScreen'
import { SettingsScreen } from './features/settings/SettingsScreen'
import { SshDialogs } from './features/ssh/SshDialogs'
import { useClusters } from './stores/clusters.store'
import { useConnection } from './stores/connection.store'
import { useHosts } from './stores/hosts.store'
import { useNav, type Screen } from './stores/nav.store'
import { isLive, useOps } from './stores/ops.store'
import { useSecurity } from './stores/security.store'
import { useSettings } from './stores/settings.store'
import { useToasts } from './stores/toasts.store'

const NAV: { screen: Screen; label: string; icon: IconName }[] = [
  { screen: 'home', label: 'Home', icon: 'home' },
  { screen: 'hosts', label: 'Hosts', icon: 'hosts' },
  { screen: 'clusters', label: 'Clusters', icon: 'clusters' },
  { screen: 'security', label: 'Security', icon: 'security' },
  { screen: 'settings', label: 'Settings', icon: 'settings' },
]

const SCREENS: Record<Screen, () => React.JSX.Element> = {
  home: HomeScreen,
  hosts: HostsScreen,
  clusters: ClustersScreen,
  security: SecurityScreen,
  settings: SettingsScreen,
}

/** "Hosts · Flotilla"; a cluster's page "homelab · Clusters · Flotilla". */
export function pageTitle(screen: Screen, cluster: string | undefined): string {
  const label = NAV.find((n) => n.screen === screen)?.label ?? 'Flotilla'
  return [...(screen === 'clusters' && cluster ? [cluster] : []), label, 'Flotilla'].join(' · ')
}

export function App() {
  const connection = useConnection((s) => s.state)
  if (connection === 'no-token' || connection === 'bad-token') return <TokenPage reason={connection} />
  return <Shell />
}

function Shell() {
  const screen = useNav((s) => s.screen)
  const cluster = useNav((s) => s.cluster)
  const go = useNav((s) => s.go)
  const connection = useConnection((s) => s.state)
  const opened = useConnection((s) => s.opened)
  const main = useRef<HTMLElement>(null)

  // Load (and after a reconnect, reload) what the shell and Home show; nothing before the link is
  // open, so a refused or lost link does not toast one error per store.
  useEffect(() => {
    if (connection !== 'open') return
    void useSettings.getState().load()
    void useHosts.getState().load()
    void useOps.getState().hydrate()
    void useClusters.getState().load()
    void useSecurity.getState().loadVault()
  }, [connection, opened])

  useEffect(() => {
    document.title = pageTitle(screen, cluster)
  }, [screen, cluster])

  // A new screen: focus its heading (a keyboard user starts there, not at the top of the page).
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    focusLanding(null)
  }, [screen, cluster])

  useEffect(() => (main.current ? rescueLostFocus(main.current) : undefined), [])

  // A host row shows its own last check and login: their errors are not toasted again.
  useEffect(
    () =>
      useToasts
        .getState()
        .addPlace((error) =>
          useHosts
            .getState()
            .hosts.some((h) => h.lastCheck?.reason === error.message || h.lastLogin?.error?.message === error.message),
        ),
    [],
  )

  const Current = SCREENS[screen]
  return (
    <div className="app">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <Logo />
          <span className="brand-name">Flotilla</span>
        </div>
        {NAV.map((item) => (
          <button
            key={item.screen}
            className={`nav-item ${screen === item.screen ? 'active' : ''}`}
            aria-current={screen === item.screen ? 'page' : undefined}
            aria-label={item.label}
            aria-describedby={`nav-badge-${item.screen}`}
            title={item.label}
            onClick={() => go(item.screen)}
          >
            <Icon name={item.icon} />
            <span className="nav-label" aria-hidden="true">
              {item.label}
            </span>
            <NavBadge screen={item.screen} id={`nav-badge-${item.screen}`} />
          </button>
        ))}
      </nav>
      <div className="main-column">
        <main className="content" ref={main}>
          <Current />
        </main>
        <div className="dock">
          <Toasts />
          <OpsTray />
        </div>
        <StatusBar />
      </div>
      <SshDialogs />
    </div>
  )
}

/**
 * What a sidebar item says at a glance: hosts known, the vault locked or unlocked (icon and word),
 * operations running. The item's accessible description (its name stays the label alone), so it is
 * also read when the labels collapse to icons.
 */
function NavBadge({ screen, id }: { screen: Screen; id: string }) {
  const hosts = useHosts((s) => s.hosts.filter((h) => !h.pending && !h.ignored).length)
  const vault = useSecurity((s) => s.vault?.state)
  const running = useOps((s) => Object.values(s.ops).filter(isLive).length)
  if (screen === 'hosts' && hosts > 0)
    return (
      <span className="nav-badge" id={id} data-testid="badge-hosts">
        {hosts}
        <span className="visually-hidden"> {hosts === 1 ? 'host' : 'hosts'}</span>
      </span>
    )
  if (screen === 'security' && (vault === 'locked' || vault === 'unlocked'))
    return (
      <span className={`nav-badge nav-badge-vault vault-${vault}`} id={id} data-testid="badge-vault">
        <Icon name={vault === 'locked' ? 'lock' : 'unlock'} size={12} />
        <span className="nav-badge-word">
          <span className="visually-hidden">vault </span>
          {vault}
        </span>
      </span>
    )
  if (screen === 'home' && running > 0)
    return (
      <span className="nav-badge nav-badge-running" id={id} data-testid="badge-running">
        {running}
        <span className="visually-hidden"> running</span>
      </span>
    )
  return null
}
