// flotilla-sim: SIMULATOR. sd_notify(3) for the stand-ins that run as Type=notify services
// (containerd, k3s): the systemctl stand-in sets NOTIFY_SOCKET to a datagram socket (for real
// binaries, e.g. haproxy) and waits for READY=1 in the file `notify` next to it, which its socket
// listener fills; the stand-ins write that file directly. Outside a Type=notify unit this does nothing.
import fs from 'node:fs'
import path from 'node:path'

export function notifyReady() {
  const target = process.env.NOTIFY_SOCKET
  if (target && target.startsWith('/run/flotilla-sim/'))
    fs.appendFileSync(path.join(path.dirname(target), 'notify'), 'READY=1\n')
}
