/**
 * The recipes of the prepare phase, in the order they run on a host (issue 12 §3): swap, kernel
 * modules, sysctls (after the modules: the bridge keys exist only once br_netfilter is loaded).
 */
import type { Recipe } from '../step'
import { kernelModulesRecipe } from './kernel-modules'
import { swapRecipe } from './swap'
import { sysctlRecipe } from './sysctl'

export const PREPARE_RECIPES: readonly Recipe[] = [swapRecipe, kernelModulesRecipe, sysctlRecipe]
