import type { DesignTarget, MoveVerdict } from '../../../../../shared/channels/clusters'

/** How the designer names each place, in the order the canvas shows them (keyboard moves follow it). */
export const TARGET_LABEL: Record<DesignTarget, string> = {
  endpoint: 'HAProxy endpoint',
  'control-plane': 'Control planes',
  worker: 'Workers',
  etcd: 'etcd hosts',
  none: 'Unassigned hosts',
}

/** What a move there makes of a host, for the "Move to…" menu. */
export const TARGET_ACTION: Record<DesignTarget, string> = {
  endpoint: 'HAProxy endpoint',
  'control-plane': 'Control plane',
  worker: 'Worker',
  etcd: 'etcd host',
  none: 'Unassigned (take out)',
}

export const zoneId = (target: DesignTarget) => `zone:${target}`
export const targetOfZone = (id: string | number | undefined): DesignTarget | undefined =>
  typeof id === 'string' && id.startsWith('zone:') ? (id.slice(5) as DesignTarget) : undefined

export const verdictFor = (list: readonly MoveVerdict[] | undefined, target: DesignTarget) =>
  list?.find((v) => v.target === target)
