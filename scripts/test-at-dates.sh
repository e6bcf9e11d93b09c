#!/usr/bin/env bash
# Runs the suites that deal in dates again with the machine's clock moved to each DATE (UTC),
# through Debian's libfaketime, to prove that no behaviour and no test depends on the day it
# runs. Every process the tests start (provisor, the simulated engines, Python) sees the same
# moved clock. Needs a build of the tests first (make test builds them).
#
# Usage: scripts/test-at-dates.sh DATE...    for example 2027-02-28T23:59:59Z
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: scripts/test-at-dates.sh DATE... (for example 2027-02-28T23:59:59Z)" >&2; exit 64; }
command -v faketime >/dev/null 2>&1 || { echo "error: faketime is not installed (apt-get install faketime, or make deps)" >&2; exit 1; }
# Right-sizing (unit and command), drift, import, history --since, and the simulated engine's
# subscriptions and clock. (The engine adapter suites stay out: libfaketime can stall the
# dispatch timers their timeout tests wait on, and they read no date.)
suites='RightsizingTests|RightsizeCommandTests|DriftTests|DriftCommandTests|ImportTests|ImportCommandTests|HistoryCommandTests|SimulatedEngineClockTests'
for date in "$@"; do
  echo "--- the date-sensitive suites with the machine's clock at $date"
  start=$SECONDS
  # The monotonic clocks move with the wall clock: libfaketime's sleeps fail with EINVAL when
  # only the wall clock is moved (FAKETIME_DONT_FAKE_MONOTONIC).
  # A stall fails the run within ten minutes instead of holding CI.
  TZ=UTC timeout 600 faketime "$date" swift test --skip-build --filter "$suites"
  echo "--- $date: $((SECONDS - start)) s"
done
