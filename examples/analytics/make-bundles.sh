#!/bin/sh
# Packs each example analytic into a bundle: OUT/<name>.tar.gz with analytic.json and the entry
# point at the archive's top, ready for `vitrine analytic register` or POST /api/v1/analytics.
#   sh examples/analytics/make-bundles.sh [OUT]     (default OUT: the current folder)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-.}
mkdir -p "$out"
for dir in "$here"/*/; do
  name=$(basename "$dir")
  [ -f "$dir/analytic.json" ] || continue
  tar czf "$out/$name.tar.gz" --owner=0 --group=0 --numeric-owner -C "$dir" .
  echo "$out/$name.tar.gz"
done
