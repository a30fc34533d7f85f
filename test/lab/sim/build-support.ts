/**
 * What the sim tests and benchmarks that build a cluster with `flotilla apply` share: a lab with
 * every node added, trusted and probed, a spec file, the CLI in-process (its output kept for the
 * secrets check), and the real kubectl on the desk. Test infrastructure, not Flotilla.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { runCli } from '../../../src/main/cli/main'
import { installLabKey, testApp, type TestApp } from '../../integration/ssh-app'
import { useLab, type Lab, type LabNode } from '../harness'

export const PASSPHRASE = 'lab vault passphrase, long enough to pass'

export interface BuildSetup {
  lab: Lab
  app: TestApp
  specFile: string
  scratch: string
  out: string[]
}

/** A lab, the app with every node trusted and probed, and a spec file naming them. */
export async function buildSetup(
  profiles: string[],
  spec: (nodes: LabNode[]) => string,
  /** Runs on the lab before its nodes are added (e.g. gives two Pis one sudo password). */
  prepare?: (lab: Lab) => Promise<void>,
): Promise<BuildSetup> {
  const lab = await useLab({ profiles })
  await prepare?.(lab)
  const app = testApp()
  installLabKey(app, lab.keyPath)
  const ids: string[] = []
  for (const node of lab.nodes) {
    const host = await app.addNode(node)
    await app.api.ssh.trust(host.id, node.hostKeyFingerprint!)
    ids.push(host.id)
  }
  for (const [i, node] of lab.nodes.entries())
    if (node.password) await app.api.ssh.provideSecret(ids[i]!, 'sudo', node.password)
  expect((await app.api.ssh.check(ids)).filter((c) => !c.ok)).toEqual([])
  expect((await app.api.discovery.probe(ids)).filter((p) => !p.ok)).toEqual([])
  const scratch = mkdtempSync(join(tmpdir(), 'apply-kubeadm-'))
  const specFile = join(scratch, 'homelab.yaml')
  writeFileSync(specFile, spec(lab.nodes))
  return { lab, app, specFile, scratch, out: [] }
}

export async function cli(s: BuildSetup, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const password = s.lab.nodes.find((n) => n.password)?.password
  if (password) process.env.FLOTILLA_SUDO_PASSWORD = password
  process.env.FLOTILLA_VAULT_PASSPHRASE = PASSPHRASE
  const code = await runCli(
    ['--data-dir', s.app.dataDir, ...args],
    { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    { sshEnvironment: { home: s.app.home, agent: undefined } },
  )
  s.out.push(stdout, stderr)
  return { code, stdout, stderr }
}

/** The real kubectl on the desk with a kubeconfig file. */
export function kubectl(kubeconfig: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

export const homelab = (
  lb: LabNode,
  nodes: { node: LabNode; roles: string }[],
  extra = '',
) => `apiVersion: flotilla/v1alpha1
kind: Cluster
metadata:
  name: homelab
spec:
  flavour: kubeadm
  kubernetesVersion: "1.32"
  endpoint:
    haproxy: { host: ${lb.hostname}, port: 6443 }
  network: { podSubnet: 172.20.0.0/16, serviceSubnet: 172.21.0.0/16 }
${extra}  nodes:
${nodes.map((n) => `    - { host: ${n.node.hostname}, roles: [${n.roles}] }`).join('\n')}
`

export { HA_PROFILES } from './ha-profiles'

/** The HA lab's spec: the first node is the HAProxy host, then 3 control planes and 2 workers. */
export const haSpec = ([lb, cp1, cp2, cp3, w1, w2]: LabNode[]) =>
  homelab(lb!, [
    { node: cp1!, roles: 'control-plane' },
    { node: cp2!, roles: 'control-plane' },
    { node: cp3!, roles: 'control-plane' },
    { node: w1!, roles: 'worker' },
    { node: w2!, roles: 'worker' },
  ])
