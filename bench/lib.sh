# Shared by the benchmark scripts: a server on a temp data folder with a user, a project and a
# bearer token. Source it, then call start_server. Everything is removed on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${BUILD:-build/release}
BIN=$BUILD/bin/vitrine
[ -x "$BIN" ] || { echo "$BIN is missing: run make build" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-bench.XXXXXX")
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  if [ -n "${KEEP_WORK:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Starts `vitrine serve`; sets PORT, URL, TOKEN, PROJECT, SERVER_PID.
start_server() {
  VITRINE_PASSWORD=bench-password "$BIN" user add bench --data "$WORK/data" >/dev/null
  PROJECT=$("$BIN" project create bench --owner bench --json --data "$WORK/data" | sed -nE 's/.*"id": ([0-9]+).*/\1/p')
  TOKEN=$("$BIN" token create --user bench --data "$WORK/data" 2>/dev/null)
  PORT=$(( 20000 + RANDOM % 20000 ))
  URL="http://127.0.0.1:$PORT"
  launch_server
}

# Starts (or, after stop_server, restarts) the server process on the same folder and port.
launch_server() {
  "$BIN" serve --data "$WORK/data" --listen "127.0.0.1:$PORT" ${ACCESS_LOG:---no-access-log} --log-level ${LOG_LEVEL:-warning} ${SERVER_ARGS:-} \
    >"$WORK/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "$URL/api/v1/health" >/dev/null && return 0; sleep 0.1; done
  echo "server did not start: $(cat "$WORK/serve.log")" >&2
  exit 1
}

stop_server() {
  kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# The server's resident memory now / at its peak, in MB.
rss_mb() { awk '$1=="VmRSS:" {printf "%d", $2/1024}' "/proc/$SERVER_PID/status"; }
peak_rss_mb() { awk '$1=="VmHWM:" {printf "%d", $2/1024}' "/proc/$SERVER_PID/status"; }

# Wall-clock seconds a command takes.
seconds_of() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }'
}

# A 2000x2000 sRGB texture (Perlin noise, cells of $2 px) at $1, in libvips' own format: the
# benchmarks replicate it into their large images.
texture() {
  vips perlin "$WORK/noise.v" 2000 2000 --cell-size "$2"
  vips linear "$WORK/noise.v" "$WORK/noise8.v" 110 128 --uchar
  vips bandjoin "$WORK/noise8.v $WORK/noise8.v $WORK/noise8.v" "$WORK/noise_rgb.v"
  vips copy "$WORK/noise_rgb.v" "$1" --interpretation srgb
  rm -f "$WORK/noise.v" "$WORK/noise8.v" "$WORK/noise_rgb.v"
}

verdict() { awk -v ok="$1" 'BEGIN { print (ok ? "met" : "NOT met") }'; }
