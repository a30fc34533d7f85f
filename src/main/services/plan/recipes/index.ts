/**
 * The recipes of the prepare phase, in the order they run on a host (issue 12 §3): swap, kernel
 * modules, sysctls (after the modules: the bridge keys exist only once br_netfilter is loaded), time
 * sync, the package repository, and last the Pi's cmdline.txt with its reboot, so the one reboot
 * also proves that every earlier change survives one.
 */
import type { Recipe } from '../step'
import { cniRecipe, finishRecipe } from './cni'
import { haproxyRecipe } from './haproxy'
import { endpointReachableRecipe, haproxyBackendUpRecipe, kubeadmRecipe } from './kubeadm'
import { kernelModulesRecipe } from './kernel-modules'
import { packagesRecipe } from './packages'
import { packagesRepositoryRecipe } from './packages-repository'
import { piCmdlineRecipe } from './pi-cmdline'
import { runtimeRecipe } from './runtime'
import { swapRecipe } from './swap'
import { sysctlRecipe } from './sysctl'
import { timeSyncRecipe } from './time-sync'

export const PREPARE_RECIPES: readonly Recipe[] = [
  swapRecipe,
  kernelModulesRecipe,
  sysctlRecipe,
  timeSyncRecipe,
  packagesRepositoryRecipe,
  piCmdlineRecipe,
]

export { isRebootAction, REBOOT_COMMAND } from './pi-cmdline'

/**
 * Not a prepare recipe: the planner puts it before them, and only with the user's consent (its
 * step carries `consent`), for a host whose probe found leftovers of an old cluster.
 */
export { resetRecipe } from './reset'

/**
 * The runtime and packages phases (issue 13 §1), in the order they run on a host: containerd
 * (Debian family; MicroOS's runtime is not built yet), then kubelet, kubeadm and kubectl pinned
 * (on MicroOS one transaction and its reboot). Not prepare recipes: the planner runs them after.
 */
export { runtimeRecipe } from './runtime'
export { packagesRecipe } from './packages'
export const RUNTIME_RECIPES: readonly Recipe[] = [runtimeRecipe]
export const PACKAGES_RECIPES: readonly Recipe[] = [packagesRecipe]

/**
 * The endpoint phase (issue 13 §1): HAProxy on the host whose roles include `haproxy`. Not a
 * prepare recipe: the planner places it. For an `address` endpoint the plan prints
 * externalLoadBalancerSnippet() instead.
 */
export const ENDPOINT_RECIPES: readonly Recipe[] = [haproxyRecipe]

/**
 * The kubeadm build (issue 13 §1), after the endpoint: init on the first control plane, the pod
 * network, the other control planes one at a time (HAProxy's backend UP for each before the next),
 * workers, and the check of the whole cluster through its endpoint.
 */
export const KUBEADM_RECIPES: readonly Recipe[] = [
  endpointReachableRecipe,
  kubeadmRecipe,
  cniRecipe,
  haproxyBackendUpRecipe,
  finishRecipe,
]

/**
 * Every phase, in the order they run on a host: what `flotilla plan` and `apply` build. Packages
 * before the runtime: on MicroOS cri-o comes in the packages' snapshot, and its configuration can
 * only be written once that snapshot is booted (on the Debian family the two are independent).
 */
export const BUILD_RECIPES: readonly Recipe[] = [
  ...PREPARE_RECIPES,
  ...PACKAGES_RECIPES,
  ...RUNTIME_RECIPES,
  ...ENDPOINT_RECIPES,
  ...KUBEADM_RECIPES,
]
export { externalLoadBalancerSnippet, haproxyConfig } from './haproxy-config'
