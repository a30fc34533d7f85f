import type { DiscoveryHints } from './types'

/**
 * The one rule for the SSH login Flotilla proposes, in the UI and the CLI alike: what discovery
 * saw decides (MicroOS: root, the account its first-boot key goes to; Raspberry Pi OS: pi);
 * anything else (a host added by address, a Debian or Ubuntu box) has no default, and the person
 * says which user (cloud images use debian / ubuntu). Guessing root there only produced failed
 * logins under the wrong name.
 */
export function suggestedUser(hints: DiscoveryHints | undefined): string | undefined {
  if (hints?.microOs) return 'root' // checked first: MicroOS on a Pi logs in as root
  if (hints?.raspberryPi) return 'pi'
  return undefined
}

/** Appended to "give the user" messages, so each says the same rule. */
export const LOGIN_USER_EXAMPLES = 'pi on Raspberry Pi OS, root on MicroOS, debian or ubuntu on cloud images'
