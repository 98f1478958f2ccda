#!/usr/bin/env bash
# The job queue: throughput and queue→RUNNING latency of vitrine/noop jobs through 2 worker
# processes, against Celery with a Redis broker (2 worker processes) in the same run; then
# vitrine/dark-objects over Sticky Pi photos through the same workers, against
# bench/dark_objects_reference.py (OpenCV, 2 processes) on the same files.
#
#   bash bench/job_bench.sh                 everything, with `vitrine worker --server URL` ×2
#   bash bench/job_bench.sh --serve-workers the same with `serve --job-workers 2` in place of
#                                           the worker processes (in-process workers)
#   bash bench/job_bench.sh --celery-only   only the Celery reference (no vitrine needed)
#   bash bench/job_bench.sh --no-celery | --no-dark   leave a part out
#
# Knobs: JOBS (2000 no-op jobs), THREADS (8 submitting threads), SAMPLES (200 latency samples),
# DARK_IMAGES (200 photos), IMAGES_PER_JOB (10), CELERY_POOL (prefork; or solo), TIMEOUT (600 s
# per wait). Everything listens on 127.0.0.1 and is stopped on exit.
# Targets (issue 16): vitrine ≥ 0.5× Celery's jobs/s, vitrine p50 queue→RUNNING ≤ 20 ms,
# dark-objects ≥ 1.5× the OpenCV reference's images/s.
set -euo pipefail

celery_only=0 serve_workers=0 run_celery=1 run_dark=1
for arg in "$@"; do
  case $arg in
    --celery-only) celery_only=1 ;;
    --serve-workers) serve_workers=1 ;;
    --no-celery) run_celery=0 ;;
    --no-dark) run_dark=0 ;;
    *) echo "unknown option $arg (see the head of $0)" >&2; exit 2 ;;
  esac
done
JOBS=${JOBS:-2000} THREADS=${THREADS:-8} SAMPLES=${SAMPLES:-200}
DARK_IMAGES=${DARK_IMAGES:-200} IMAGES_PER_JOB=${IMAGES_PER_JOB:-10}
CELERY_POOL=${CELERY_POOL:-prefork} TIMEOUT=${TIMEOUT:-600}
PY=/usr/bin/python3  # Debian's: python3-celery, python3-redis and python3-opencv live there
PHOTOS=${PHOTOS:-$(cd "$(dirname "$0")/.." && pwd)/../shared/data/stickypi/raw_images}
[ -d "$PHOTOS" ] || PHOTOS=/work/shared/data/stickypi/raw_images

if [ "$celery_only" = 1 ]; then
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-bench.XXXXXX")
  cleanup() { if [ -n "${KEEP_WORK:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi; }
  verdict() { awk -v ok="$1" 'BEGIN { print (ok ? "met" : "NOT met") }'; }
else
  source "$(dirname "$0")/lib.sh"
fi

# Processes this script starts besides the server: stopped (TERM, then KILL after 10 s) before
# lib.sh's cleanup stops the server and removes the work folder.
EXTRA_PIDS=()
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
bench_cleanup() {
  local pid
  for pid in "${EXTRA_PIDS[@]}"; do stop_pid "$pid"; done
  cleanup
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

free_port() { $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
p50_p99() { $PY -c 'import json, sys; d = json.load(sys.stdin); print(d["p50_ms"], d["p99_ms"])'; }
field() { $PY -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# ---- the clients (written here, so the script is one file) ----

cat >"$WORK/jobclient.py" <<'PY'
"""Vitrine's side: submits jobs over keep-alive connections and reads their records.

    jobclient.py throughput URL TOKEN PROJECT N THREADS TIMEOUT
    jobclient.py latency URL TOKEN PROJECT SAMPLES TIMEOUT
    jobclient.py dark URL TOKEN PROJECT PER_JOB TIMEOUT
Prints one JSON object. Rates and latencies come from the jobs' own timestamps (created_at,
queued_at, started_at, completed_at), not from this client's polling.
"""
import datetime, http.client, json, statistics, sys, threading, time, urllib.parse


class Api:
    def __init__(self, url, token):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.token = u.hostname, u.port, token
        self.conn = None

    def call(self, method, path, body=None, expect=(200, 201)):
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                headers = {"Authorization": "Bearer " + self.token}
                data = None if body is None else json.dumps(body)
                if data is not None:
                    headers["Content-Type"] = "application/json"
                self.conn.request(method, path, data, headers)
                r = self.conn.getresponse()
                text = r.read()
                if r.status not in expect:
                    raise SystemExit(f"{method} {path}: {r.status} {text[:300]!r}")
                return json.loads(text) if text else None
            except (ConnectionError, http.client.HTTPException):
                self.conn = None
                if attempt == 2:
                    raise
                time.sleep(0.2)


def t(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def noop_job(project):
    return {"project": project, "analytic": "vitrine/noop", "auto_start": True}


def wait_finished(api, job_id, deadline):
    while True:
        job = api.call("GET", f"/api/v1/jobs/{job_id}?wait=10")
        if job["state"] in ("COMPLETE", "FAILED"):
            return job
        if time.monotonic() > deadline:
            raise SystemExit(f"job {job_id} still {job['state']} after the timeout")


def jobs_of(api, project, ids):
    wanted, found, offset = set(ids), [], 0
    while True:
        page = api.call("GET", f"/api/v1/jobs?project={project}&sort=id&order=asc&limit=1000&offset={offset}")
        found += [j for j in page["items"] if j["id"] in wanted]
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return found


def count(api, project, state):
    return api.call("GET", f"/api/v1/jobs?project={project}&state={state}&limit=1")["total"]


def throughput(url, token, project, n, threads, timeout):
    project, n, threads = int(project), int(n), int(threads)
    before = count(Api(url, token), project, "COMPLETE") + count(Api(url, token), project, "FAILED")
    ids, lock = [], threading.Lock()

    def submit(share):
        api = Api(url, token)
        for _ in range(share):
            job = api.call("POST", "/api/v1/jobs", noop_job(project))
            with lock:
                ids.append(job["id"])

    start = time.monotonic()
    workers = [threading.Thread(target=submit, args=(n // threads + (i < n % threads),)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    submitted = time.monotonic() - start
    api, deadline = Api(url, token), time.monotonic() + float(timeout)
    while count(api, project, "COMPLETE") + count(api, project, "FAILED") - before < n:
        if time.monotonic() > deadline:
            raise SystemExit("the jobs did not all finish before the timeout")
        time.sleep(0.25)
    jobs = jobs_of(api, project, ids)
    first = min(t(j["created_at"]) for j in jobs)
    last = max(t(j["completed_at"] or j["failed_at"]) for j in jobs)
    failed = sum(j["state"] != "COMPLETE" for j in jobs)
    print(json.dumps({"jobs": len(jobs), "failed": failed, "submit_s": round(submitted, 3),
                      "seconds": round(last - first, 3), "jobs_per_s": round(len(jobs) / (last - first), 1)}))


def percentiles(ms):
    ms = sorted(ms)
    return {"samples": len(ms), "p50_ms": round(statistics.median(ms), 2),
            "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 2), "max_ms": round(ms[-1], 2)}


def latency(url, token, project, samples, timeout):
    api, out = Api(url, token), []
    deadline = time.monotonic() + float(timeout)
    for _ in range(int(samples)):
        job = api.call("POST", "/api/v1/jobs", noop_job(int(project)))
        job = wait_finished(api, job["id"], deadline)
        out.append((t(job["started_at"]) - t(job["queued_at"])) * 1000)
    print(json.dumps(percentiles(out)))


def dark(url, token, project, per_job, timeout):
    api, project, per_job = Api(url, token), int(project), int(per_job)
    images, offset = [], 0
    while True:
        page = api.call("GET", f"/api/v1/projects/{project}/images?limit=1000&offset={offset}")
        images += [i["id"] for i in page["items"]]
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            break
    ids = []
    for k in range(0, len(images), per_job):
        body = {"project": project, "analytic": "vitrine/dark-objects", "auto_start": True,
                "inputs": {"images": {"image-ids": images[k:k + per_job]}}}
        ids.append(api.call("POST", "/api/v1/jobs", body)["id"])
    deadline = time.monotonic() + float(timeout)
    jobs = [wait_finished(api, i, deadline) for i in ids]
    failed = [j for j in jobs if j["state"] != "COMPLETE"]
    if failed:
        raise SystemExit(f"{len(failed)} dark-objects job(s) failed: {failed[0]['failure_reason']}")
    objects = sum(entry["objects"] for j in jobs for entry in api.call("GET", f"/api/v1/jobs/{j['id']}/outputs/summary"))
    first = min(t(j["created_at"]) for j in jobs)
    last = max(t(j["completed_at"]) for j in jobs)
    print(json.dumps({"images": len(images), "jobs": len(jobs), "seconds": round(last - first, 3),
                      "images_per_s": round(len(images) / (last - first), 2), "objects": objects}))


if __name__ == "__main__":
    {"throughput": throughput, "latency": latency, "dark": dark}[sys.argv[1]](*sys.argv[2:])
PY

cat >"$WORK/celery_jobs.py" <<'PY'
"""The reference: the same no-op task through Celery with a Redis broker and result backend."""
import os, time
from celery import Celery

app = Celery("celery_jobs", broker=os.environ["BENCH_REDIS"], backend=os.environ["BENCH_REDIS"])
app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"],
                worker_hijack_root_logger=False, result_expires=3600)


@app.task
def noop():
    return time.time()  # when the task ran: the end of its queue wait
PY

cat >"$WORK/celery_client.py" <<'PY'
"""celery_client.py throughput N TIMEOUT | latency SAMPLES TIMEOUT | ready WORKERS TIMEOUT"""
import json, statistics, sys, time
from celery_jobs import app, noop


def ready(workers, timeout):
    deadline = time.monotonic() + float(timeout)
    while len(app.control.ping(timeout=1.0)) < int(workers):
        if time.monotonic() > deadline:
            raise SystemExit("the Celery workers did not come up")
    for r in [noop.delay() for _ in range(20)]:  # warm: connections made, code loaded
        r.get(timeout=float(timeout))


def throughput(n, timeout):
    start = time.time()
    results = [noop.delay() for _ in range(int(n))]
    submitted = time.time() - start
    ran = [r.get(timeout=float(timeout)) for r in results]
    # The last task's start plus its (empty) body: results are read back after the fact, so
    # the reading does not count, as for vitrine.
    seconds = max(ran) - start
    print(json.dumps({"jobs": len(ran), "failed": 0, "submit_s": round(submitted, 3),
                      "seconds": round(seconds, 3), "jobs_per_s": round(len(ran) / seconds, 1)}))


def latency(samples, timeout):
    out = []
    for _ in range(int(samples)):
        sent = time.time()
        ran = noop.delay().get(timeout=float(timeout))
        out.append((ran - sent) * 1000)
    out.sort()
    print(json.dumps({"samples": len(out), "p50_ms": round(statistics.median(out), 2),
                      "p99_ms": round(out[min(len(out) - 1, int(len(out) * 0.99))], 2), "max_ms": round(out[-1], 2)}))


if __name__ == "__main__":
    {"throughput": throughput, "latency": latency, "ready": ready}[sys.argv[1]](*sys.argv[2:])
PY

# ---- (b) the reference: Celery + Redis ----

celery_rate="" celery_p50="" celery_p99=""
run_celery_reference() {
  local port i
  port=$(free_port)
  export BENCH_REDIS="redis://127.0.0.1:$port/0"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$WORK" >"$WORK/redis.log" 2>&1 &
  EXTRA_PIDS+=($!)
  for _ in $(seq 1 100); do
    $PY -c 'import os, redis; redis.Redis.from_url(os.environ["BENCH_REDIS"]).ping()' 2>/dev/null && break
    sleep 0.1
  done
  for i in 1 2; do
    (cd "$WORK" && exec $PY -m celery -A celery_jobs worker --concurrency 1 --pool "$CELERY_POOL" \
      --hostname "bench$i@%h" --loglevel WARNING --without-gossip --without-mingle) >"$WORK/celery$i.log" 2>&1 &
    EXTRA_PIDS+=($!)
  done
  (cd "$WORK" && $PY celery_client.py ready 2 60) || { cat "$WORK"/celery*.log >&2; exit 1; }
  local out
  out=$(cd "$WORK" && $PY celery_client.py throughput "$JOBS" "$TIMEOUT")
  echo "celery throughput: $out" >&2
  celery_rate=$(echo "$out" | field jobs_per_s)
  out=$(cd "$WORK" && $PY celery_client.py latency "$SAMPLES" 60)
  echo "celery latency: $out" >&2
  read -r celery_p50 celery_p99 <<<"$(echo "$out" | p50_p99)"
  # Stopped now, so that they take no CPU from what follows.
  local pid
  for pid in "${EXTRA_PIDS[@]}"; do stop_pid "$pid"; done
  EXTRA_PIDS=()
}

if [ "$celery_only" = 1 ]; then
  run_celery_reference
  echo
  echo "Job queue reference ($(nproc) cores): $JOBS no-op tasks, Celery $($PY -m celery --version | cut -d' ' -f1) + Redis $(redis-server --version | sed -nE 's/.*v=([0-9.]+).*/\1/p'), 2 workers (--concurrency 1, pool $CELERY_POOL)"
  printf "%-32s %10s %12s %12s\n" "" "jobs/s" "p50 ms" "p99 ms"
  printf "%-32s %10s %12s %12s\n" "Celery + Redis" "$celery_rate" "$celery_p50" "$celery_p99"
  exit 0
fi

# ---- (a) vitrine: the server, 2 workers, the no-op jobs ----

if [ "$serve_workers" = 1 ]; then
  SERVER_ARGS="${SERVER_ARGS:-} --job-workers 2"
  workers_label="serve --job-workers 2"
else
  "$BIN" worker --help >/dev/null 2>&1 || {
    echo "$BIN has no 'worker' command yet: run with --serve-workers (in-process workers) or --celery-only" >&2
    exit 2
  }
  SERVER_ARGS="${SERVER_ARGS:-} --job-workers 0"
  workers_label="2 × vitrine worker --server --concurrency 1"
fi
start_server
# The workers claim as an administrator (a user with the worker capability would do as well).
# The CLI works on the folder while the server runs on it.
# shellcheck disable=SC2086
VITRINE_PASSWORD=bench-password "$BIN" user add bench-worker --admin --data "$DATA" $STORE_ARGS >/dev/null
# shellcheck disable=SC2086
WORKER_TOKEN=$("$BIN" token create --user bench-worker --data "$DATA" $STORE_ARGS 2>/dev/null)
if [ "$serve_workers" = 0 ]; then
  for i in 1 2; do
    VITRINE_TOKEN=$WORKER_TOKEN "$BIN" worker --server "$URL" --concurrency 1 --name "bench$i" \
      >"$WORK/worker$i.log" 2>&1 &
    EXTRA_PIDS+=($!)
  done
fi
client() { $PY "$WORK/jobclient.py" "$@"; }
client latency "$URL" "$TOKEN" "$PROJECT" 5 60 >/dev/null  # warm: workers up, connections made

out=$(client throughput "$URL" "$TOKEN" "$PROJECT" "$JOBS" "$THREADS" "$TIMEOUT")
echo "vitrine throughput: $out" >&2
vitrine_rate=$(echo "$out" | field jobs_per_s)
vitrine_failed=$(echo "$out" | field failed)
out=$(client latency "$URL" "$TOKEN" "$PROJECT" "$SAMPLES" "$TIMEOUT")
echo "vitrine latency: $out" >&2
read -r vitrine_p50 vitrine_p99 <<<"$(echo "$out" | p50_p99)"

# ---- (c) dark-objects through the same workers, against OpenCV ----

if [ "$run_dark" = 1 ]; then
  mapfile -t originals < <(find "$PHOTOS" -name '*.jpg' | sort)
  [ "${#originals[@]}" -gt 0 ] || { echo "no photos in $PHOTOS (set PHOTOS)" >&2; exit 1; }
  mkdir -p "$WORK/dark"
  # Distinct files from the same photos: a JPEG comment (COM segment) naming the copy, right
  # after the start-of-image marker, so each file hashes differently but decodes the same.
  $PY - "$WORK/dark" "$DARK_IMAGES" "${originals[@]}" <<'PY'
import os, sys
out, n, originals = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
for k in range(n):
    data = open(originals[k % len(originals)], "rb").read()
    note = f"vitrine job_bench copy {k}".encode()
    segment = b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note
    device = os.path.basename(originals[k % len(originals)]).split(".")[0]
    name = f"{device}.2021-01-{1 + k // 1440:02d}_{k // 60 % 24:02d}-{k % 60:02d}-00.jpg"  # Sticky Pi names, one a copy
    with open(os.path.join(out, name), "wb") as f:
        f.write(data[:2] + segment + data[2:])
PY
  # shellcheck disable=SC2086
  dark_project=$("$BIN" project create dark --owner bench --json --data "$DATA" $STORE_ARGS | sed -nE 's/.*"id": ([0-9]+).*/\1/p')
  echo "uploading $DARK_IMAGES photos..." >&2
  VITRINE_URL=$URL VITRINE_TOKEN=$TOKEN "$BIN" upload --project "$dark_project" --jobs 2 "$WORK/dark" >"$WORK/upload.log" 2>&1 ||
    { cat "$WORK/upload.log" >&2; exit 1; }
  out=$(client dark "$URL" "$TOKEN" "$dark_project" "$IMAGES_PER_JOB" "$TIMEOUT")
  echo "vitrine dark-objects: $out" >&2
  dark_rate=$(echo "$out" | field images_per_s)
  dark_objects=$(echo "$out" | field objects)
  ref=$($PY bench/dark_objects_reference.py --processes 2 "$WORK/dark")
  echo "opencv reference: $ref" >&2
  ref_rate=$(echo "$ref" | sed -nE 's/.*images_per_s=([0-9.]+).*/\1/p')
  ref_objects=$(echo "$ref" | sed -nE 's/.*objects=([0-9]+).*/\1/p')
fi

# Stop vitrine's workers before the reference runs: the two share the machine's cores.
for pid in "${EXTRA_PIDS[@]}"; do stop_pid "$pid"; done
EXTRA_PIDS=()
stop_server
[ "$run_celery" = 1 ] && run_celery_reference

echo
echo "Job benchmark ($(nproc) cores): $JOBS vitrine/noop jobs (auto_start, $THREADS submitting threads), workers: $workers_label"
echo "latency: queue→RUNNING of one job at a time on an idle queue, $SAMPLES samples (vitrine: started_at - queued_at; Celery: send → task start)"
printf "%-32s %10s %12s %12s\n" "" "jobs/s" "p50 ms" "p99 ms"
printf "%-32s %10s %12s %12s\n" "vitrine (every change durable)" "$vitrine_rate" "$vitrine_p50" "$vitrine_p99"
[ "$vitrine_failed" = 0 ] || echo "  ($vitrine_failed no-op jobs FAILED)"
if [ "$run_celery" = 1 ]; then
  ratio=$(awk -v a="$vitrine_rate" -v b="$celery_rate" 'BEGIN { printf "%.2f", a / b }')
  printf "%-32s %10s %12s %12s\n" "Celery + Redis (not durable)" "$celery_rate" "$celery_p50" "$celery_p99"
  echo "throughput ratio vitrine/Celery: $ratio"
  echo "target jobs/s >= 0.5 x Celery:       $(verdict "$(awk -v r="$ratio" 'BEGIN { print (r >= 0.5) }')")"
fi
echo "target p50 queue→RUNNING <= 20 ms:    $(verdict "$(awk -v p="$vitrine_p50" 'BEGIN { print (p <= 20) }')")"
if [ "$run_dark" = 1 ]; then
  dark_ratio=$(awk -v a="$dark_rate" -v b="$ref_rate" 'BEGIN { printf "%.2f", a / b }')
  echo
  echo "vitrine/dark-objects: $DARK_IMAGES Sticky Pi photos (2592×1944), $IMAGES_PER_JOB per job, end to end (job created → last job COMPLETE)"
  printf "%-32s %10s %10s\n" "" "images/s" "objects"
  printf "%-32s %10s %10s\n" "vitrine, $workers_label" "$dark_rate" "$dark_objects"
  printf "%-32s %10s %10s\n" "OpenCV, 2 processes" "$ref_rate" "$ref_objects"
  echo "ratio: $dark_ratio"
  echo "target >= 1.5 x OpenCV:              $(verdict "$(awk -v r="$dark_ratio" 'BEGIN { print (r >= 1.5) }')")"
fi
