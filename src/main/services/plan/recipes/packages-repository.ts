/**
 * The Kubernetes package repository for the spec's minor (domain-engine.md §1): one repository
 * per minor on pkgs.k8s.io, so an upgrade rewrites the source to the next minor.
 *
 * Debian, Ubuntu, Raspberry Pi OS: the install guide's signing key, dearmored into
 * /etc/apt/keyrings/kubernetes-apt-keyring.gpg ("the same signing key is used for all
 * repositories", so it is fetched once), and the one-line source. `apt-get update` is left to the
 * packages step, which runs it right before installing: it rewrites apt's lists on every run, and
 * this step must change nothing when it runs again.
 *
 * MicroOS: nothing. Its cri-o and Kubernetes packages are openSUSE's own (packages.ts), from the
 * repositories every MicroOS has configured and trusts; a pkgs.k8s.io repository next to them
 * would be refreshed (and its key imported) in every transaction for nothing. A .repo file an
 * earlier Flotilla wrote (/etc/zypp/repos.d/kubernetes.repo) is left alone: its packages have
 * other names (kubeadm, not kubernetes1.32-kubeadm) and none of them is asked for.
 */
import { sh } from '../../ssh/shell-command'
import { stepId, type Recipe, type StepAction } from '../step'
import { check, isDebianLike, joinLines, run, writeText, runsKubernetes } from './common'

export const APT_KEYRING = '/etc/apt/keyrings/kubernetes-apt-keyring.gpg'
export const APT_SOURCE = '/etc/apt/sources.list.d/kubernetes.list'

export const repositoryUrl = (minor: string, format: 'deb' | 'rpm') =>
  `https://pkgs.k8s.io/core:/stable:/v${minor}/${format}/`

export const aptSourceLine = (minor: string) => `deb [signed-by=${APT_KEYRING}] ${repositoryUrl(minor, 'deb')} /`

export const packagesRepositoryRecipe: Recipe = {
  name: 'packages-repository',
  kind: 'prepare',
  steps(ctx) {
    const { facts } = ctx
    if (!isDebianLike(facts) || !runsKubernetes(ctx)) return []
    const minor = ctx.kubernetes.minor
    const base = {
      id: stepId(ctx, 'packages-repository'),
      hostId: ctx.host.id,
      kind: 'prepare' as const,
      title: `Add the Kubernetes ${minor} package repository (pkgs.k8s.io)`,
      deps: [],
    }
    const line = aptSourceLine(minor)
    const keyUrl = `${repositoryUrl(minor, 'deb')}Release.key`
    const actions: StepAction[] = [
      run(
        sh`if ! command -v curl >/dev/null 2>&1 || ! command -v gpg >/dev/null 2>&1; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ca-certificates curl gpg; fi`,
      ),
      run(sh`mkdir -p -m 755 /etc/apt/keyrings`),
      // gpg -o would ask before overwriting (and fail without a terminal): fetch only when absent.
      run(
        sh`if [ ! -s ${APT_KEYRING} ]; then key=$(mktemp) && curl -fsSL ${keyUrl} -o "$key" && gpg --batch --dearmor -o ${APT_KEYRING} "$key"; rc=$?; rm -f "$key"; exit $rc; fi`,
      ),
      writeText(APT_SOURCE, `${line}\n`),
    ]
    return [
      {
        ...base,
        actions,
        check: check(
          joinLines([
            sh`if [ ! -s ${APT_KEYRING} ]; then echo ${`the repository's signing key is missing (${APT_KEYRING})`}; exit 1; fi`,
            sh`if ! grep -qxF ${line} ${APT_SOURCE} 2>/dev/null; then echo ${`${APT_SOURCE} does not name the Kubernetes ${minor} repository`}; exit 1; fi`,
            sh`echo ${`the Kubernetes ${minor} repository is configured`}`,
          ]),
        ),
      },
    ]
  },
}
