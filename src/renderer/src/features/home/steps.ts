import type { Cluster, Host, VaultStatus } from '../../../../shared/types'
import type { Route } from '../../stores/nav.store'

/** One step on the way to a cluster, judged from what the stores hold. */
export interface Step {
  id: 'hosts' | 'trust' | 'identify' | 'vault' | 'design' | 'apply'
  title: string
  done: boolean
  /** What is done of it, or what is missing, as a short sentence. */
  detail: string
  action: string
  route: Route
}

/** Hosts the user adopted (found-on-LAN ones wait for adoption; ignored ones do not count). */
export const adopted = (hosts: Host[]) => hosts.filter((h) => !h.pending && !h.ignored)

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/**
 * The path from an empty app to a running cluster: add or scan hosts, trust their host keys,
 * identify them, set up the vault, design a cluster, apply it. Pure, so Home and its test agree.
 */
export function stepsToCluster(hosts: Host[], vault: VaultStatus | null, clusters: Cluster[]): Step[] {
  const mine = adopted(hosts)
  const found = hosts.filter((h) => h.pending && !h.ignored).length
  const trusted = mine.filter((h) => h.hostKey).length
  const identified = mine.filter((h) => h.identification).length
  const designed = clusters.filter((c) => c.spec.spec.nodes.length > 0)
  const built = clusters.filter((c) => c.build?.state === 'built')
  const target = designed[0] ?? clusters[0]
  const vaultReady = vault?.state === 'unlocked' || vault?.state === 'locked'
  return [
    {
      id: 'hosts',
      title: 'Add or scan hosts',
      done: mine.length > 0,
      detail:
        mine.length > 0
          ? `${count(mine.length, 'host')} added${found ? `, ${found} more found on the LAN` : ''}.`
          : found
            ? `${found} found on the LAN: adopt them.`
            : 'Add your Raspberry Pis and MicroOS boxes by address, or scan the LAN for them.',
      action: mine.length > 0 ? 'Hosts' : 'Add or scan hosts',
      route: { screen: 'hosts' },
    },
    {
      id: 'trust',
      title: 'Trust their host keys',
      done: mine.length > 0 && trusted === mine.length,
      detail:
        mine.length === 0
          ? 'Compare each host’s key fingerprint once, on first connect.'
          : `${trusted} of ${count(mine.length, 'host')} trusted.`,
      action: 'Connect hosts',
      route: { screen: 'hosts' },
    },
    {
      id: 'identify',
      title: 'Identify them',
      done: mine.length > 0 && identified === mine.length,
      detail:
        mine.length === 0
          ? 'Flotilla reads each host’s model, OS, memory and readiness over SSH.'
          : `${identified} of ${count(mine.length, 'host')} identified.`,
      action: 'Identify hosts',
      route: { screen: 'hosts' },
    },
    {
      id: 'vault',
      title: 'Set up the vault',
      done: vaultReady,
      detail:
        vault?.state === 'unlocked'
          ? 'Set up and unlocked.'
          : vault?.state === 'locked'
            ? 'Set up; locked until you give its passphrase.'
            : vault?.state === 'corrupt'
              ? 'The vault file is damaged: restore a backup.'
              : 'Keeps the cluster’s keys and your passwords, encrypted.',
      action: vault?.state === 'locked' ? 'Unlock the vault' : 'Set up the vault',
      route: { screen: 'security' },
    },
    {
      id: 'design',
      title: 'Design a cluster',
      done: designed.length > 0,
      detail:
        designed.length > 0
          ? `${designed.map((c) => `${c.name} (${count(c.spec.spec.nodes.length, 'node')})`).join(', ')}.`
          : clusters.length > 0
            ? `${clusters[0]!.name} has no nodes yet: give hosts their roles.`
            : 'Give hosts their roles: control planes, workers, the endpoint.',
      action: 'Design',
      route: target ? { screen: 'clusters', cluster: target.name, view: 'design' } : { screen: 'clusters' },
    },
    {
      id: 'apply',
      title: 'Review the plan and apply',
      done: built.length > 0,
      detail:
        built.length > 0
          ? `${built.map((c) => c.name).join(', ')} built.`
          : clusters.some((c) => c.build?.state === 'building')
            ? 'A build started and has not finished: resume it.'
            : 'See every command per host, then run it.',
      action: 'Review the plan',
      route: target ? { screen: 'clusters', cluster: target.name, view: 'plan' } : { screen: 'clusters' },
    },
  ]
}
