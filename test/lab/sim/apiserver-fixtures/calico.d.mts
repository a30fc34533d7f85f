// Types for calico.mjs (a SIMULATOR test fixture).
export const CALICO_VERSION: string
export const CALICO_URL: string
export const CALICO_CRDS: [plural: string, kind: string, scope: 'Cluster' | 'Namespaced', status?: boolean][]
export function calicoDocuments(): {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string }
}[]
export function calicoYaml(): string
