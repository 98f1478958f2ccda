#!/usr/bin/env bash
# Annotations: bulk insert rate and bbox query latency against the raw R*Tree query on the same
# database. ANNOTATIONS (default 1,000,000) and QUERIES (default 200) scale it down for a quick look.
source "$(dirname "$0")/lib.sh"
start_server
vips black "$WORK/slide.png" 64 64
IMAGE=$(curl -sf -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/slide.png" \
  "$URL/api/v1/projects/$PROJECT/images?filename=slide.png" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
[ -n "$IMAGE" ] || { echo "could not upload the image" >&2; exit 1; }
"$BUILD/bin/annotation_bench" "$URL" "$TOKEN" "$IMAGE" "$WORK/data/catalog.db" "${ANNOTATIONS:-1000000}" \
  "${QUERIES:-200}"
echo "server peak RSS: $(grep VmHWM /proc/$SERVER_PID/status | awk '{print $2/1024 " MB"}')"
