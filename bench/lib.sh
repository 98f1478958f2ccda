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

# The store the server uses: DATA (default $WORK/data), and STORE_ARGS for a catalog and blob
# store elsewhere (--catalog URL --blobs URL).
DATA=${DATA:-$WORK/data}
STORE_ARGS=${STORE_ARGS:-}

# Starts `vitrine serve`; sets PORT, URL, TOKEN, PROJECT, SERVER_PID.
start_server() {
  # shellcheck disable=SC2086
  VITRINE_PASSWORD=bench-password "$BIN" user add bench --data "$DATA" $STORE_ARGS >/dev/null
  # shellcheck disable=SC2086
  PROJECT=$("$BIN" project create bench --owner bench --json --data "$DATA" $STORE_ARGS | sed -nE 's/.*"id": ([0-9]+).*/\1/p')
  # shellcheck disable=SC2086
  TOKEN=$("$BIN" token create --user bench --data "$DATA" $STORE_ARGS 2>/dev/null)
  PORT=$(( 20000 + RANDOM % 20000 ))
  URL="http://127.0.0.1:$PORT"
  launch_server
}

# Starts (or, after stop_server, restarts) the server process on the same folder and port.
launch_server() {
  # shellcheck disable=SC2086
  "$BIN" serve --data "$DATA" $STORE_ARGS --listen "127.0.0.1:$PORT" ${ACCESS_LOG:---no-access-log} --log-level ${LOG_LEVEL:-warning} ${SERVER_ARGS:-} \
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

# N camera-like 2592x1944 JPEGs in DIR, named as Sticky Pi devices name them: a textured colour
# scene plus sensor noise, saved as a camera would (Q90). camera_photos DIR N [PARALLEL]
make_photo() {
  local i=$1 dir=$2
  vips perlin "$dir/r$i.v" 2592 1944 --cell-size 192 --seed $((i * 3))
  vips perlin "$dir/g$i.v" 2592 1944 --cell-size 96 --seed $((i * 3 + 1))
  vips perlin "$dir/b$i.v" 2592 1944 --cell-size 320 --seed $((i * 3 + 2))
  vips bandjoin "$dir/r$i.v $dir/g$i.v $dir/b$i.v" "$dir/rgb$i.v"
  vips gaussnoise "$dir/n$i.v" 2592 1944 --sigma 0.08 --mean 0
  vips add "$dir/rgb$i.v" "$dir/n$i.v" "$dir/noisy$i.v"
  vips linear "$dir/noisy$i.v" "$dir/u$i.v" 110 128 --uchar
  vips copy "$dir/u$i.v" "$dir/p$i.v" --interpretation srgb
  vips jpegsave "$dir/p$i.v" "$dir/$(printf '5c173ff2.2020-06-%02d_%02d-%02d-00.jpg' $((1 + i / 1440)) $((i / 60 % 24)) $((i % 60)))" --Q 90
  rm -f "$dir"/{r,g,b,rgb,n,noisy,u,p}$i.v
}
camera_photos() {
  local dir=$1 n=$2 parallel=${3:-2}
  mkdir -p "$dir"
  echo "generating $n camera-like 2592x1944 JPEGs..." >&2
  export -f make_photo
  seq 0 $((n - 1)) | xargs -P "$parallel" -I{} bash -c "make_photo {} $dir"
}

verdict() { awk -v ok="$1" 'BEGIN { print (ok ? "met" : "NOT met") }'; }
