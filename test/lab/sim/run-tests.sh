#!/usr/bin/env bash
# npm run test:sim -- the simulator's scenarios (test/lab/sim/**/*.test.ts) in a lab of their own.
#
# The lab's runner does the work (empty lab under its own prefix and subnet, vitest inside the desk,
# teardown whatever happened); this only picks the simulator's config, prefix and subnet, so the two
# suites never meet. Arguments go to vitest (e.g. a file name).
#
#   LAB_TEST_PREFIX / LAB_TEST_NET   override the prefix (labsim) and subnet (10.83.0.0/24)
set -euo pipefail
cd "$(dirname "$0")/../../.."
export LAB_TEST_PREFIX=${LAB_TEST_PREFIX:-labsim}
export LAB_TEST_NET=${LAB_TEST_NET:-10.83.0.0/24}
export LAB_TEST_CONFIG=test/lab/sim/vitest.config.ts
exec bash test/lab/run-tests.sh "$@"
