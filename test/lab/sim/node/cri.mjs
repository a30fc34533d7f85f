// FLOTILLA SIMULATOR: which runtime stand-in answers on a CRI endpoint, for the kubelet and kubeadm
// stand-ins. A runtime publishes what it read from its configuration while it listens
// (containerd.mjs: /run/flotilla-sim/containerd.json, crio.mjs: /run/flotilla-sim/crio.json);
// an endpoint answers only when its socket exists and the runtime that owns it says its CRI is on.
import fs from 'node:fs'

const RUNTIMES = {
  '/run/containerd/containerd.sock': '/run/flotilla-sim/containerd.json',
  '/run/crio/crio.sock': '/run/flotilla-sim/crio.json',
}

export const socketPath = (endpoint) => endpoint.replace(/^unix:\/\//, '').replace(/^\/var\/run\//, '/run/')

/**
 * What the runtime at `endpoint` reported, as { name, cri, cgroupDriver, version }, or null when
 * nothing answers there (no socket, or a socket no runtime stand-in owns).
 */
export function runtimeAt(endpoint) {
  const socket = socketPath(endpoint)
  const state = RUNTIMES[socket]
  try {
    if (!state || !fs.statSync(socket).isSocket()) return null
    const r = JSON.parse(fs.readFileSync(state, 'utf8'))
    if (state.endsWith('containerd.json'))
      return {
        name: 'containerd',
        cri: r.cri === true,
        cgroupDriver: r.systemdCgroup ? 'systemd' : 'cgroupfs',
        version: '1.7.24',
      }
    return { name: 'cri-o', cri: r.cri === true, cgroupDriver: r.cgroupDriver, version: r.version }
  } catch {
    return null
  }
}
