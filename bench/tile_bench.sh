#!/usr/bin/env bash
# Tiles: random 256-px Deep Zoom tiles (254 + 1-px overlap, JPEG) of a 40,000 x 40,000 pyramidal
# TIFF and of a 10,000 x 10,000 plain JPEG (read from the pyramid the server builds for it) at
# 64 connections, cold (each tile asked once, nothing cached) and cached; the same tile bytes
# served as static files by Debian's nginx as the ceiling; and the server's pyramid build of the
# JPEG against `vips tiffsave --pyramid` (and `vips dzsave`) on the same file in the same run.
#
#   bash bench/tile_bench.sh         DURATION (s per cold/cached run, default 10), CACHED_TILES (2000)
# Targets (issue 6, 2 cores): cached p50 <= 5 ms, cold p50 <= 25 ms, cached tiles/s >= 0.3 x
# nginx, pyramid build <= 1.2 x the libvips command, server RSS <= 300 MB throughout.
LOG_LEVEL=${LOG_LEVEL:-info}  # the server logs its own pyramid build time
source "$(dirname "$0")/lib.sh"
DURATION=${DURATION:-10}
CACHED_TILES=${CACHED_TILES:-2000}
CONNECTIONS=64
command -v wrk >/dev/null || { echo "wrk is missing: run tools/setup-debian.sh" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx is missing: run tools/setup-debian.sh (package nginx-light)" >&2; exit 1; }
chmod 755 "$WORK"  # nginx's workers read the static copy

echo "generating a 40000x40000 pyramidal TIFF and a 10000x10000 JPEG..." >&2
texture "$WORK/srgb.v" 96
vips replicate "$WORK/srgb.v" "$WORK/big.v" 5 5
vips jpegsave "$WORK/big.v" "$WORK/plain.jpg" --Q 90
vips replicate "$WORK/srgb.v" "$WORK/slide.v" 20 20
vips tiffsave "$WORK/slide.v" "$WORK/slide.tif" --tile --pyramid --compression jpeg --Q 85 \
  --tile-width 256 --tile-height 256 --bigtiff
rm -f "$WORK"/*.v
echo "  slide.tif $(du -m "$WORK/slide.tif" | cut -f1) MB, plain.jpg $(du -m "$WORK/plain.jpg" | cut -f1) MB" >&2

start_server
AUTH="Bearer $TOKEN"
upload_id() {
  curl -sf -H "Authorization: $AUTH" -X POST -T "$1" "$URL/api/v1/projects/$PROJECT/images?filename=$(basename "$1")" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
slide_id=$(upload_id "$WORK/slide.tif")
jpeg_id=$(upload_id "$WORK/plain.jpg")

# The pyramid of the JPEG: started by its first tile, finished when /pyramid says ready.
pyramid_status() { curl -sf -H "Authorization: $AUTH" "$URL/api/v1/images/$jpeg_id/pyramid"; }
start=$(date +%s.%N)
curl -sf -o /dev/null -H "Authorization: $AUTH" "$URL/api/v1/images/${jpeg_id}_files/0/0_0.jpg"
last_progress=""
for _ in $(seq 1 6000); do
  status=$(pyramid_status)
  case "$status" in *'"ready"'*) break ;; esac
  progress=$(sed -nE 's/.*"progress":([0-9]+).*/\1/p' <<<"$status")
  [ -n "$progress" ] && [ "$progress" != "$last_progress" ] && [ $((progress % 25)) -eq 0 ] && echo "  pyramid $progress%" >&2
  last_progress=$progress
  sleep 0.05
done
build_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
[[ "$(pyramid_status)" == *'"ready"'* ]] || { echo "the pyramid was not built: $(pyramid_status)" >&2; exit 1; }
build_rss=$(peak_rss_mb)
server_build_s=$(sed -nE 's/.*pyramid built in ([0-9.]+) s.*/\1/p' "$WORK/serve.log" | tail -n1)
tiffsave_s=$(seconds_of vips tiffsave "$WORK/plain.jpg" "$WORK/ref.tif" --tile --pyramid --compression jpeg --Q 90 \
  --tile-width 256 --tile-height 256 --bigtiff)
dzsave_s=$(seconds_of vips dzsave "$WORK/plain.jpg" "$WORK/ref_dz" --suffix .jpg[Q=90])
rm -rf "$WORK/ref.tif" "$WORK/ref_dz" "$WORK/ref_dz.dzi"

# Every tile of the finer levels of each image, shuffled (fixed seed).
tile_list() {  # id width height min_level
  python3 - "$@" <<'PY'
import math, random, sys
image, width, height, min_level = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
top = math.ceil(math.log2(max(width, height)))
paths = []
for level in range(min_level, top + 1):
    scale = 2 ** (top - level)
    w, h = math.ceil(width / scale), math.ceil(height / scale)
    paths += [f"/api/v1/images/{image}_files/{level}/{c}_{r}.jpg" for c in range(math.ceil(w / 254)) for r in range(math.ceil(h / 254))]
random.Random(6).shuffle(paths)
print("\n".join(paths))
PY
}
tile_list "$slide_id" 40000 40000 10 >"$WORK/slide_paths"
tile_list "$jpeg_id" 10000 10000 8 >"$WORK/jpeg_paths"

# A fresh server process: nothing of the uploads left in libvips' caches.
stop_server
launch_server

run_wrk() {  # paths-file duration auth url [once]
  PATHS=$1 THREADS=2 AUTH=$3 ONCE=${5:-0} wrk -t2 -c"$CONNECTIONS" -d"$2s" -s bench/tile_paths.lua "$4" | grep '^RESULT'
}
field() { sed -nE "s/.* $1=([0-9.]+).*/\1/p" <<<"$2"; }
rate() { awk -v n="$(field requests "$1")" -v s="$(field seconds "$1")" 'BEGIN { printf "%.0f", n / s }'; }
check_run() {  # label result
  local failures wraps
  failures=$(field failures "$2"); wraps=$(field wraps "$2")
  [ "$failures" = 0 ] || echo "  $1: $failures answers were not 200" >&2
  [ "$wraps" = 0 ] || [ "$3" = cycle ] || echo "  $1: every tile was asked for before the time was up" >&2
}

declare -A result
for image in slide jpeg; do
  cold_seconds=$DURATION
  [ "$image" = jpeg ] && cold_seconds=$(( DURATION / 2 > 1 ? DURATION / 2 : 1 ))  # it has fewer tiles
  result[${image}_cold]=$(run_wrk "$WORK/${image}_paths" "$cold_seconds" "$AUTH" "$URL" 1)
  check_run "$image cold" "${result[${image}_cold]}" once
  # The cached set: tiles fetched once more here (so surely cached), their bytes kept for nginx.
  head -n "$CACHED_TILES" "$WORK/${image}_paths" >"$WORK/${image}_cached"
  awk -v url="$URL" -v root="$WORK/static" '{ printf "url = \"%s%s\"\noutput = \"%s%s\"\n", url, $0, root, $0 }' \
    "$WORK/${image}_cached" >"$WORK/${image}_curl.cfg"
  curl -sf --create-dirs -H "Authorization: $AUTH" -K "$WORK/${image}_curl.cfg"
  result[${image}_cached]=$(run_wrk "$WORK/${image}_cached" "$DURATION" "$AUTH" "$URL")
  check_run "$image cached" "${result[${image}_cached]}" cycle
done
server_rss=$(peak_rss_mb)

# The ceiling: nginx serving the very same tile files, with the same load.
nginx_port=$(( PORT + 1 ))
chmod -R a+rX "$WORK/static"
cat >"$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx_tmp;
  proxy_temp_path $WORK/nginx_tmp;
  fastcgi_temp_path $WORK/nginx_tmp;
  uwsgi_temp_path $WORK/nginx_tmp;
  scgi_temp_path $WORK/nginx_tmp;
  server { listen 127.0.0.1:$nginx_port; root $WORK/static; types { image/jpeg jpg; } }
}
CONF
"$NGINX" -c "$WORK/nginx.conf" -g "daemon off;" 2>"$WORK/nginx.start" &
nginx_pid=$!
trap 'kill "$nginx_pid" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$nginx_port$(head -n1 "$WORK/slide_cached")" && break; sleep 0.1; done
nginx_result=$(run_wrk "$WORK/slide_cached" "$DURATION" "" "http://127.0.0.1:$nginx_port")
check_run nginx "$nginx_result" cycle
kill "$nginx_pid" && wait "$nginx_pid" 2>/dev/null || true

echo
echo "Tile benchmark ($(nproc) cores shared by server and wrk; $CONNECTIONS connections; random 254+1 px JPEG Deep Zoom tiles)"
printf "%-44s %10s %9s %9s %9s\n" "run" "tiles/s" "p50 ms" "p99 ms" "tiles"
row() { printf "%-44s %10s %9s %9s %9s\n" "$1" "$(rate "$2")" "$(field p50_ms "$2")" "$(field p99_ms "$2")" "$(field requests "$2")"; }
row "40000^2 pyramidal TIFF, cold" "${result[slide_cold]}"
row "40000^2 pyramidal TIFF, cached" "${result[slide_cached]}"
row "10000^2 JPEG (its pyramid), cold" "${result[jpeg_cold]}"
row "10000^2 JPEG (its pyramid), cached" "${result[jpeg_cached]}"
row "reference: nginx, same tile files" "$nginx_result"
echo
echo "pyramid of the 10000^2 JPEG: server ${build_s} s from the first tile to ready (${server_build_s:-?} s inside the server, stored); vips tiffsave --pyramid ${tiffsave_s} s; vips dzsave ${dzsave_s} s"
echo "server peak RSS: ${build_rss} MB after the pyramid build, ${server_rss} MB at the end"
echo
worst_cached=$(awk -v a="$(field p50_ms "${result[slide_cached]}")" -v b="$(field p50_ms "${result[jpeg_cached]}")" 'BEGIN { print (a > b ? a : b) }')
worst_cold=$(awk -v a="$(field p50_ms "${result[slide_cold]}")" -v b="$(field p50_ms "${result[jpeg_cold]}")" 'BEGIN { print (a > b ? a : b) }')
ratio=$(awk -v a="$(rate "${result[slide_cached]}")" -v b="$(rate "$nginx_result")" 'BEGIN { printf "%.2f", a / b }')
build_ratio=$(awk -v a="$build_s" -v b="$tiffsave_s" 'BEGIN { printf "%.2f", a / b }')
echo "target cached p50 <= 5 ms:               $(verdict "$(awk -v v="$worst_cached" 'BEGIN { print (v <= 5) }')") ($worst_cached ms)"
echo "target cold p50 <= 25 ms:                $(verdict "$(awk -v v="$worst_cold" 'BEGIN { print (v <= 25) }')") ($worst_cold ms)"
echo "target cached tiles/s >= 0.3 x nginx:    $(verdict "$(awk -v v="$ratio" 'BEGIN { print (v >= 0.3) }')") (${ratio}x)"
echo "target pyramid build <= 1.2 x tiffsave:  $(verdict "$(awk -v v="$build_ratio" 'BEGIN { print (v <= 1.2) }')") (${build_ratio}x)"
echo "target server RSS <= 300 MB:             $(verdict "$(awk -v v="$server_rss" 'BEGIN { print (v <= 300) }')") ($server_rss MB)"
