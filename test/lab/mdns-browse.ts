/**
 * `lab.sh browse [SECONDS]`: list what mDNS shows from the desk, like `avahi-browse -arpt` would
 * (avahi-browse needs a local avahi-daemon and D-Bus, which the desk does not run).
 * Output: one line per service: type, instance, host:port, addresses, TXT.
 */
import { browse, serviceTypes } from './mdns'

const seconds = Number(process.argv[2] ?? '3')
const opts = { timeoutMs: Math.max(1000, seconds * 1000) }

const types = await serviceTypes(opts)
if (types.length === 0) console.log('(no services advertised)')
for (const type of types) {
  for (const s of await browse(type, opts)) {
    const txt = s.txt.length > 0 ? `  txt=${JSON.stringify(s.txt)}` : ''
    console.log(`${type}\t${s.instance}\t${s.host}:${s.port}\t${s.addresses.join(',')}${txt}`)
  }
}
