#!/usr/bin/env bash
# Installs the client package into a temp prefix, builds examples/ against it as a separate
# CMake project (as a user would), and runs every example on a fresh data folder.
#   examples_test.sh BUILD_DIR SOURCE_DIR VITRINE_BINARY
set -euo pipefail
build_dir=$1 source_dir=$2 vitrine=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$source_dir/examples" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/configure.log" ||
  fail "examples do not configure against the package: $(cat "$work/configure.log")"
cmake --build "$work/build" -j 2 >"$work/build.log" 2>&1 || fail "examples do not build: $(tail -30 "$work/build.log")"
flags=$(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs vitrine)
[[ "$flags" == *"-lvitrine_client"* && "$flags" == *"$work/prefix"* ]] || fail "pkg-config gives '$flags'"

data="$work/data"
VITRINE_PASSWORD=password-alice "$vitrine" user add alice --data "$data" >/dev/null
project=$("$vitrine" project create Traps --owner alice --json --data "$data" | sed -nE 's/.*"id": ([0-9]+).*/\1/p')
mkdir -p "$work/photos"
for hour in 01 02; do
  vips perlin "$work/p$hour.v" 200 150 --seed "$hour"
  vips linear "$work/p$hour.v" "$work/photos/5c173ff2.2020-06-20_$hour-00-00.jpg" 100 128 --uchar
done
url="file://$data"
bin="$work/build"

"$bin/connect" "$url" alice | grep -q "signed in as alice" || fail "connect"
"$bin/fetch_project" "$url" alice "$project" | grep -q ": Traps" || fail "fetch_project"
"$bin/fetch_project" "$url" alice "$project" "summer traps" | grep -q ": Traps (summer traps)" || fail "fetch_project saving a description"
"$bin/fetch_project" "$url" alice "$project" | grep -q "(summer traps)" || fail "the saved description"
"$bin/upload_image" "$url" alice "$project" "$work"/photos/*.jpg | grep -c -- "-> image" | grep -q 2 || fail "upload_image"
"$bin/upload_image" "$url" alice "$project" "$work"/photos/*.jpg | grep -c "already there" | grep -q 2 ||
  fail "upload_image did not report duplicates"
"$bin/device_series" "$url" alice 5c173ff2 2020-06-20T00:00:00Z 2020-06-20T02:00:00Z | grep -q "^1 images" ||
  fail "device_series window"
"$bin/device_series" "$url" alice 5c17% 2020-06-20T00:00:00Z 2020-06-21T00:00:00Z | grep -q "^2 images" ||
  fail "device_series across pages"
"$bin/download_thumbnails" "$url" alice "$project" "$work/thumbs" | grep -q "^2 thumbnails" || fail "download_thumbnails"
[ "$(ls "$work/thumbs" | wc -l)" = 2 ] || fail "thumbnail files"
if "$bin/fetch_project" "$url" alice 999 2>/dev/null; then fail "a missing project must fail"; fi
echo "examples: 9 checks passed, 0 failed"
