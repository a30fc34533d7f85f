import { beforeEach, describe, expect, it } from 'vitest'
import type { DesignCheck, MoveVerdict } from '../../../shared/channels/clusters'
import type { Host } from '../../../shared/types'

// The store talks only to window.api: a stand-in that records what would be saved.
const calls: { setRole: unknown[][]; import: unknown[][] } = { setRole: [], import: [] }
let importError: unknown
let revision = 3
const check = (): DesignCheck => ({
  id: 'c1',
  revision,
  spec: {
    apiVersion: 'flotilla/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'homelab' },
    spec: {
      flavour: 'kubeadm',
      kubernetesVersion: '1.32',
      endpoint: { address: '10.0.0.10:6443' },
      etcd: 'stacked',
      network: { cni: 'calico', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' },
      devCluster: false,
      nodes: [],
    },
  },
  nodes: [],
  unassigned: ['h1'],
  problems: [],
  quorum: 'No control planes: the cluster has no API server.',
  kubernetesVersions: ['1.32'],
})
const refused: MoveVerdict['reasons'] = [
  { code: 'ram-low', severity: 'blocking', message: 'pi: 906 MB RAM: too little for a control plane.', next: 'x' },
]
const verdicts: MoveVerdict[] = [
  { target: 'control-plane', current: false, allowed: false, reasons: refused, notes: [] },
  { target: 'worker', current: false, allowed: true, reasons: [], notes: [] },
  { target: 'etcd', current: false, allowed: true, reasons: [], notes: [] },
  { target: 'endpoint', current: false, allowed: true, reasons: [], notes: [] },
  { target: 'none', current: true, allowed: true, reasons: [], notes: [] },
]
;(globalThis as unknown as { window: unknown }).window = {
  api: {
    clusters: {
      check: async () => check(),
      checkMove: async () => verdicts,
      setRole: async (...args: unknown[]) => {
        calls.setRole.push(args)
        revision++
      },
      import: async (...args: unknown[]) => {
        calls.import.push(args)
        if (importError) throw importError
        revision++
      },
    },
  },
}
const { useDesigner } = await import('./designer.store')
const host = { id: 'h1', address: '10.0.0.21', label: 'pi' } as Host

beforeEach(async () => {
  calls.setRole = []
  calls.import = []
  importError = undefined
  revision = 3
  useDesigner.setState({ check: undefined, verdicts: undefined, rejection: undefined, notice: undefined })
  await useDesigner.getState().refresh('c1')
})

describe('the designer store', () => {
  it('saves nothing for a refused move and keeps its reasons for the place it was dropped on', async () => {
    await useDesigner.getState().move('c1', host, 'control-plane')
    expect(calls.setRole).toEqual([])
    expect(calls.import).toEqual([])
    expect(useDesigner.getState().rejection).toEqual({ hostId: 'h1', target: 'control-plane', reasons: refused })
  })

  it('saves a role with set-role, does nothing where the host already is, and shows the new revision', async () => {
    await useDesigner.getState().move('c1', host, 'none')
    expect(calls.setRole).toEqual([])
    await useDesigner.getState().move('c1', host, 'worker')
    expect(calls.setRole).toEqual([['c1', 'h1', 'worker']])
    expect(useDesigner.getState().check?.revision).toBe(4)
    expect(useDesigner.getState().rejection).toBeUndefined()
  })

  it('makes a host the HAProxy endpoint through import with the revision it read', async () => {
    await useDesigner.getState().move('c1', host, 'endpoint')
    expect(calls.import).toHaveLength(1)
    const [spec, options] = calls.import[0] as [DesignCheck['spec'], { expectedRevision: number }]
    expect(spec.spec.endpoint).toEqual({ haproxy: { host: 'pi', port: 6443 } })
    expect(options).toEqual({ expectedRevision: 3 })
  })

  it('says a CONFLICT in words and reloads the spec', async () => {
    importError = { code: 'CONFLICT', message: 'homelab was changed elsewhere since you read it' }
    revision = 7 // saved elsewhere meanwhile
    await useDesigner.getState().move('c1', host, 'endpoint')
    expect(useDesigner.getState().notice?.text).toMatch(/changed elsewhere; the designer reloaded it/)
    expect(useDesigner.getState().check?.revision).toBe(7)
  })
})
