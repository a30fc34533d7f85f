import type { NetworkInterface, SudoMode } from '../../../shared/types'
import { parseInterfaces } from './probe-network'
import { SECTION_MARK, WATCHED_PORTS } from './probe-script'

/** What the probe script printed, parsed; no verdicts yet. */
export interface ProbeFacts {
  osRelease: Record<string, string>
  rpiIssue: boolean
  arch: string
  kernel: string
  hostname: string
  /** Pi model from the device tree, else from /proc/cpuinfo's "Model" line. */
  model?: string
  cpus: number
  memoryKiB: number
  swapKiB: number
  swapDevices: string[]
  diskFreeKiB: number
  cgroupControllers: string[]
  /** From /proc/cgroups: is the memory controller enabled (v1 view)? undefined if not listed. */
  cgroupsMemoryEnabled?: boolean
  cmdline: string
  firmwareCmdline?: string
  runtimes: string[]
  leftoverPaths: string[]
  /** Directories that exist but could not be read (no passwordless sudo): not judged. */
  uncheckedPaths: string[]
  processes: string[]
  listeningPorts: number[]
  machineId: string
  /** Interfaces with MAC and addresses (loopback left out). */
  interfaces: NetworkInterface[]
  /** Remote clock, ms since the epoch (NaN when missing). */
  remoteClockMs: number
  /** The output reached its end marker (not cut short). */
  complete: boolean
}

/** Splits the output into sections by their mark lines. */
export function splitSections(output: string): Map<string, string> {
  const sections = new Map<string, string>()
  let name: string | undefined
  let lines: string[] = []
  for (const line of output.split('\n')) {
    if (line.startsWith(SECTION_MARK + ' ')) {
      if (name !== undefined) sections.set(name, lines.join('\n').trim())
      name = line.slice(SECTION_MARK.length + 1).trim()
      lines = []
    } else if (name !== undefined) lines.push(line)
  }
  if (name !== undefined) sections.set(name, lines.join('\n').trim())
  return sections
}

/** `KEY=value` / `KEY="value"` lines of os-release (shell-quoted values unquoted). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
    if (!m) continue
    let value = m[2]!
    if (/^".*"$/.test(value)) value = value.slice(1, -1).replace(/\\(["\\$`])/g, '$1')
    else if (/^'.*'$/.test(value)) value = value.slice(1, -1)
    out[m[1]!] = value
  }
  return out
}

/** Ports in LISTEN state (st 0A) from /proc/net/tcp and tcp6, limited to the watched ones. */
export function parseListeningPorts(text: string): number[] {
  const ports = new Set<number>()
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/)
    if (cols.length < 4 || cols[3] !== '0A') continue
    const port = parseInt(cols[1]!.split(':').pop() ?? '', 16)
    if ((WATCHED_PORTS as readonly number[]).includes(port)) ports.add(port)
  }
  return [...ports].sort((a, b) => a - b)
}

/** The leftover check's lines: "DIR" holds files, "? DIR" could not be read (see LEFTOVER_CHECK). */
export function parseLeftovers(text: string): { leftoverPaths: string[]; uncheckedPaths: string[] } {
  const all = lines(text)
  return {
    leftoverPaths: all.filter((l) => l.startsWith('/')),
    uncheckedPaths: all.filter((l) => l.startsWith('? ')).map((l) => l.slice(2).trim()),
  }
}

function kib(meminfo: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(meminfo)
  return m ? Number(m[1]) : 0
}

function lines(text: string | undefined): string[] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
}

/** Parses the probe script's whole output. */
export function parseProbeOutput(output: string): ProbeFacts {
  const s = splitSections(output)
  const cpuinfoModel = /^Model\s*:\s*(.+)$/m.exec(s.get('cpuinfo') ?? '')?.[1]?.trim()
  const dtModel = s.get('model')?.replace(/\0/g, '').trim()
  const model = dtModel || cpuinfoModel || undefined
  const swaps = lines(s.get('swaps')).slice(1)
  const df = (s.get('df') ?? '').split(/\s+/)
  const memLine = lines(s.get('cgroups')).find((l) => l.startsWith('memory'))
  const clock = Number(s.get('clock'))
  const firmware = s.get('firmware-cmdline')
  return {
    osRelease: parseOsRelease(s.get('os-release') ?? ''),
    rpiIssue: s.get('rpi-issue') === 'yes',
    arch: s.get('arch') ?? '',
    kernel: s.get('kernel') ?? '',
    hostname: s.get('hostname') ?? '',
    ...(model ? { model } : {}),
    cpus: Number(s.get('cpus')) || 0,
    memoryKiB: kib(s.get('meminfo') ?? '', 'MemTotal'),
    swapKiB: kib(s.get('meminfo') ?? '', 'SwapTotal'),
    swapDevices: swaps.map((l) => l.split(/\s+/)[0]!).filter(Boolean),
    diskFreeKiB: Number(df[3]) || 0,
    cgroupControllers: (s.get('cgroup-controllers') ?? '').split(/\s+/).filter(Boolean),
    ...(memLine ? { cgroupsMemoryEnabled: memLine.split(/\s+/)[3] === '1' } : {}),
    cmdline: s.get('cmdline') ?? '',
    ...(firmware ? { firmwareCmdline: firmware } : {}),
    runtimes: lines(s.get('runtimes')),
    ...parseLeftovers(s.get('leftovers') ?? ''),
    processes: [...new Set(lines(s.get('processes')))],
    listeningPorts: parseListeningPorts(s.get('listen') ?? ''),
    machineId: (s.get('machine-id') ?? '').trim(),
    interfaces: parseInterfaces(s),
    remoteClockMs: Number.isFinite(clock) && clock > 0 ? Math.round(clock / 1e6) : NaN,
    complete: s.has('end'),
  }
}

/** The answers of `loginCheckScript`, or undefined when the output was cut short. */
export function parseLoginCheck(output: string): { user: string; os?: string; sudo: SudoMode } | undefined {
  const s = splitSections(output)
  if (!s.has('end')) return undefined
  const release = parseOsRelease(s.get('os-release') ?? '')
  const os = release.PRETTY_NAME || [release.NAME, release.VERSION_ID].filter(Boolean).join(' ')
  const sudoLine = s.get('sudo')
  const sudo = sudoLine === 'root' || sudoLine === 'nopasswd' ? sudoLine : 'password'
  return { user: s.get('user') ?? '', sudo, ...(os ? { os } : {}) }
}
