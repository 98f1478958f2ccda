#!/usr/bin/env bash
# Tiles, cold and cached, against IIPImage and nginx on the same files in the same run.
# - A 40,000² JPEG-compressed pyramidal TIFF (256-px tiles, Q85): random Deep Zoom tiles in the
#   geometry each server announces (256 px, no overlap, for both), each asked once (cold) at 64
#   connections and at 1; then only the tiles that can go out as stored (whole tiles of stored
#   levels); then 2,000 of them again and again (cached); Vitrine's classic 254 + 1 px tiles cold.
#   IIPImage: Debian's iipimage-server, two FastCGI processes behind nginx, JPEG quality 85 (ours),
#   installed here when missing. nginx serving the same tile bytes as files: the ceiling.
# - A 10,000² JPEG read from the pyramid the server builds (JPEG tiles), cold and cached; the build
#   against `vips tiffsave --pyramid` and `vips dzsave` on the same file.
# - A 10,000² deflate pyramidal TIFF (tiles libtiff decodes) and a 10,000² Aperio-described SVS
#   (levels read by OpenSlide, tiles by libtiff), cold, both servers.
# Cold runs start from restarted servers with no cached view; every tile is asked once.
#
#   bash bench/tile_bench.sh     COLD_SECONDS (default 4), DURATION (cached, default 10), CACHED_TILES (2000)
# Targets (issue 21, 2 cores): cold tiles/s >= 1.0x IIPImage, cold p50 at 1 connection <= 1.0x
# IIPImage, tiles that pass through >= 3x IIPImage; (issue 6) cached p50 <= 5 ms, cached tiles/s
# >= 0.3x nginx, pyramid build <= 1.2x tiffsave, server RSS <= 300 MB.
LOG_LEVEL=${LOG_LEVEL:-info}  # the server logs its own pyramid build time
source "$(dirname "$0")/lib.sh"
COLD_SECONDS=${COLD_SECONDS:-4}
DURATION=${DURATION:-10}
CACHED_TILES=${CACHED_TILES:-2000}
CONNECTIONS=64
command -v wrk >/dev/null || { echo "wrk is missing: run tools/setup-debian.sh" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx is missing: run tools/setup-debian.sh (package nginx-light)" >&2; exit 1; }
IIPSRV=/usr/lib/iipimage-server/iipsrv.fcgi
if [ ! -x "$IIPSRV" ] || ! command -v tiffset >/dev/null; then
  echo "installing IIPImage (iipimage-server; lighttpd satisfies its web-server dependency, never started) and libtiff-tools..." >&2
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    iipimage-server lighttpd libtiff-tools </dev/null >&2
fi
chmod 755 "$WORK"  # nginx's workers read the static copy

echo "generating a 40000x40000 pyramidal TIFF, a 10000x10000 JPEG, deflate TIFF and SVS..." >&2
texture "$WORK/srgb.v" 96
vips replicate "$WORK/srgb.v" "$WORK/big.v" 5 5
vips jpegsave "$WORK/big.v" "$WORK/plain.jpg" --Q 90
vips tiffsave "$WORK/big.v" "$WORK/deflate.tif" --tile --pyramid --compression deflate \
  --tile-width 256 --tile-height 256 --bigtiff
vips tiffsave "$WORK/big.v" "$WORK/slide.svs" --tile --pyramid --compression jpeg --Q 85 \
  --tile-width 256 --tile-height 256 --bigtiff
# OpenSlide knows an Aperio file by its description; libvips 8.14 cannot set one from the
# command line, so libtiff's tiffset writes it into the first page afterwards.
tiffset -s 270 "Aperio Image Library v10.0.51
10000x10000 [0,0 10000x10000] (256x256) JPEG/RGB Q=85|AppMag = 20|MPP = 0.5" "$WORK/slide.svs"
ln -s slide.svs "$WORK/svs_as.tif"  # IIPImage picks its reader by the name; the same bytes
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
deflate_id=$(upload_id "$WORK/deflate.tif")
svs_id=$(upload_id "$WORK/slide.svs")
svs_format=$(curl -sf -H "Authorization: $AUTH" "$URL/api/v1/images/$svs_id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["format"])')
[ "$svs_format" = openslide ] || echo "  the SVS was read as $svs_format, not through OpenSlide" >&2
for id in "$slide_id" "$jpeg_id" "$deflate_id" "$svs_id"; do
  grep -q 'TileSize="256" Overlap="0"' <(curl -sf -H "Authorization: $AUTH" "$URL/api/v1/images/$id.dzi") ||
    { echo "image $id does not announce 256-px tiles without overlap" >&2; exit 1; }
done

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

# Every tile of the finer levels of an image, shuffled (fixed seed), under a URL prefix.
# ONLY_WHOLE=1: only whole tiles of levels whose size is the full size halved and rounded up
# (those a stored pyramid holds as they are asked, with libvips' rounded-down pages).
tile_list() {  # prefix width height min_level tile_size overlap
  ONLY_WHOLE=${ONLY_WHOLE:-0} python3 - "$@" <<'PY'
import math, os, random, sys
prefix, width, height, min_level, tile, overlap = sys.argv[1], *map(int, sys.argv[2:7])
only_whole = os.environ["ONLY_WHOLE"] == "1"
top = math.ceil(math.log2(max(width, height)))
paths = []
for level in range(min_level, top + 1):
    scale = 2 ** (top - level)
    w, h = math.ceil(width / scale), math.ceil(height / scale)
    if only_whole and (w != width // scale or h != height // scale):
        continue
    for c in range(math.ceil(w / tile)):
        for r in range(math.ceil(h / tile)):
            if only_whole and ((c + 1) * tile > w or (r + 1) * tile > h):
                continue
            paths.append(f"{prefix}/{level}/{c}_{r}.jpg{'?overlap=1' if overlap else ''}")
random.Random(6).shuffle(paths)
print("\n".join(paths))
PY
}
IIP_URL=/fcgi-bin/iipsrv.fcgi?DeepZoom=
tile_list "/api/v1/images/${slide_id}_files" 40000 40000 10 256 0 >"$WORK/slide_paths"
tile_list "${IIP_URL}slide.tif_files" 40000 40000 10 256 0 >"$WORK/iip_slide_paths"
ONLY_WHOLE=1 tile_list "/api/v1/images/${slide_id}_files" 40000 40000 10 256 0 >"$WORK/whole_paths"
ONLY_WHOLE=1 tile_list "${IIP_URL}slide.tif_files" 40000 40000 10 256 0 >"$WORK/iip_whole_paths"
tile_list "/api/v1/images/${slide_id}_files" 40000 40000 10 254 1 >"$WORK/classic_paths"
tile_list "/api/v1/images/${jpeg_id}_files" 10000 10000 8 256 0 >"$WORK/jpeg_paths"
tile_list "/api/v1/images/${deflate_id}_files" 10000 10000 8 256 0 >"$WORK/deflate_paths"
tile_list "${IIP_URL}deflate.tif_files" 10000 10000 8 256 0 >"$WORK/iip_deflate_paths"
tile_list "/api/v1/images/${svs_id}_files" 10000 10000 8 256 0 >"$WORK/svs_paths"
tile_list "${IIP_URL}svs_as.tif_files" 10000 10000 8 256 0 >"$WORK/iip_svs_paths"

# IIPImage: two FastCGI processes behind nginx, as its documentation sets it up.
iip_port=$(( PORT + 2 ))
mkdir -p "$WORK/nginx_tmp"
nginx_common() {
  cat <<CONF
worker_processes 2;
error_log $WORK/nginx.err warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 1024; }
CONF
}
temp_paths="client_body_temp_path $WORK/nginx_tmp; proxy_temp_path $WORK/nginx_tmp; fastcgi_temp_path $WORK/nginx_tmp; uwsgi_temp_path $WORK/nginx_tmp; scgi_temp_path $WORK/nginx_tmp;"
{ nginx_common; cat <<CONF
pid $WORK/nginx_iip.pid;
http {
  access_log off;
  keepalive_requests 1000000;
  $temp_paths
  upstream iipsrv { server 127.0.0.1:$(( iip_port + 1 )); server 127.0.0.1:$(( iip_port + 2 )); }
  server {
    listen 127.0.0.1:$iip_port;
    location /fcgi-bin/iipsrv.fcgi { fastcgi_pass iipsrv; include /etc/nginx/fastcgi_params; }
  }
}
CONF
} >"$WORK/nginx_iip.conf"
IIP_PIDS=()
NGINX_PIDS=()
stop_iip() {
  [ ${#IIP_PIDS[@]} -gt 0 ] && kill "${IIP_PIDS[@]}" 2>/dev/null && wait "${IIP_PIDS[@]}" 2>/dev/null
  IIP_PIDS=()
  return 0
}
start_iip() {  # fresh processes: nothing in IIPImage's tile cache
  stop_iip
  for p in $(( iip_port + 1 )) $(( iip_port + 2 )); do
    VERBOSITY=0 JPEG_QUALITY=85 FILESYSTEM_PREFIX="$WORK/" "$IIPSRV" --bind "127.0.0.1:$p" --backlog 1024 \
      >"$WORK/iipsrv_$p.log" 2>&1 &
    IIP_PIDS+=($!)
  done
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$iip_port${IIP_URL}slide.tif.dzi" && return 0
    sleep 0.1
  done
  echo "IIPImage did not start: $(cat "$WORK"/iipsrv_*.log "$WORK/nginx.err" 2>/dev/null)" >&2
  exit 1
}
"$NGINX" -c "$WORK/nginx_iip.conf" -g "daemon off;" 2>"$WORK/nginx_iip.start" &
NGINX_PIDS+=($!)
trap 'stop_iip; [ ${#NGINX_PIDS[@]} -gt 0 ] && kill "${NGINX_PIDS[@]}" 2>/dev/null; cleanup' EXIT
start_iip
grep -q 'TileSize="256" Overlap="0"' <(curl -sf "http://127.0.0.1:$iip_port${IIP_URL}slide.tif.dzi") ||
  { echo "IIPImage does not announce 256-px tiles" >&2; exit 1; }

# A restarted server with no view cached: every tile is as cold as a first look.
restart_cold() {
  stop_server
  rm -rf "$DATA/cache/views"
  launch_server
}

run_wrk() {  # paths-file duration auth url [once] [connections]
  local connections=${6:-$CONNECTIONS} threads=2
  [ "$connections" -lt 2 ] && threads=1
  PATHS=$1 THREADS=$threads AUTH=$3 ONCE=${5:-0} wrk -t"$threads" -c"$connections" -d"$2s" -s bench/tile_paths.lua "$4" |
    grep '^RESULT'
}
field() { sed -nE "s/.* $1=([0-9.]+).*/\1/p" <<<"$2"; }
rate() { awk -v n="$(field requests "$1")" -v s="$(field seconds "$1")" 'BEGIN { printf "%.0f", n / s }'; }
check_run() {  # label result once|cycle
  local failures wraps
  failures=$(field failures "$2"); wraps=$(field wraps "$2")
  [ "$failures" = 0 ] || echo "  $1: $failures answers were not 200" >&2
  [ "$wraps" = 0 ] || [ "$3" = cycle ] ||
    echo "  $1: every tile was asked for before the time was up: its rate is a lower bound (lower COLD_SECONDS)" >&2
}
declare -A result
cold() {  # name paths-file url auth [connections]
  result[$1]=$(run_wrk "$2" "$COLD_SECONDS" "$4" "$3" 1 "${5:-$CONNECTIONS}")
  check_run "$1" "${result[$1]}" once
}
IIP="http://127.0.0.1:$iip_port"

echo "cold runs..." >&2
restart_cold; cold slide_cold "$WORK/slide_paths" "$URL" "$AUTH"
start_iip; cold iip_slide_cold "$WORK/iip_slide_paths" "$IIP" ""
restart_cold; cold slide_cold_1 "$WORK/slide_paths" "$URL" "$AUTH" 1
start_iip; cold iip_slide_cold_1 "$WORK/iip_slide_paths" "$IIP" "" 1
restart_cold; cold whole_cold "$WORK/whole_paths" "$URL" "$AUTH"
start_iip; cold iip_whole_cold "$WORK/iip_whole_paths" "$IIP" ""
restart_cold; cold classic_cold "$WORK/classic_paths" "$URL" "$AUTH"
restart_cold; cold jpeg_cold "$WORK/jpeg_paths" "$URL" "$AUTH"
restart_cold; cold deflate_cold "$WORK/deflate_paths" "$URL" "$AUTH"
start_iip; cold iip_deflate_cold "$WORK/iip_deflate_paths" "$IIP" ""
restart_cold; cold svs_cold "$WORK/svs_paths" "$URL" "$AUTH"
start_iip; cold iip_svs_cold "$WORK/iip_svs_paths" "$IIP" ""

echo "cached runs..." >&2
cached() {  # name paths-file url auth [connections]
  head -n "$CACHED_TILES" "$2" >"$WORK/$1_set"
  run_wrk "$WORK/$1_set" 2 "$4" "$3" 0 >/dev/null  # each asked at least once: surely cached
  result[$1]=$(run_wrk "$WORK/$1_set" "$DURATION" "$4" "$3" 0 "${5:-$CONNECTIONS}")
  check_run "$1" "${result[$1]}" cycle
}
cached slide_cached "$WORK/slide_paths" "$URL" "$AUTH"
cached slide_cached_1 "$WORK/slide_paths" "$URL" "$AUTH" 1
cached classic_cached "$WORK/classic_paths" "$URL" "$AUTH"
cached jpeg_cached "$WORK/jpeg_paths" "$URL" "$AUTH"
cached iip_slide_cached "$WORK/iip_slide_paths" "$IIP" ""
server_rss=$(peak_rss_mb)

# The ceiling: nginx serving the very same tile files, with the same load.
awk -v url="$URL" -v root="$WORK/static" '{ printf "url = \"%s%s\"\noutput = \"%s%s\"\n", url, $0, root, $0 }' \
  "$WORK/slide_cached_set" >"$WORK/static_curl.cfg"
curl -sf --create-dirs -H "Authorization: $AUTH" -K "$WORK/static_curl.cfg"
nginx_port=$(( PORT + 1 ))
chmod -R a+rX "$WORK/static"
{ nginx_common; cat <<CONF
pid $WORK/nginx.pid;
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  $temp_paths
  server { listen 127.0.0.1:$nginx_port; root $WORK/static; types { image/jpeg jpg; } }
}
CONF
} >"$WORK/nginx.conf"
"$NGINX" -c "$WORK/nginx.conf" -g "daemon off;" 2>"$WORK/nginx.start" &
NGINX_PIDS+=($!)
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$nginx_port$(head -n1 "$WORK/slide_cached_set")" && break; sleep 0.1; done
nginx_result=$(run_wrk "$WORK/slide_cached_set" "$DURATION" "" "http://127.0.0.1:$nginx_port")
check_run nginx "$nginx_result" cycle

echo
echo "Tile benchmark ($(nproc) cores shared by the servers and wrk; random 256-px JPEG Deep Zoom tiles, no overlap, unless said)"
printf "%-60s %10s %9s %9s %9s\n" "run" "tiles/s" "p50 ms" "p99 ms" "tiles"
row() { printf "%-60s %10s %9s %9s %9s\n" "$1" "$(rate "$2")" "$(field p50_ms "$2")" "$(field p99_ms "$2")" "$(field requests "$2")"; }
row "40000^2 JPEG pyramidal TIFF, cold, 64 conn: Vitrine" "${result[slide_cold]}"
row "                                              IIPImage" "${result[iip_slide_cold]}"
row "  cold, 1 connection: Vitrine" "${result[slide_cold_1]}"
row "                      IIPImage" "${result[iip_slide_cold_1]}"
row "  whole stored tiles only, cold, 64 conn: Vitrine" "${result[whole_cold]}"
row "                                          IIPImage" "${result[iip_whole_cold]}"
row "  classic 254 + 1 px tiles, cold, 64 conn: Vitrine" "${result[classic_cold]}"
row "  cached (${CACHED_TILES} tiles), 64 conn: Vitrine" "${result[slide_cached]}"
row "                               IIPImage" "${result[iip_slide_cached]}"
row "                               nginx, same tile files" "$nginx_result"
row "  cached, 1 connection: Vitrine" "${result[slide_cached_1]}"
row "  classic 254 + 1 px tiles, cached, 64 conn: Vitrine" "${result[classic_cached]}"
row "10000^2 JPEG (the pyramid Vitrine builds), cold: Vitrine" "${result[jpeg_cold]}"
row "  cached: Vitrine" "${result[jpeg_cached]}"
row "10000^2 deflate pyramidal TIFF, cold: Vitrine" "${result[deflate_cold]}"
row "                                      IIPImage" "${result[iip_deflate_cold]}"
row "10000^2 SVS ($svs_format), cold: Vitrine" "${result[svs_cold]}"
row "                            IIPImage (as TIFF)" "${result[iip_svs_cold]}"
echo
echo "pyramid of the 10000^2 JPEG: server ${build_s} s from the first tile to ready (${server_build_s:-?} s inside the server, stored); vips tiffsave --pyramid ${tiffsave_s} s; vips dzsave ${dzsave_s} s"
echo "server peak RSS: ${build_rss} MB after the pyramid build, ${server_rss} MB at the end of the cached runs"
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cold_ratio=$(ratio "$(rate "${result[slide_cold]}")" "$(rate "${result[iip_slide_cold]}")")
p50_ratio=$(ratio "$(field p50_ms "${result[slide_cold_1]}")" "$(field p50_ms "${result[iip_slide_cold_1]}")")
whole_ratio=$(ratio "$(rate "${result[whole_cold]}")" "$(rate "${result[iip_whole_cold]}")")
worst_cached=$(awk -v a="$(field p50_ms "${result[slide_cached]}")" -v b="$(field p50_ms "${result[jpeg_cached]}")" 'BEGIN { print (a > b ? a : b) }')
nginx_ratio=$(ratio "$(rate "${result[slide_cached]}")" "$(rate "$nginx_result")")
build_ratio=$(ratio "$build_s" "$tiffsave_s")
echo "target cold tiles/s >= 1.0 x IIPImage:        $(verdict "$(awk -v v="$cold_ratio" 'BEGIN { print (v >= 1.0) }')") (${cold_ratio}x)"
echo "target cold p50, 1 conn, <= 1.0 x IIPImage:   $(verdict "$(awk -v v="$p50_ratio" 'BEGIN { print (v <= 1.0) }')") (${p50_ratio}x)"
echo "target whole stored tiles >= 3 x IIPImage:     $(verdict "$(awk -v v="$whole_ratio" 'BEGIN { print (v >= 3.0) }')") (${whole_ratio}x)"
echo "target cached p50 <= 5 ms:                    $(verdict "$(awk -v v="$worst_cached" 'BEGIN { print (v <= 5) }')") ($worst_cached ms)"
echo "target cached tiles/s >= 0.3 x nginx:         $(verdict "$(awk -v v="$nginx_ratio" 'BEGIN { print (v >= 0.3) }')") (${nginx_ratio}x)"
echo "target pyramid build <= 1.2 x tiffsave:       $(verdict "$(awk -v v="$build_ratio" 'BEGIN { print (v <= 1.2) }')") (${build_ratio}x)"
echo "target server RSS <= 300 MB:                  $(verdict "$(awk -v v="$server_rss" 'BEGIN { print (v <= 300) }')") ($server_rss MB)"
