// flotilla-sim: SIMULATOR. sd_notify(3) for the stand-ins that run as Type=notify services
// (containerd, k3s): the systemctl stand-in sets NOTIFY_SOCKET to a file and waits for READY=1 in
// it, as systemd waits on its notification socket. Outside a Type=notify unit this does nothing.
import fs from 'node:fs'

export function notifyReady() {
  const target = process.env.NOTIFY_SOCKET
  if (target && target.startsWith('/run/flotilla-sim/')) fs.writeFileSync(target, 'READY=1\n')
}
