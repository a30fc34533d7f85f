// The HA lab's hosts, in a file of their own so the browser e2e (Playwright, test/e2e/lab) can
// import them without build-support's vitest and CLI imports.

/**
 * The HA lab of issue 13's test 1: an HAProxy host (Debian), three control planes — a Raspberry
 * Pi 5 whose sudo asks for a password and whose kernel lacks the memory cgroup (cmdline fix and
 * reboot), a Debian box and a MicroOS box (cri-o and openSUSE's packages in a snapshot, and its
 * reboot) — and two workers. The test and the `apply` benchmark build the same one.
 */
export const HA_PROFILES = [
  'debian-sudo-nopass+sim',
  'pi5+sim',
  'debian-sudo-nopass+sim',
  'microos+sim',
  'debian-sudo-nopass+sim',
  'ubuntu-sudo-nopass+sim',
]
