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

mkdir -p "$WORK/photos" "$WORK/thumbs"
echo "generating $N camera-like 2592x1944 JPEGs..." >&2
make_photo() {  # textured colour scene plus sensor noise, saved as a camera would (Q90)
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
export -f make_photo
seq 0 $((N - 1)) | xargs -P "$JOBS" -I{} bash -c "make_photo {} $WORK/photos"
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
