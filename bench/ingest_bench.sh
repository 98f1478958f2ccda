#!/usr/bin/env bash
# Ingest throughput: N camera-like 2592x1944 JPEGs uploaded over HTTP with `vitrine upload`,
# against `vipsthumbnail` alone on the same files with the same parallelism (the floor for
# decode + resize, which ingest also does to validate each file and cache its thumbnail).
#
#   bash bench/ingest_bench.sh            N=100 JOBS=2 by default
# Target (issue 3, 2 cores): ingest images/s >= 0.6 x the vipsthumbnail reference.
source "$(dirname "$0")/lib.sh"
N=${N:-100}
JOBS=${JOBS:-2}

mkdir -p "$WORK/thumbs"
camera_photos "$WORK/photos" "$N" "$JOBS"
bytes=$(du -cb "$WORK"/photos/*.jpg | tail -1 | cut -f1)

# Reference: vipsthumbnail on the same files, split into JOBS parallel runs.
ls "$WORK"/photos/*.jpg | split -n "r/$JOBS" - "$WORK/list."
ref_s=$(seconds_of bash -c "ls $WORK/list.* | xargs -P $JOBS -I{} sh -c 'xargs vipsthumbnail --size 256 -o $WORK/thumbs/%s.jpg < {}'")

start_server
export VITRINE_URL=$URL VITRINE_TOKEN=$TOKEN VITRINE_CREDENTIALS=/nonexistent XDG_CACHE_HOME=$WORK/cache
ingest_s=$(seconds_of "$BIN" upload -p "$PROJECT" --jobs "$JOBS" "$WORK/photos")
count=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/projects/$PROJECT/images?limit=1" | sed -nE 's/.*"total":([0-9]+).*/\1/p')
[ "$count" = "$N" ] || { echo "only $count of $N images were ingested" >&2; exit 1; }

echo
echo "Ingest benchmark: $N JPEGs 2592x1944, $((bytes / N / 1024)) KiB each, $JOBS in parallel, $(nproc) cores"
printf "%-44s %10s %10s %10s\n" "" "seconds" "images/s" "MB/s"
awk -v n="$N" -v b="$bytes" -v s="$ref_s" 'BEGIN { printf "%-44s %10.2f %10.1f %10.1f\n", "vipsthumbnail --size 256 (reference)", s, n/s, b/s/1e6 }'
awk -v n="$N" -v b="$bytes" -v s="$ingest_s" 'BEGIN { printf "%-44s %10.2f %10.1f %10.1f\n", "vitrine upload over HTTP (hash, store, probe, thumbnail)", s, n/s, b/s/1e6 }'
ratio=$(awk -v a="$ref_s" -v b="$ingest_s" 'BEGIN { printf "%.2f", a/b }')
echo "ingest / reference throughput: $ratio   server peak RSS: $(peak_rss_mb) MB"
echo "target ingest >= 0.6 x reference: $(verdict "$(awk -v r="$ratio" 'BEGIN { print (r >= 0.6) }')")"
