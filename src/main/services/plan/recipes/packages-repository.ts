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
 * MicroOS: openSUSE's own repositories carry versioned `kubernetes1.xx-*` packages, but they are
 * community-maintained "best effort", their kubeadm is patched to pull images from
 * registry.opensuse.org/kubic, and their exact names are unverified (domain.md §6, domain-engine.md
 * §3). Flotilla installs the same upstream binaries on every node instead, from pkgs.k8s.io's rpm
 * repository, which zypper reads (kubernetes.io's SUSE instructions). The .repo file lives in /etc,
 * which is writable on MicroOS: no snapshot, no reboot. The repository's key is imported by the
 * packages step's transaction (`--gpg-auto-import-keys`): importing it now would write the rpm
 * database on the read-only root.
 */
import { sh } from '../../ssh/shell-command'
import { stepId, type Recipe, type StepAction } from '../step'
import { check, isDebianLike, isKnownFamily, joinLines, run, writeText, runsKubernetes } from './common'

export const APT_KEYRING = '/etc/apt/keyrings/kubernetes-apt-keyring.gpg'
export const APT_SOURCE = '/etc/apt/sources.list.d/kubernetes.list'
export const ZYPP_REPO = '/etc/zypp/repos.d/kubernetes.repo'

export const repositoryUrl = (minor: string, format: 'deb' | 'rpm') =>
  `https://pkgs.k8s.io/core:/stable:/v${minor}/${format}/`

export const aptSourceLine = (minor: string) => `deb [signed-by=${APT_KEYRING}] ${repositoryUrl(minor, 'deb')} /`

export const zyppRepoText = (minor: string) =>
  [
    '[kubernetes]',
    'name=Kubernetes',
    `baseurl=${repositoryUrl(minor, 'rpm')}`,
    'enabled=1',
    'gpgcheck=1',
    `gpgkey=${repositoryUrl(minor, 'rpm')}repodata/repomd.xml.key`,
    '',
  ].join('\n')

export const packagesRepositoryRecipe: Recipe = {
  name: 'packages-repository',
  kind: 'prepare',
  steps(ctx) {
    const { facts } = ctx
    if (!isKnownFamily(facts) || !runsKubernetes(ctx)) return []
    const minor = ctx.kubernetes.minor
    const base = {
      id: stepId(ctx, 'packages-repository'),
      hostId: ctx.host.id,
      kind: 'prepare' as const,
      title: `Add the Kubernetes ${minor} package repository (pkgs.k8s.io)`,
      deps: [],
    }
    if (!isDebianLike(facts)) {
      const text = zyppRepoText(minor)
      return [
        {
          ...base,
          actions: [run(sh`mkdir -p /etc/zypp/repos.d`), writeText(ZYPP_REPO, text)],
          check: check(
            joinLines([
              sh`if [ "$(cat ${ZYPP_REPO} 2>/dev/null)" != ${text.trimEnd()} ]; then echo ${`${ZYPP_REPO} does not name the Kubernetes ${minor} repository`}; exit 1; fi`,
              sh`echo ${`the Kubernetes ${minor} repository is configured`}`,
            ]),
          ),
        },
      ]
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
