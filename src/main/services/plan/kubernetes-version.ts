/**
 * Which patch of the spec's Kubernetes minor the plan installs (issue 12): read from the package
 * repository the packages recipe points at (pkgs.k8s.io's flat Debian repository, its `Packages`
 * index), fetched by one of the cluster's own nodes with curl to stdout, so nothing is written
 * anywhere and the answer is what those nodes would really get. When no node can tell, the plan
 * says so (no patch) instead of guessing.
 */
import { toAppErrorData } from '../../../shared/errors'
import type { SpecProblem } from '../../../shared/types'
import type { OperationContext } from '../operations/registry'
import { sh } from '../ssh/shell-command'
import type { CheckRunner } from './check-runner'

const FETCH_TIMEOUT_MS = 30_000

/** The repository index of a minor, as the packages recipe's apt source names it. */
export function packagesIndexUrl(minor: string): string {
  return `https://pkgs.k8s.io/core:/stable:/v${minor}/deb/Packages`
}

/**
 * The newest `kubeadm` version of `minor` in a Debian `Packages` index, as "1.32.4" (the Debian
 * revision "-1.1" dropped); undefined when the index lists none.
 */
export function newestPatch(index: string, minor: string): string | undefined {
  let best: number | undefined
  for (const stanza of index.split(/\n\s*\n/)) {
    if (!/^Package:\s*kubeadm\s*$/m.test(stanza)) continue
    const version = /^Version:\s*(\S+)\s*$/m.exec(stanza)?.[1]
    const m = version ? /^(?:\d+:)?(\d+\.\d+)\.(\d+)(?:-|$)/.exec(version) : null
    if (!m || m[1] !== minor) continue
    const patch = Number(m[2])
    if (best === undefined || patch > best) best = patch
  }
  return best === undefined ? undefined : `${minor}.${best}`
}

/**
 * Asks the given hosts in turn (the first that answers wins) for the newest patch of `minor`.
 * Returns the patch, or a warning saying why there is none.
 */
export async function resolvePatch(
  ssh: CheckRunner,
  hostIds: readonly string[],
  minor: string,
  ctx: OperationContext,
): Promise<{ patch?: string; problem?: SpecProblem }> {
  const url = packagesIndexUrl(minor)
  let reason = 'no node of the plan could be asked'
  for (const hostId of hostIds.slice(0, 3)) {
    try {
      const result = await ssh.run(
        hostId,
        sh`curl -fsS --max-time 20 ${url}`,
        { timeoutMs: FETCH_TIMEOUT_MS },
        // The index is long: parsed here, not copied line by line into the operation's log.
        { ...ctx, log: (line, nodeId) => (line.includes(url) ? ctx.log(line, nodeId) : undefined) },
      )
      if (result.exitCode !== 0) {
        reason = `fetching ${url} failed (curl exit ${result.exitCode}${result.stderr ? `: ${result.stderr.trim().split('\n')[0]}` : ''})`
        continue
      }
      const patch = newestPatch(result.stdout.toString('utf8'), minor)
      if (patch) return { patch }
      reason = `${url} lists no kubeadm ${minor}.x`
    } catch (error) {
      reason = toAppErrorData(error).message
    }
  }
  return {
    problem: {
      code: 'kubernetes-patch-unresolved',
      severity: 'warning',
      message: `The plan could not find which ${minor}.x patch it would install: ${reason}.`,
      next: `Check that the nodes reach pkgs.k8s.io (curl ${url}), then plan again; the engine resolves it again before installing.`,
    },
  }
}
