#!/usr/bin/env bash
# Instruction counts per scrubber mode (callgrind): repeatable on a noisy machine.
# usage: filters/examples/cost.sh [signal]   (build first:
#   cargo build --release -p planeguard-filters --features corpus --example scrub_cost)
set -euo pipefail
bin="${CARGO_TARGET_DIR:-target}/release/examples/scrub_cost"
sig="${1:-logs}"
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$sig" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
base=$(count setup)
for m in validate strict_nodetect strict strict_json naive; do
  n=$(count "$m")
  echo "$m $(( (n - base) / 6400 ))"   # instructions per record (16 x 100 records x 4 rounds; warm-up in base)
done
