import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { applyOrder, describeObject, parseManifest } from './apply-manifest'

const crd = (name: string) =>
  `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\n`
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: kube-system\n`

function failure(text: string): AppError {
  try {
    parseManifest(text)
  } catch (e) {
    return e as AppError
  }
  throw new Error('parseManifest accepted it')
}

describe('parseManifest', () => {
  it('reads every document in order and skips empty ones (leading ---, comments only)', () => {
    const objs = parseManifest(`---\n# a comment\n---\n${cm('a')}---\n---\n${crd('x.example.org')}`)
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/a',
      'CustomResourceDefinition/x.example.org',
    ])
    expect(objs[0]!.metadata.namespace).toBe('kube-system')
  })

  it('names the document that is not valid YAML, including a duplicate key', () => {
    const bad = failure(`${cm('a')}---\nkind: [unclosed\n`)
    expect(bad).toBeInstanceOf(AppError)
    expect(bad.code).toBe('INVALID_INPUT')
    expect(bad.message).toMatch(/^Document 2 of the manifest is not valid YAML: /)
    expect(bad.details).toEqual({ document: 2 })
    const dup = failure(`${cm('a')}kind: Secret\n`)
    expect(dup.message).toMatch(/^Document 1 of the manifest is not valid YAML: .*[Mm]ap keys must be unique/)
  })

  it('refuses a document without apiVersion, kind or metadata.name, a scalar and a List', () => {
    expect(failure(`${cm('a')}---\nkind: ConfigMap\nmetadata: {name: b}\n`).message).toBe(
      'Document 2 of the manifest has no apiVersion.',
    )
    expect(failure('apiVersion: v1\nmetadata: {name: b}\n').message).toBe('Document 1 of the manifest has no kind.')
    expect(failure('apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: b-}\n').message).toBe(
      'Document 1 of the manifest (ConfigMap) has no metadata.name.',
    )
    expect(failure('apiVersion: v1\nkind: ConfigMap\n').message).toBe(
      'Document 1 of the manifest (ConfigMap) has no metadata.name.',
    )
    expect(failure('just a string\n').message).toBe(
      'Document 1 of the manifest is not a Kubernetes object (not a mapping).',
    )
    expect(failure('- a\n- b\n').message).toBe('Document 1 of the manifest is not a Kubernetes object (not a mapping).')
    expect(failure('apiVersion: v1\nkind: List\nmetadata: {name: l}\nitems: []\n').message).toMatch(
      /^Document 1 of the manifest is a List; list documents are not applied/,
    )
  })
})

describe('applyOrder', () => {
  it('puts CustomResourceDefinitions first and keeps the manifest order otherwise', () => {
    const objs = parseManifest(
      [
        cm('first'),
        crd('b.example.org'),
        'apiVersion: example.org/v1\nkind: B\nmetadata: {name: b1}\n',
        crd('a.example.org'),
        cm('last'),
      ].join('---\n'),
    )
    const { crds, rest } = applyOrder(objs)
    expect(crds.map((o) => o.metadata.name)).toEqual(['b.example.org', 'a.example.org'])
    expect(rest.map((o) => o.metadata.name)).toEqual(['first', 'b1', 'last'])
  })

  it('treats only apiextensions.k8s.io/v1 CustomResourceDefinitions as CRDs', () => {
    const objs = parseManifest('apiVersion: example.org/v1\nkind: CustomResourceDefinition\nmetadata: {name: c}\n')
    expect(applyOrder(objs).crds).toEqual([])
  })
})

describe('describeObject', () => {
  it('names namespaced and cluster-scoped objects', () => {
    expect(describeObject({ kind: 'DaemonSet', namespace: 'kube-system', name: 'calico-node' })).toBe(
      'DaemonSet kube-system/calico-node',
    )
    expect(describeObject({ kind: 'ClusterRole', name: 'calico-node' })).toBe('ClusterRole calico-node')
  })
})
