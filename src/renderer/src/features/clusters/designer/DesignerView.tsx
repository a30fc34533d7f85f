import { useCallback, useEffect, useMemo } from 'react'
import type { DesignTarget } from '../../../../../shared/channels/clusters'
import type { Cluster } from '../../../../../shared/types'
import { asError } from '../../../errors'
import { useDesigner } from '../../../stores/designer.store'
import { useHosts } from '../../../stores/hosts.store'
import { useNav } from '../../../stores/nav.store'
import { SpecPanel } from './SpecPanel'
import { TopologyCanvas } from './TopologyCanvas'
import './designer.css'

/**
 * The designer (issue 14 §1): the saved spec drawn as a topology, moves that save at once (a
 * refused one explains itself at its place and saves nothing), the spec panel, Export YAML (the
 * same text `flotilla clusters export` prints) and the one primary action, Review plan.
 */
export function DesignerView({ cluster }: { cluster: Cluster }) {
  const hostList = useHosts((s) => s.hosts)
  const hostsLoaded = useHosts((s) => s.loaded)
  const check = useDesigner((s) => (s.check?.id === cluster.id ? s.check : undefined))
  const verdicts = useDesigner((s) => s.verdicts)
  const rejection = useDesigner((s) => s.rejection)
  const notice = useDesigner((s) => s.notice)
  const saving = useDesigner((s) => s.saving)
  const open = useNav((s) => s.open)

  useEffect(() => {
    if (!hostsLoaded) void useHosts.getState().load()
  }, [hostsLoaded])
  // The saved spec changed (here, in the CLI, another window) or the inventory did: judge it again.
  useEffect(() => {
    void useDesigner.getState().refresh(cluster.id)
  }, [cluster.id, cluster.revision, hostList])
  useEffect(() => () => useDesigner.getState().dismiss(), [cluster.id])

  const hosts = useMemo(() => new Map(hostList.map((h) => [h.id, h])), [hostList])
  const onPick = useCallback(
    (hostId: string) => void useDesigner.getState().verdictsFor(cluster.id, hostId),
    [cluster.id],
  )
  const onMove = useCallback(
    (hostId: string, target: DesignTarget) => {
      const host = useHosts.getState().hosts.find((h) => h.id === hostId)
      if (host) void useDesigner.getState().move(cluster.id, host, target)
    },
    [cluster.id],
  )
  const onRemoveRef = useCallback((ref: string) => void useDesigner.getState().removeRef(cluster.id, ref), [cluster.id])
  const onDismiss = useCallback(() => useDesigner.getState().dismiss(), [])
  const onSave = useCallback(
    (spec: Parameters<ReturnType<typeof useDesigner.getState>['saveSpec']>[1], revision: number) =>
      useDesigner.getState().saveSpec(cluster.id, spec, revision),
    [cluster.id],
  )

  const exportYaml = async () => {
    try {
      const text = await window.api.clusters.export(cluster.id)
      const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }))
      const a = document.createElement('a')
      a.href = url
      a.download = `${cluster.name}.yaml`
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 0)
    } catch (raw) {
      const error = asError(raw)
      useDesigner.setState({ notice: { kind: 'error', text: error.message, code: error.code } })
    }
  }

  const blocking = check?.problems.filter((p) => p.severity === 'blocking').length ?? 0
  return (
    <section className="designer" aria-label="Design">
      <div className="designer-bar">
        <p className="designer-summary" aria-live="polite">
          {!check
            ? 'Loading the spec…'
            : saving
              ? 'Saving…'
              : `Revision ${check.revision} saved. ${
                  blocking === 0
                    ? 'Nothing blocks a plan.'
                    : `${blocking} ${blocking === 1 ? 'problem blocks' : 'problems block'} a plan.`
                }`}
        </p>
        <div className="designer-actions">
          <button type="button" className="button" onClick={() => void exportYaml()}>
            Export YAML
          </button>
          <button
            type="button"
            className="button button-primary"
            onClick={() => open({ screen: 'clusters', cluster: cluster.name, view: 'plan' })}
          >
            Review plan
          </button>
        </div>
      </div>
      {notice && (
        <div
          className={`designer-notice designer-notice-${notice.kind}`}
          role={notice.kind === 'error' ? 'alert' : 'status'}
        >
          <span>
            {notice.text} {notice.code && <code className="problem-code">{notice.code}</code>}
          </span>
          <button type="button" className="link-button" onClick={onDismiss}>
            Dismiss
          </button>
        </div>
      )}
      {check && (
        <TopologyCanvas
          check={check}
          hosts={hosts}
          verdicts={verdicts?.clusterId === cluster.id && verdicts.revision === check.revision ? verdicts : undefined}
          rejection={rejection}
          onPick={onPick}
          onMove={onMove}
          onRemoveRef={onRemoveRef}
          onDismissRejection={onDismiss}
          aside={<SpecPanel key={check.id} check={check} hosts={hostList} saving={saving} onSave={onSave} />}
        />
      )}
    </section>
  )
}
