#!/usr/bin/env bash
# The example analytics of examples/analytics/: packs them with make-bundles.sh, checks that each
# bundle holds an analytic.json that parses and names an executable entry point at its top, runs
# each entry point by hand as a worker would (clean environment, a task.json, an output folder)
# and checks its output; given a vitrine binary, also registers both bundles on a server on
# loopback, so the server's own checks of the analytic document pass.
#   analytics_examples_test.sh [SOURCE_DIR [VITRINE_BINARY]]
# The run through a real worker is tests/jobs' business (external analytics).
set -euo pipefail
source_dir=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
vitrine=${2:-}
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

sh "$source_dir/examples/analytics/make-bundles.sh" "$work/bundles" >/dev/null
for name in count-lines mean-brightness; do
  bundle="$work/bundles/$name.tar.gz"
  [ -f "$bundle" ] || fail "make-bundles.sh made no $name.tar.gz"
  mkdir -p "$work/unpacked/$name"
  tar xzf "$bundle" -C "$work/unpacked/$name"
  # analytic.json at the top, valid JSON, with a name, a version and an entry point that is an
  # executable file of the bundle.
  entry=$(python3 - "$work/unpacked/$name/analytic.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
info = doc["info"]
assert info["name"] and info["version"], "info.name and info.version are required"
for part in ("inputs", "parameters", "outputs"):
    assert isinstance(doc.get(part, []), list), part + " must be an array"
print(info["entrypoint"])
PY
  ) || fail "$name: analytic.json does not parse or names no entry point"
  [ -f "$work/unpacked/$name/$entry" ] || fail "$name: entry point $entry is not in the bundle"
  [ -x "$work/unpacked/$name/$entry" ] || fail "$name: entry point $entry is not executable"
done

# Runs an unpacked analytic as a worker does: only the documented variables.
run_analytic() {  # run_analytic NAME TASK_JSON
  local name=$1 entry
  entry=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["info"]["entrypoint"])' \
    "$work/unpacked/$name/analytic.json")
  rm -rf "${work:?}/out" "${work:?}/home" && mkdir -p "$work/out" "$work/home"
  (cd "$work/unpacked/$name" && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$work/home" LANG=C.UTF-8 \
    VITRINE_JOB_ID=1 VITRINE_TASK="$2" VITRINE_OUTPUT_DIR="$work/out" VITRINE_URL=http://127.0.0.1:9 \
    VITRINE_TOKEN=vt_unused "./$entry") >"$work/$name.log" 2>&1 || fail "$name exited non-zero: $(cat "$work/$name.log")"
  grep -q '^progress: 100$' "$work/$name.log" || fail "$name printed no 'progress: 100': $(cat "$work/$name.log")"
}

# count-lines: 4 lines, one of them empty.
printf 'a\n\nb\nc\n' >"$work/lines.txt"
cat >"$work/task-lines.json" <<EOF
{"job_id": 1, "analytic": "examples/count-lines", "version": "1.0",
 "inputs": {"text": {"type": "data", "data-id": 4, "path": "$work/lines.txt"}},
 "parameters": {"skip_empty": false}}
EOF
run_analytic count-lines "$work/task-lines.json"
python3 -c 'import json, sys; assert json.load(open(sys.argv[1])) == {"data_id": 4, "lines": 4}' "$work/out/counts.json" ||
  fail "count-lines wrote $(cat "$work/out/counts.json")"
sed -i 's/"skip_empty": false/"skip_empty": true/' "$work/task-lines.json"
run_analytic count-lines "$work/task-lines.json"
python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["lines"] == 3' "$work/out/counts.json" ||
  fail "count-lines with skip_empty wrote $(cat "$work/out/counts.json")"

# mean-brightness: two flat grey images (PGM, written here) of known level.
python3 - "$work" <<'PY'
import sys
for level in (40, 200):
    with open(f"{sys.argv[1]}/grey{level}.pgm", "wb") as f:
        f.write(b"P5 16 8 255\n" + bytes([level]) * 128)
PY
cat >"$work/task-images.json" <<EOF
{"job_id": 2, "analytic": "examples/mean-brightness", "version": "1.0",
 "inputs": {"images": {"type": "images", "image-ids": [7, 9], "paths": ["$work/grey40.pgm", "$work/grey200.pgm"]}},
 "parameters": {"decimals": 1}}
EOF
run_analytic mean-brightness "$work/task-images.json"
python3 -c '
import json, sys
got = json.load(open(sys.argv[1]))
assert got == {"7": {"mean_brightness": "40.0"}, "9": {"mean_brightness": "200.0"}}, got' "$work/out/brightness.json" ||
  fail "mean-brightness wrote $(cat "$work/out/brightness.json")"

# The server's own checks: both bundles register (201) and their documents come back.
if [ -n "$vitrine" ]; then
  data="$work/data"
  VITRINE_PASSWORD=password-admin "$vitrine" user add admin --admin --data "$data" >/dev/null
  token=$("$vitrine" token create --user admin --data "$data" 2>/dev/null)
  port=$((20000 + RANDOM % 20000))
  "$vitrine" serve --data "$data" --listen "127.0.0.1:$port" --job-workers 0 --no-access-log >"$work/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
  for name in count-lines mean-brightness; do
    status=$(curl -s -o "$work/registered.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
      -X POST --data-binary "@$work/bundles/$name.tar.gz" "http://127.0.0.1:$port/api/v1/analytics")
    [ "$status" = 201 ] || fail "registering $name: $status $(cat "$work/registered.json")"
    python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["name"] == "examples/" + sys.argv[2]' \
      "$work/registered.json" "$name" || fail "registering $name answered $(cat "$work/registered.json")"
  done
fi
echo "analytics examples: ok"
