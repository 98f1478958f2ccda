#!/usr/bin/env bash
# HTTP benchmark: requests/s and p50/p99 latency for an authenticated GET /api/v1/users/me and
# for GET /api/v1/health (the reference: same server, no authentication, no catalog access),
# at 64 keep-alive connections on loopback, plus the server's idle and peak RSS.
#
#   make bench              (builds first)   or   bash bench/http_bench.sh [BUILD_DIR]
# Environment: DURATION (seconds per run, default 10), CONNECTIONS (64), WRK_THREADS (2).
#
# Targets (issue 2, on 2 cores): authenticated GET >= 20,000 req/s; idle server RSS <= 50 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
bin=$build/bin/vitrine
duration=${DURATION:-10}
connections=${CONNECTIONS:-64}
wrk_threads=${WRK_THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is missing: run tools/setup-debian.sh" >&2; exit 1; }
[ -x "$bin" ] || { echo "$bin is missing: run make build" >&2; exit 1; }

work=$(mktemp -d)
port=$(( 20000 + RANDOM % 20000 ))
cleanup() { [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

VITRINE_PASSWORD=bench-password "$bin" user add bench --data "$work/data" >/dev/null
"$bin" serve --data "$work/data" --listen "127.0.0.1:$port" --no-access-log --log-level warning >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/token" \
  -d '{"username":"bench","password":"bench-password"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
[ -n "$token" ] || { echo "could not sign in" >&2; exit 1; }
sleep 1
rss_kb() { awk -v f="$1" '$1==f":" {print $2}' "/proc/$server/status"; }
idle_rss=$(rss_kb VmRSS)

# Prints "req/s p50 p99" (latencies in ms) for one wrk run.
run_wrk() {
  local out
  out=$(wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --latency "$@")
  local rps p50 p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  local errors
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
  [ -z "$errors" ] || echo "  wrk reported: $errors" >&2
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else printf "%.3f", v*1000 }'; }

read -r health_rps health_p50 health_p99 < <(run_wrk "http://127.0.0.1:$port/api/v1/health")
read -r me_rps me_p50 me_p99 < <(run_wrk -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/users/me")
peak_rss=$(rss_kb VmHWM)

echo
echo "Vitrine HTTP benchmark ($(nproc) cores, $connections connections, ${duration}s per run, wrk -t$wrk_threads on the same machine)"
printf "%-36s %12s %10s %10s\n" "request" "req/s" "p50 ms" "p99 ms"
printf "%-36s %12.0f %10s %10s\n" "GET /api/v1/health (reference)" "$health_rps" "$health_p50" "$health_p99"
printf "%-36s %12.0f %10s %10s\n" "GET /api/v1/users/me (bearer token)" "$me_rps" "$me_p50" "$me_p99"
awk -v a="$me_rps" -v h="$health_rps" 'BEGIN { printf "authenticated / reference throughput: %.2f\n", a/h }'
echo "server RSS: idle $((idle_rss / 1024)) MB, peak under load $((peak_rss / 1024)) MB"
echo
awk -v a="$me_rps" 'BEGIN { printf "target authenticated GET >= 20000 req/s: %s\n", (a >= 20000 ? "met" : "NOT met") }'
awk -v r="$idle_rss" 'BEGIN { printf "target idle RSS <= 50 MB:               %s\n", (r <= 50*1024 ? "met" : "NOT met") }'
