#!/usr/bin/env bash
# npm run test:e2e:lab -- the browser end-to-end scenario in the lab (test/e2e/lab/*.spec.ts).
#
# Builds out/ once (the specs start the web server from it without rebuilding), then lets the
# lab's runner bring up an empty lab under its own prefix and subnet, run `playwright test` inside
# the desk namespace -- so the web server's SSH and mDNS and the browser itself are on the lab LAN,
# never on the root namespace's network -- and tear the lab down whatever happened. The specs add
# their simulator nodes through test/lab/harness.ts. Arguments go to playwright (e.g. a spec name).
# The scenario runs twice, as the Playwright projects `mouse` and `keyboard` (keyboard only, no
# pointer); one alone: `npm run test:e2e:lab -- --project=keyboard`.
#
#   LAB_TEST_PREFIX / LAB_TEST_NET   override the prefix (labe2e) and subnet (10.87.0.0/24)
#   LAB_BOOT_TIMEOUT                 seconds a host may take to boot (90 here)
set -euo pipefail
cd "$(dirname "$0")/../../.."
export LAB_TEST_PREFIX=${LAB_TEST_PREFIX:-labe2e}
export LAB_TEST_NET=${LAB_TEST_NET:-10.87.0.0/24}
export LAB_TEST_PLAYWRIGHT=test/e2e/lab/playwright.config.ts
# Six simulator hosts provision at once (the sim's stand-ins on top of sshd and avahi): on two
# cores kept busy (CI runs stress-ng) that took over the lab's default 20 s. Still a deadline on
# a polled condition: a host that is up is used at once.
export LAB_BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-90}
npm run build >/dev/null
exec bash test/lab/run-tests.sh "$@"
