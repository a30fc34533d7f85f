#!/usr/bin/env bash
# npm run test:lab -- the lab's own tests and the integration tests, against fake hosts.
#
# Brings up an empty lab (switch and desk, no nodes) under a prefix and subnet of its own, runs
# vitest inside the desk namespace -- each suite adds the nodes it needs through harness.ts -- and
# always tears the lab down again, whatever happened. Arguments go to vitest (e.g. a file name).
#
#   LAB_TEST_PREFIX / LAB_TEST_NET   override the prefix (labtest) and subnet (10.78.0.0/24)
#   LAB_TEST_CONFIG                  the vitest config (test/lab/vitest.config.ts); the simulator's
#                                    runner (test/lab/sim/run-tests.sh) sets its own
#   LAB_TEST_PLAYWRIGHT              a Playwright config: run `playwright test` with it instead of
#                                    vitest (the browser e2e in the lab, test/e2e/lab/run.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."

PREFIX=${LAB_TEST_PREFIX:-labtest}
NET=${LAB_TEST_NET:-10.78.0.0/24}
lab() { bash test/lab/lab.sh --prefix "$PREFIX" --net "$NET" "$@"; }

# A run that was killed (SIGKILL, CI timeout) could not clean up; its lab is ours to remove.
if lab status --json | grep -q '"up":true' || [ -n "$(ip netns list | grep -E "^$PREFIX-" || true)" ]; then
  echo "run-tests: removing lab '$PREFIX' left over from an earlier run" >&2
  lab down
fi

teardown() {
  lab down
  # Belt and braces: the lab's own tests check `down`; this checks the run left nothing behind.
  if ip netns list | grep -qE "^$PREFIX-"; then
    echo "run-tests: namespaces of lab '$PREFIX' survived 'down'" >&2
    return 1
  fi
}

lab up 0 >/dev/null
rc=0
if [ -n "${LAB_TEST_PLAYWRIGHT:-}" ]; then
  lab exec node_modules/.bin/playwright test -c "$LAB_TEST_PLAYWRIGHT" "$@" || rc=$?
else
  lab exec node_modules/.bin/vitest run -c "${LAB_TEST_CONFIG:-test/lab/vitest.config.ts}" "$@" || rc=$?
fi
teardown || rc=$((rc == 0 ? 1 : rc))
exit "$rc"
