import { describe, expect, it } from 'vitest'
import { isNetwork } from '../../../shared/cluster-spec'
import type { AppError } from '../../../shared/errors'
import { readSpecYaml, writeSpecYaml, type SpecProblem } from './spec-yaml'

// The example, comments and flow style included.
const HOMELAB = `apiVersion: flotilla/v1alpha1
kind: Cluster
metadata:
  name: homelab
spec:
  flavour: kubeadm              # kubeadm | k3s
  kubernetesVersion: "1.32"
  endpoint:
    haproxy: { host: lb-1, port: 6443 }
  etcd: stacked
  network:
    cni: calico
    podSubnet: 10.244.0.0/16
    serviceSubnet: 10.96.0.0/12
  devCluster: false
  nodes:
    - { host: kitchen-pi, roles: [control-plane] }
    - { host: garage-pi,  roles: [control-plane] }
    - { host: microos-1,  roles: [control-plane] }
    - { host: attic-pi,   roles: [worker] }
`

function problemsOf(text: string): SpecProblem[] {
  try {
    readSpecYaml(text, 'homelab.yaml')
  } catch (e) {
    const error = e as AppError
    expect(error.code).toBe('INVALID_INPUT')
    return (error.details as { problems: SpecProblem[] }).problems
  }
  throw new Error('expected the spec to be refused')
}

describe('cluster spec YAML', () => {
  it('reads the documented example', () => {
    const spec = readSpecYaml(HOMELAB)
    expect(spec.metadata.name).toBe('homelab')
    expect(spec.spec.endpoint).toEqual({ haproxy: { host: 'lb-1', port: 6443 } })
    expect(spec.spec.nodes.map((n) => `${n.host}:${n.roles.join('+')}`)).toEqual([
      'kitchen-pi:control-plane',
      'garage-pi:control-plane',
      'microos-1:control-plane',
      'attic-pi:worker',
    ])
  })

  it('round-trips: export → import is the identity, and export is stable', () => {
    const spec = readSpecYaml(HOMELAB)
    const text = writeSpecYaml(spec)
    expect(readSpecYaml(text)).toEqual(spec)
    expect(writeSpecYaml(readSpecYaml(text))).toBe(text)
  })

  it('fills the documented defaults and writes them out', () => {
    const minimal = `apiVersion: flotilla/v1alpha1
kind: Cluster
metadata: { name: edge }
spec:
  flavour: k3s
  kubernetesVersion: "1.32"
  endpoint: { address: k8s.home.arpa:6443 }
`
    const spec = readSpecYaml(minimal)
    expect(spec.spec).toMatchObject({
      etcd: 'stacked',
      network: { cni: 'calico', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' },
      devCluster: false,
      nodes: [],
    })
    expect(writeSpecYaml(spec)).toContain('serviceSubnet: 10.96.0.0/12')
  })

  it('refuses an unknown field with its line and the fields that exist there', () => {
    const text = HOMELAB.replace('    cni: calico', '    cnii: calico')
    expect(problemsOf(text)).toEqual([
      {
        path: 'spec.network.cnii',
        line: 12,
        message: '"spec.network.cnii" is not a field Flotilla knows (cni, podSubnet, serviceSubnet).',
      },
    ])
    const inNode = problemsOf(
      HOMELAB.replace('{ host: attic-pi,   roles: [worker] }', '{ host: attic-pi, role: worker }'),
    )
    expect(inNode.map((p) => [p.path, p.line])).toEqual([
      ['spec.nodes.3.roles', 20],
      ['spec.nodes.3.role', 20],
    ])
  })

  it('says where a value is wrong, in sentences', () => {
    const problems = problemsOf(
      HOMELAB.replace('"1.32"', '1.32').replace('10.244.0.0/16', '10.244.1.0/8').replace('[worker]', '[workr]'),
    )
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['spec.kubernetesVersion', 7],
      ['spec.network.podSubnet', 13],
      ['spec.nodes.3.roles.0', 20],
    ])
    expect(problems[0]!.message).toMatch(/minor, e\.g\. "1\.32" \(in quotes in YAML\)/)
    expect(problems[1]!.message).toMatch(/no host bits set/)
    expect(problems[2]!.message).toMatch(/A role is one of control-plane, worker, etcd\./)
  })

  it('needs exactly one endpoint', () => {
    const both = HOMELAB.replace(
      '    haproxy: { host: lb-1, port: 6443 }',
      '    haproxy: { host: lb-1 }\n    address: 10.0.0.1:6443',
    )
    expect(problemsOf(both)[0]!.message).toMatch(/exactly one endpoint/)
    const none = HOMELAB.replace('  endpoint:\n    haproxy: { host: lb-1, port: 6443 }\n', '  endpoint: {}\n')
    expect(problemsOf(none)[0]).toMatchObject({ path: 'spec.endpoint', line: 8 })
  })

  it('refuses broken YAML and a field given twice, with the line', () => {
    expect(problemsOf(HOMELAB.replace('  etcd: stacked', '  etcd: stacked\n  etcd: external'))[0]).toMatchObject({
      line: 11,
      message: 'A field is given twice.',
    })
    expect(problemsOf(HOMELAB.replace('    cni: calico', '    cni: [calico'))[0]!.message).toMatch(/^Not valid YAML/)
  })

  it('refuses another apiVersion or kind', () => {
    expect(problemsOf(HOMELAB.replace('flotilla/v1alpha1', 'flotilla/v2')).map((p) => p.message)).toEqual([
      'apiVersion: Use flotilla/v1alpha1.',
    ])
  })

  it('knows a network from an address', () => {
    for (const ok of ['10.244.0.0/16', '10.96.0.0/12', '192.168.1.0/24', 'fd00:10:244::/56', '0.0.0.0/0'])
      expect(isNetwork(ok), ok).toBe(true)
    for (const bad of ['10.244.1.0/8', '10.96.0.0', '10.0.0.0/33', 'fd00::1/64', '::ffff:10.0.0.0/104', 'x/8'])
      expect(isNetwork(bad), bad).toBe(false)
  })
})
