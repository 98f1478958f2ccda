#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for a bounded time (docs/fuzzing.md).
#
#   tools/fuzz.sh             17 s per target: what `make test` runs (under 3 minutes in all)
#   tools/fuzz.sh 600         10 minutes per target, for a longer search (FUZZ_SEED=0: a new seed)
#   tools/fuzz.sh 60 wkt probe    only the named targets
#
# Each target starts from its committed seeds (tests/fuzz/corpus/<name>/, read only) and
# writes what it discovers to build/fuzz/corpus/<name>/, which later runs reuse. A crash, a
# sanitizer report, a leak, a timeout or running out of memory stops the target, saves the
# input as build/fuzz/artifacts/<name>-crash-... and makes this script fail after all targets
# have run. Reproduce with: build/fuzz/bin/fuzz/<name>_fuzz <artifact>
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-17}
# A fixed seed by default: `make test` is a gate, and the same code must pass or fail the same
# way each time. FUZZ_SEED=0 lets libFuzzer pick one (for longer searches).
seed=${FUZZ_SEED:-1}
shift || true
build=${FUZZ_BUILD:-build/fuzz}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(wkt geojson annotation_batch multipart byte_range router viewers authorization probe)
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

failed=()
for name in "${targets[@]}"; do
  binary=$build/bin/fuzz/${name}_fuzz
  seeds=tests/fuzz/corpus/$name
  corpus=$build/corpus/$name
  mkdir -p "$corpus" "$build/artifacts" "$build/logs"
  log=$build/logs/$name.log
  echo "fuzz: $name for ${seconds}s"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a parser must not need 2 GB for
  # an input of at most -max_len bytes.
  if "$binary" "$corpus" "$seeds" -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
       -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-" >"$log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units)' "$log" | tr '\n' ' ' | sed 's/^/fuzz:   /;s/$/\n/'
  else
    failed+=("$name")
    echo "fuzz: $name FAILED; the end of $log:"
    tail -n 60 "$log"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in ${failed[*]}; inputs are in $build/artifacts/"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a failure"
