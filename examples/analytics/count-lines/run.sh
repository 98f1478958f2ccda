#!/bin/sh
# examples/count-lines: counts the lines of the `text` data input (docs/jobs.md, "Writing an
# external analytic"). The worker gives the task in $VITRINE_TASK and collects counts.json
# from $VITRINE_OUTPUT_DIR; stdout and stderr go to the job's log.
set -eu
field() {  # one value of task.json, by its keys: field inputs text path
  python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]: v = v[k]
print(v if isinstance(v, str) else json.dumps(v))' "$VITRINE_TASK" "$@"
}
path=$(field inputs text path)
data_id=$(field inputs text data-id)
echo "counting the lines of data $data_id"
if [ "$(field parameters skip_empty)" = true ]; then lines=$(grep -c . "$path" || true); else lines=$(wc -l <"$path"); fi
echo "progress: 50"
printf '{"data_id": %s, "lines": %s}\n' "$data_id" "$lines" >"$VITRINE_OUTPUT_DIR/counts.json"
echo "progress: 100"
