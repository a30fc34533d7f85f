import type { DiscoveryHints } from '../../../shared/types'

/**
 * Raspberry Pi MAC blocks, checked against the IEEE registry (domain.md §9). A table in code
 * rather than an OUI package: nine entries do not justify a multi-megabyte dependency, and the
 * 2022 Debian snapshot misses the Pi 5-era blocks anyway. MA-M/MA-S blocks are longer prefixes.
 */
const PI_MAC_PREFIXES: readonly { prefix: string; owner: string }[] = [
  { prefix: 'b8:27:eb', owner: 'Raspberry Pi Foundation' },
  { prefix: 'dc:a6:32', owner: 'Raspberry Pi Trading Ltd' },
  { prefix: 'e4:5f:01', owner: 'Raspberry Pi Trading Ltd' },
  { prefix: '28:cd:c1', owner: 'Raspberry Pi Trading Ltd' },
  { prefix: 'd8:3a:dd', owner: 'Raspberry Pi Trading Ltd' },
  { prefix: '2c:cf:67', owner: 'Raspberry Pi (Trading) Ltd' },
  { prefix: '88:a2:9e', owner: 'Raspberry Pi (Trading) Ltd' },
  { prefix: '98:fe:54', owner: 'Raspberry Pi (Trading) Ltd' },
  { prefix: 'f0:40:af:9', owner: 'Raspberry Pi (Trading) Ltd' },
  { prefix: '8c:1f:64:34:a', owner: 'Raspberry Pi (Trading) Ltd' },
]

/** The registered owner when `mac` is in a Raspberry Pi block, else undefined. */
export function raspberryPiOui(mac: string): string | undefined {
  const hex = mac.toLowerCase()
  return PI_MAC_PREFIXES.find((p) => hex.startsWith(p.prefix))?.owner
}

/** "aa:bb:cc:dd:ee:ff" in lower case, or undefined when `text` is not a MAC. */
export function normaliseMac(text: string): string | undefined {
  const m =
    /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i.exec(
      text.trim(),
    )
  return m ? m.slice(1).join(':').toLowerCase() : undefined
}

/** avahi's `_workstation._tcp` instance name is "hostname [aa:bb:cc:dd:ee:ff]": the MAC in it. */
export function macFromWorkstationName(name: string): string | undefined {
  const m = /\[([0-9a-f:-]{17})\]\s*$/i.exec(name)
  return m ? normaliseMac(m[1]!) : undefined
}

/** What the machine advertised, as far as the hints care. */
export interface HintInput {
  hostname: string
  mac?: string
  /** TXT `model=` of `_device-info._tcp`. */
  model?: string
  /** All TXT values seen, lower-cased, to look for an OS name. */
  txtValues: string[]
}

/** Guesses Pi / MicroOS from what mDNS showed, with the reason for every guess. */
export function hintsFor(input: HintInput): DiscoveryHints {
  const reasons: string[] = []
  let raspberryPi = false
  let microOs = false
  const host = input.hostname.toLowerCase()
  const owner = input.mac ? raspberryPiOui(input.mac) : undefined
  if (owner) {
    raspberryPi = true
    reasons.push(`MAC ${input.mac!.toUpperCase()} belongs to ${owner}`)
  }
  if (input.model && /raspberry\s*pi/i.test(input.model)) {
    raspberryPi = true
    reasons.push(`advertises model "${input.model}"`)
  }
  if (!raspberryPi && /(^|[-_.])(raspberrypi|rpi\d*|pi\d*)([-_.]|$)|^raspberrypi/.test(host)) {
    raspberryPi = true
    reasons.push(`host name "${input.hostname}" suggests a Raspberry Pi`)
  }
  if (/microos|kubic/.test(host)) {
    microOs = true
    reasons.push(`host name "${input.hostname}" suggests openSUSE MicroOS`)
  } else if (input.txtValues.some((v) => v.includes('microos'))) {
    microOs = true
    reasons.push('its mDNS TXT record names openSUSE MicroOS')
  }
  return { raspberryPi, microOs, ...(input.model ? { model: input.model } : {}), reasons }
}
