#!/usr/bin/env bash
# Scale-out, in one run on one machine: the embedded store (SQLite + files) against PostgreSQL +
# S3 (a durable PostgreSQL cluster and moto, on loopback) with one server, and the same catalog
# and store through two servers behind nginx. The cores are shared by everything, so the figures
# that matter are the ratios.
#
#   bash bench/scale_bench.sh     N=200 photos, ANNOTATIONS=1000000, QUERIES=200, UPLOAD_MIB=2048
#
# Targets (issue 15): PostgreSQL box query p50 <= 2x the SQLite figure at 1M annotations; ingest
# on PostgreSQL + S3 >= 0.7x the embedded figure; a 2 GiB upload to S3 peaks under 100 MB RSS.
source "$(dirname "$0")/lib.sh"
source tools/lib/services.sh
N=${N:-200}
ANNOTATIONS=${ANNOTATIONS:-1000000}
QUERIES=${QUERIES:-200}
UPLOAD_MIB=${UPLOAD_MIB:-2048}
JOBS=${JOBS:-2}

MOTO_PID=""
NGINX_PID=""
SECOND_PID=""
scale_cleanup() {
  for pid in $SECOND_PID $NGINX_PID $MOTO_PID; do kill "$pid" 2>/dev/null || true; done
  stop_postgres "$WORK/pg"
  cleanup
}
trap scale_cleanup EXIT

camera_photos "$WORK/photos" "$N" "$JOBS"
vips black "$WORK/slide.png" 64 64

# ingest_seconds: uploads the photos into $PROJECT through $URL; prints the seconds it took.
ingest_seconds() {
  VITRINE_URL=$1 VITRINE_TOKEN=$TOKEN VITRINE_CREDENTIALS=/nonexistent XDG_CACHE_HOME=$WORK/cache-$RANDOM \
    seconds_of "$BIN" upload -p "$2" --jobs "$JOBS" "$WORK/photos" 2>>"$WORK/upload.log"
}
# upload_slide: uploads the (blank) slide the annotations go on into $PROJECT; sets SLIDE.
upload_slide() {
  SLIDE=$(curl -sf -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/slide.png" \
    "$URL/api/v1/projects/$PROJECT/images?filename=slide.png" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
  [ -n "$SLIDE" ] || { echo "could not upload the slide" >&2; exit 1; }
}
# box_query_p50 URL CATALOG_DB TOTAL: the API's bbox query p50 on $SLIDE in ms (inserting TOTAL
# annotations first when TOTAL > 0; CATALOG_DB "-" when it is not a SQLite file).
box_query_p50() {
  "$BUILD/bin/annotation_bench" "$1" "$TOKEN" "$SLIDE" "$2" "$3" "$QUERIES" | tee "$WORK/annotations.out" >&2
  sed -n 's/^api_p50_ms=//p' "$WORK/annotations.out"
}
# large_upload: restarts the server, uploads the large TIFF; sets LARGE_RSS, the server's peak RSS in MB.
large_upload() {
  stop_server
  launch_server
  curl -sf -o "$WORK/large.json" -T "$WORK/large.tif" -X POST -H "Authorization: Bearer $TOKEN" \
    "$URL/api/v1/projects/$PROJECT/images?filename=large.tif" || true
  grep -q '"sha256"' "$WORK/large.json" || { echo "the large upload failed: $(cat "$WORK/large.json")" >&2; exit 1; }
  LARGE_RSS=$(peak_rss_mb)
}
# Flat and above the ingest decode limit (100 MP), as a large upload is: only its header is read.
vips black "$WORK/large.tif" 16384 $((UPLOAD_MIB * 1024 * 1024 / 16384 / 8)) --bands 8
large_bytes=$(stat -c %s "$WORK/large.tif")

echo "== embedded: SQLite + files ==" >&2
DATA=$WORK/embedded
start_server
embedded_ingest=$(ingest_seconds "$URL" "$PROJECT")
upload_slide
embedded_p50=$(box_query_p50 "$URL" "$DATA/catalog.db" "$ANNOTATIONS")
large_upload
embedded_upload_rss=$LARGE_RSS
stop_server

echo "== PostgreSQL + S3, one server ==" >&2
pg_port=$(free_port)
chmod 755 "$WORK"  # the cluster runs as the postgres user when we are root
start_postgres "$WORK/pg" "$pg_port" durable
psql -q -X -v ON_ERROR_STOP=1 "postgresql://vitrine@127.0.0.1:$pg_port/postgres" -c 'CREATE DATABASE bench'
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret
s3_port=$(free_port)
MOTO_PID=$(start_moto "$WORK/s3" "$s3_port" bench)
DATA=$WORK/scaled
STORE_ARGS="--catalog postgresql://vitrine@127.0.0.1:$pg_port/bench --blobs s3://bench?endpoint=http://127.0.0.1:$s3_port&region=us-east-1"
start_server
scaled_ingest=$(ingest_seconds "$URL" "$PROJECT")
upload_slide
scaled_p50=$(box_query_p50 "$URL" - "$ANNOTATIONS")

echo "== PostgreSQL + S3, two servers behind nginx ==" >&2
second_port=$(free_port)
# shellcheck disable=SC2086
"$BIN" serve --data "$WORK/scaled2" $STORE_ARGS --listen "127.0.0.1:$second_port" --no-access-log \
  --log-level warning --trusted-proxy 127.0.0.1 >"$WORK/serve2.log" 2>&1 &
SECOND_PID=$!
wait_for "curl -sf -o /dev/null http://127.0.0.1:$second_port/api/v1/health" 60 || { cat "$WORK/serve2.log" >&2; exit 1; }
lb_port=$(free_port)
NGINX_PID=$(start_nginx "$WORK/nginx" "$lb_port" "$PORT" "$second_port")
# shellcheck disable=SC2086
second_project=$("$BIN" project create bench2 --owner bench --json --data "$DATA" $STORE_ARGS | sed -nE 's/.*"id": ([0-9]+).*/\1/p')
pair_ingest=$(ingest_seconds "http://127.0.0.1:$lb_port" "$second_project")
pair_p50=$(box_query_p50 "http://127.0.0.1:$lb_port" - "-$ANNOTATIONS")
kill "$SECOND_PID" "$NGINX_PID"
wait "$SECOND_PID" "$NGINX_PID" 2>/dev/null || true
SECOND_PID="" NGINX_PID=""

echo "== a ${UPLOAD_MIB} MiB upload to S3, on a fresh server ==" >&2
large_upload
upload_rss=$LARGE_RSS

echo
echo "Scale-out benchmark: $(nproc) cores shared by every process; PostgreSQL durable (fsync on), S3 = moto"
printf "%-46s %14s %16s\n" "" "ingest img/s" "box query p50"
printf "%-46s %14.1f %13.2f ms\n" "embedded (SQLite + files), one server" "$(awk -v n="$N" -v s="$embedded_ingest" 'BEGIN{print n/s}')" "$embedded_p50"
printf "%-46s %14.1f %13.2f ms\n" "PostgreSQL + S3, one server" "$(awk -v n="$N" -v s="$scaled_ingest" 'BEGIN{print n/s}')" "$scaled_p50"
printf "%-46s %14.1f %13.2f ms\n" "PostgreSQL + S3, two servers behind nginx" "$(awk -v n="$N" -v s="$pair_ingest" 'BEGIN{print n/s}')" "$pair_p50"
ingest_ratio=$(awk -v a="$embedded_ingest" -v b="$scaled_ingest" 'BEGIN { printf "%.2f", a/b }')
query_ratio=$(awk -v a="$embedded_p50" -v b="$scaled_p50" 'BEGIN { printf "%.2f", b/a }')
echo "ingest PostgreSQL+S3 / embedded: $ingest_ratio (target >= 0.7): $(verdict "$(awk -v r="$ingest_ratio" 'BEGIN { print (r >= 0.7) }')")"
echo "box query p50 PostgreSQL / SQLite at $ANNOTATIONS: $query_ratio (target <= 2): $(verdict "$(awk -v r="$query_ratio" 'BEGIN { print (r <= 2) }')")"
echo "upload of $((large_bytes / 1024 / 1024)) MiB: server peak RSS $upload_rss MB to S3 (target <= 100): $(verdict "$((upload_rss <= 100))"); $embedded_upload_rss MB to files"
