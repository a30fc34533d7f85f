import type { Host } from '../../../../../shared/types'
import type { IconName } from '../../../components/Icon'

export interface HostKind {
  icon: IconName
  /** e.g. "Raspberry Pi", "openSUSE MicroOS", "Linux". */
  label: string
}

/** What a host is, for its icon: from its identification, else from what mDNS hinted. */
export function hostKind(host: Host): HostKind {
  const id = host.identification
  const hints = host.discovery?.hints
  const pi = id ? id.os.family === 'raspios' || Boolean(id.model?.startsWith('Raspberry Pi')) : hints?.raspberryPi
  if (pi) return { icon: 'pi', label: 'Raspberry Pi' }
  if (id ? id.os.family === 'microos' : hints?.microOs) return { icon: 'microos', label: 'openSUSE MicroOS' }
  return { icon: 'linux', label: id ? 'Linux' : 'Not identified yet' }
}

/** "4 CPU · 3.7 GB · aarch64 · Debian GNU/Linux 12", or why there are no facts yet. */
export function hostFacts(host: Host): string {
  const id = host.identification
  if (!id) return 'No facts yet: identify it on the Hosts screen'
  return `${id.cpus} CPU · ${(id.memoryMiB / 1024).toFixed(1)} GB · ${id.arch} · ${id.os.prettyName}`
}

export function hostName(host: Pick<Host, 'label' | 'address'>): string {
  return host.label ?? host.address
}
