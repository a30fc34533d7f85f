import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openssl, pkiIn, put } from '../pki/test-support'
import { tempDir } from '../vault/test-support'
import { KubeconfigService } from './kubeconfig-service'

function kubectl(...args: string[]): string {
  return execFileSync('kubectl', args, { encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: tempDir() } })
}

async function setup(flavour: 'kubeadm' | 'k3s' = 'kubeadm', env: NodeJS.ProcessEnv = {}) {
  const base = pkiIn()
  const home = tempDir('flotilla-home-')
  const kubeconfigs = new KubeconfigService({ ...base, store: base.stores('kubeconfigs'), env, home })
  const cluster = await base.clusters.create({ name: 'homelab', flavour, endpoint: '[fd00::10]:6443' })
  await base.pki.init(cluster.id, { algorithm: 'ECDSA-P256' })
  return { ...base, home, kubeconfigs, cluster }
}

/** A kubeconfig with three clusters, users and contexts, written by kubectl itself. */
function threeClusterKubeconfig(path: string): void {
  for (const name of ['prod', 'staging', 'kind-dev']) {
    kubectl('config', 'set-cluster', name, `--server=https://${name}.example:6443`, `--kubeconfig=${path}`)
    kubectl('config', 'set-credentials', `${name}-admin`, `--token=tok-${name}`, `--kubeconfig=${path}`)
    kubectl('config', 'set-context', name, `--cluster=${name}`, `--user=${name}-admin`, `--kubeconfig=${path}`)
  }
  kubectl('config', 'use-context', 'staging', `--kubeconfig=${path}`)
}

describe('kubeconfig export', () => {
  it('writes a new 0600 file kubectl reads, with an admin cert the cluster CA signed', async () => {
    const { kubeconfigs, cluster, pki, home } = await setup()
    const out = join(home, 'homelab.kubeconfig')
    const result = await kubeconfigs.export(cluster.id, { out, days: 30 })
    expect(statSync(out).mode & 0o777).toBe(0o600)
    const view = JSON.parse(kubectl('config', 'view', '--raw', '-o', 'json', `--kubeconfig=${out}`))
    expect(view['current-context']).toBe('flotilla-homelab')
    expect(view.clusters[0]).toMatchObject({ name: 'flotilla-homelab', cluster: { server: 'https://[fd00::10]:6443' } })
    const certPem = Buffer.from(view.users[0].user['client-certificate-data'], 'base64').toString()
    const caPem = Buffer.from(view.clusters[0].cluster['certificate-authority-data'], 'base64').toString()
    expect(caPem).toBe(pki.show(cluster.id)!.cas[0]!.pem)
    const dir = tempDir()
    expect(openssl(['verify', '-CAfile', put(dir, 'ca.crt', caPem), put(dir, 'admin.crt', certPem)])).toMatch(/OK/)
    const text = openssl(['x509', '-in', put(dir, 'admin.crt', certPem), '-noout', '-text'])
    expect(text).toMatch(/Subject: O = kubeadm:cluster-admins, CN = flotilla-admin\n/)
    expect(text).toMatch(/TLS Web Client Authentication/)
    expect(result.issued).toMatchObject({ subject: 'O=kubeadm:cluster-admins, CN=flotilla-admin', breakGlass: false })
    expect((Date.parse(result.issued.notAfter) - Date.now()) / 86_400_000).toBeCloseTo(30, 0)
    expect(result.warnings.join(' ')).toMatch(/Anyone with a copy/)
    expect(kubeconfigs.issued(cluster.id)).toEqual([result.issued])
  })

  it('never overwrites a file silently, and records nothing for a refused export', async () => {
    const { kubeconfigs, cluster, home } = await setup()
    const out = join(home, 'taken')
    writeFileSync(out, 'mine')
    await expect(kubeconfigs.export(cluster.id, { out })).rejects.toMatchObject({ code: 'FILE_EXISTS' })
    expect(readFileSync(out, 'utf8')).toBe('mine')
    expect(kubeconfigs.issued(null)).toEqual([])
    await kubeconfigs.export(cluster.id, { out, overwrite: true })
    expect(readFileSync(out, 'utf8')).toMatch(/flotilla-homelab/)
  })

  it('merges into a kubeconfig with three clusters: nothing lost, names unique, 0600, backup kept', async () => {
    const { kubeconfigs, cluster, home } = await setup()
    const path = join(home, '.kube', 'config')
    threeClusterKubeconfig(path)
    const before = readFileSync(path, 'utf8')
    const result = await kubeconfigs.export(cluster.id, { merge: true })
    expect(result.path).toBe(path)
    expect(result.currentContextChanged).toBe(false)
    expect(readFileSync(result.backupPath!, 'utf8')).toBe(before)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const contexts = kubectl('config', 'get-contexts', '-o', 'name', `--kubeconfig=${path}`).trim().split('\n')
    expect(contexts.sort()).toEqual(['flotilla-homelab', 'kind-dev', 'prod', 'staging'])
    const view = JSON.parse(kubectl('config', 'view', '--raw', '-o', 'json', `--kubeconfig=${path}`))
    expect(view['current-context']).toBe('staging')
    expect(view.users.find((u: { name: string }) => u.name === 'prod-admin').user.token).toBe('tok-prod')
    for (const list of [view.clusters, view.users, view.contexts]) {
      const names = list.map((x: { name: string }) => x.name)
      expect(new Set(names).size).toBe(names.length)
      expect(names).toHaveLength(4)
    }
    // Exporting again replaces its own entry instead of adding a second one, and can switch context.
    await kubeconfigs.export(cluster.id, { merge: true, useContext: true })
    const again = JSON.parse(kubectl('config', 'view', '--raw', '-o', 'json', `--kubeconfig=${path}`))
    expect(again.clusters).toHaveLength(4)
    expect(again['current-context']).toBe('flotilla-homelab')
    expect(kubeconfigs.issued(cluster.id)).toHaveLength(2)
  })

  it('merges into $KUBECONFIG’s first file, and leaves an unreadable kubeconfig untouched', async () => {
    const dir = tempDir()
    const first = join(dir, 'first.yaml')
    const { kubeconfigs, cluster } = await setup('kubeadm', { KUBECONFIG: `${first}:${join(dir, 'second.yaml')}` })
    writeFileSync(first, 'clusters: [not, a, kubeconfig')
    await expect(kubeconfigs.export(cluster.id, { merge: true })).rejects.toMatchObject({ code: 'KUBECONFIG_INVALID' })
    expect(readFileSync(first, 'utf8')).toBe('clusters: [not, a, kubeconfig')
    writeFileSync(first, '')
    await kubeconfigs.export(cluster.id, { merge: true })
    expect(kubectl('config', 'get-contexts', '-o', 'name', `--kubeconfig=${first}`).trim()).toBe('flotilla-homelab')
    expect(existsSync(join(dir, 'second.yaml'))).toBe(false)
  })

  it('mints system:masters only as an explicit break-glass, and requires it on k3s', async () => {
    const { kubeconfigs, cluster, home } = await setup('k3s')
    await expect(kubeconfigs.export(cluster.id, { out: join(home, 'k') })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { fields: { breakGlass: expect.any(String) } },
    })
    const result = await kubeconfigs.export(cluster.id, { out: join(home, 'k'), breakGlass: true })
    expect(result.issued.subject).toBe('O=system:masters, CN=flotilla-break-glass')
    expect(result.warnings.join(' ')).toMatch(/bypasses RBAC/)
  })
})
