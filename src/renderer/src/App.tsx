import { useEffect } from 'react'
import { Icon, Logo, type IconName } from './components/Icon'
import { OpsTray } from './components/OpsTray'
import { Toasts } from './components/Toasts'
import { ClustersScreen } from './features/clusters/ClustersScreen'
import { HostsScreen } from './features/hosts/HostsScreen'
import { SecurityScreen } from './features/security/SecurityScreen'
import { SettingsScreen } from './features/settings/SettingsScreen'
import { SshDialogs } from './features/ssh/SshDialogs'
import { useHosts } from './stores/hosts.store'
import { useNav, type Screen } from './stores/nav.store'
import { useOps } from './stores/ops.store'
import { useSettings } from './stores/settings.store'

const NAV: { screen: Screen; label: string; icon: IconName }[] = [
  { screen: 'hosts', label: 'Hosts', icon: 'hosts' },
  { screen: 'clusters', label: 'Clusters', icon: 'clusters' },
  { screen: 'security', label: 'Security', icon: 'security' },
  { screen: 'settings', label: 'Settings', icon: 'settings' },
]

const SCREENS: Record<Screen, () => React.JSX.Element> = {
  hosts: HostsScreen,
  clusters: ClustersScreen,
  security: SecurityScreen,
  settings: SettingsScreen,
}

export function App() {
  const { screen, go } = useNav()
  useEffect(() => {
    void useSettings.getState().load()
    void useHosts.getState().load()
    void useOps.getState().hydrate()
  }, [])
  const Current = SCREENS[screen]
  return (
    <div className="app">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <Logo />
          <span>Flotilla</span>
        </div>
        {NAV.map((item) => (
          <button
            key={item.screen}
            className={`nav-item ${screen === item.screen ? 'active' : ''}`}
            aria-current={screen === item.screen ? 'page' : undefined}
            onClick={() => go(item.screen)}
          >
            <Icon name={item.icon} />
            <span>{item.label}</span>
          </button>
        ))}
      </nav>
      <main className="content">
        <Current />
      </main>
      <OpsTray />
      <Toasts />
      <SshDialogs />
    </div>
  )
}
