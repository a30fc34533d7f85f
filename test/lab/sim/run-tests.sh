#!/usr/bin/env bash
# npm run test:sim -- the simulator's scenarios (test/lab/sim/**/*.test.ts) in a lab of their own.
#
# Like test/lab/run-tests.sh: brings up an empty lab under its own prefix and subnet, runs vitest
# inside the desk namespace (each suite adds its nodes, with the `sim` trait, through harness.ts)
# and always tears the lab down. Arguments go to vitest (e.g. a file name).
#
#   LAB_TEST_PREFIX / LAB_TEST_NET   override the prefix (labsim) and subnet (10.83.0.0/24)
set -euo pipefail
cd "$(dirname "$0")/../../.."

PREFIX=${LAB_TEST_PREFIX:-labsim}
NET=${LAB_TEST_NET:-10.83.0.0/24}
lab() { bash test/lab/lab.sh --prefix "$PREFIX" --net "$NET" "$@"; }

# A run that was killed (SIGKILL, CI timeout) could not clean up; its lab is ours to remove.
if lab status --json | grep -q '"up":true' || [ -n "$(ip netns list | grep -E "^$PREFIX-" || true)" ]; then
  echo "sim run-tests: removing lab '$PREFIX' left over from an earlier run" >&2
  lab down
fi

teardown() {
  lab down
  if ip netns list | grep -qE "^$PREFIX-"; then
    echo "sim run-tests: namespaces of lab '$PREFIX' survived 'down'" >&2
    return 1
  fi
}

lab up 0 >/dev/null
rc=0
lab exec node_modules/.bin/vitest run -c test/lab/sim/vitest.config.ts "$@" || rc=$?
teardown || rc=$((rc == 0 ? 1 : rc))
exit "$rc"
