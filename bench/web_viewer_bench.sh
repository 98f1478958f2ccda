#!/usr/bin/env bash
# The web viewer in Chromium on a 100,000 x 100,000 image with 1,000,000 annotations: time from
# opening to the first annotated view, frame times while panning, annotations fetched per view.
# SLIDE=path reuses a pyramid TIFF; ANNOTATIONS and PAN_SECONDS scale it down.
source "$(dirname "$0")/lib.sh"
[ -f web/dist/index.html ] || { echo "web/dist is missing: run make build" >&2; exit 1; }
SERVER_ARGS="--app $PWD/web/dist" start_server

SLIDE=${SLIDE:-}
if [ -z "$SLIDE" ]; then
  echo "making a 100,000 x 100,000 tiled pyramid TIFF (about a minute)..." >&2
  texture "$WORK/tile.v" 96
  vips replicate "$WORK/tile.v" "$WORK/big.v" 50 50
  SLIDE=$WORK/slide.tif
  vips tiffsave "$WORK/big.v" "$SLIDE" --tile --pyramid --compression jpeg --Q 75 \
    --tile-width 256 --tile-height 256 --bigtiff
  rm -f "$WORK/tile.v" "$WORK/big.v"
fi
echo "uploading $(du -h "$SLIDE" | cut -f1) slide..." >&2
start=$(date +%s.%N)
IMAGE=$(curl -sf -H "Authorization: Bearer $TOKEN" --data-binary @"$SLIDE" \
  "$URL/api/v1/projects/$PROJECT/images?filename=slide.tif" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
[ -n "$IMAGE" ] || { echo "could not upload the slide: $(tail -5 "$WORK/serve.log")" >&2; exit 1; }
awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "slide stored in %.1f s\n", b - a }'

echo "inserting ${ANNOTATIONS:-1000000} annotations..." >&2
"$BUILD/bin/annotation_bench" "$URL" "$TOKEN" "$IMAGE" - "${ANNOTATIONS:-1000000}" 20 | grep "bulk insert"

(cd web && node tests/e2e/viewer.bench.mjs "$URL" bench bench-password "$IMAGE" "${PAN_SECONDS:-15}")
echo "server peak RSS: $(peak_rss_mb) MB"
