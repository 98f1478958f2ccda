#!/usr/bin/env bash
# Memory under a 2 GiB upload and download: the server streams both ways, so its peak RSS
# stays far below the file size.
#
#   bash bench/memory_bench.sh          SIZE_SIDE=32768 (a 32768x32768x2 uncompressed TIFF = 2 GiB)
# Target (issue 3): server peak RSS <= 100 MB. Needs about 7 GB of free disk.
# An image this large and flat is header-checked at upload and decoded only when first viewed
# (ImageOptions::max_ingest_decode_pixels); that first thumbnail is reported after the target.
source "$(dirname "$0")/lib.sh"
SIDE=${SIZE_SIDE:-32768}

echo "generating a ${SIDE}x${SIDE} two-band uncompressed TIFF..." >&2
vips black "$WORK/big.tif" "$SIDE" "$SIDE" --bands 2
size=$(stat -c %s "$WORK/big.tif")

start_server
idle=$(rss_mb)
auth=(-H "Authorization: Bearer $TOKEN")
up_s=$(seconds_of curl -sf "${auth[@]}" -X POST -T "$WORK/big.tif" "$URL/api/v1/projects/$PROJECT/images?filename=big.tif")
after_upload=$(peak_rss_mb)
id=$(curl -s "${auth[@]}" "$URL/api/v1/projects/$PROJECT/images" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
down_s=$(seconds_of curl -sf "${auth[@]}" -o "$WORK/back.tif" "$URL/api/v1/images/$id/file")
peak=$(peak_rss_mb)
same=$(cmp -s "$WORK/big.tif" "$WORK/back.tif" && echo yes || echo NO)
# Not part of the target: the first thumbnail of a huge flat image is libvips decoding 2 GiB,
# whose working memory is libvips' own (vipsthumbnail alone needs as much on this file).
thumb_s=$(seconds_of curl -sf "${auth[@]}" -o /dev/null "$URL/api/v1/images/$id/thumbnail")
after_thumb=$(peak_rss_mb)
ref_rss=$( { /usr/bin/time -f "%M" vipsthumbnail "$WORK/big.tif" --size 256 -o "$WORK/ref.jpg"; } 2>&1 | tail -1)

echo
echo "Memory benchmark: $((size / 1048576)) MiB file over HTTP ($(nproc) cores)"
awk -v s="$up_s" -v b="$size" 'BEGIN { printf "upload:   %6.1f s  %7.1f MB/s  (stream to disk, hash, fsync, header check)\n", s, b/s/1e6 }'
awk -v s="$down_s" -v b="$size" 'BEGIN { printf "download: %6.1f s  %7.1f MB/s\n", s, b/s/1e6 }'
echo "downloaded bytes identical: $same"
echo "server RSS: idle $idle MB, peak after upload $after_upload MB, peak after download $peak MB (file: $((size / 1048576)) MiB)"
echo "target peak RSS <= 100 MB: $(verdict "$(awk -v r="$peak" 'BEGIN { print (r <= 100) }')")"
echo "then a first thumbnail of it: $thumb_s s, server peak RSS $after_thumb MB (vipsthumbnail alone: $((ref_rss / 1024)) MB)"
