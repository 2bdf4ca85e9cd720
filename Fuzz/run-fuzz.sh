#!/bin/bash
# Runs one fuzz target for SECONDS (default 300) on its corpus, seeded from seeds/TARGET.
# Crashing inputs land in crashes/. Build first (see README.md).
set -u
target=${1:?usage: run-fuzz.sh TARGET [SECONDS]}
seconds=${2:-300}
cd "$(dirname "$0")"
mkdir -p "corpus/$target" crashes
export SWIFT_BACKTRACE=enable=no   # the Swift backtracer fights ASan (false reports, orphaned processes)
exec ".build/debug/$target" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="crashes/$target-" \
  -timeout=10 -rss_limit_mb=2048 "corpus/$target" "seeds/$target"
