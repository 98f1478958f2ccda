#!/usr/bin/env bash
# Sticky Pi's own RemoteClient, unmodified, against `vitrine serve` (issue 19), with upstream's
# LocalClient (SQLite and disk, in-process: the anchor) doing the same work in the same run:
#   - put_images of N camera-sized JPEGs (2592 x 1944, default 200) made like the field photos: a
#     noisy trap background with dark insects and the 2020 firmware's EXIF Make dict;
#   - get_image_series over one device with SERIES images (default 10,000): p50 and p90 latency of
#     the whole answer, metadata only and with thumbnail links, over ROUNDS calls (default 15).
# Knobs: N, SERIES, ROUNDS, THREADS (the clients' n_threads, default 8: theirs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${N:-200}
SERIES=${SERIES:-10000}
ROUNDS=${ROUNDS:-15}
THREADS=${THREADS:-8}
CLIENTS_DIR=${CLIENTS_DIR:-$(cd .. && pwd)/shared/clients}
[ -d "$CLIENTS_DIR/sticky-pi-api" ] || { echo "the Sticky Pi client is not at $CLIENTS_DIR (set CLIENTS_DIR)" >&2; exit 1; }

# The Sticky Pi project is made by an administrator (docs/compat/stickypi.md).
# shellcheck disable=SC2086
VITRINE_PASSWORD=spi-admin-password "$BIN" user add spi-admin --admin --data "$DATA" $STORE_ARGS >/dev/null
start_server
echo "vitrine: $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores; N=$N SERIES=$SERIES THREADS=$THREADS"
PYTHONPATH="$CLIENTS_DIR/sticky-pi-api:$CLIENTS_DIR/shims${PYTHONPATH:+:$PYTHONPATH}" \
  /usr/bin/python3 - "$URL" "$TOKEN" "$PROJECT" "$N" "$SERIES" "$ROUNDS" "$THREADS" "$WORK" <<'PYTHON'
import concurrent.futures, datetime, logging, os, statistics, sys, time, urllib.request
url, token, project, n, series, rounds, threads, work = sys.argv[1:9]
project, n, series, rounds, threads = int(project), int(n), int(series), int(rounds), int(threads)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
logging.disable(logging.WARNING)
import numpy as np
from PIL import Image
import sqlite3
from sticky_pi_api.client import LocalClient, RemoteClient

# The LocalClient's SQLite hook runs `cursor.execute(text("PRAGMA ..."))` on the raw DB-API
# cursor, which SQLAlchemy 2 tolerates and Debian's 1.4 does not: give sqlite3 cursors that take
# the statement's text. The client's own code runs unmodified.
class _TextCursor(sqlite3.Cursor):
    def execute(self, sql, *args):
        return super().execute(sql if isinstance(sql, str) else str(sql), *args)
class _TextConnection(sqlite3.Connection):
    def cursor(self, factory=_TextCursor):
        return super().cursor(factory)
_connect = sqlite3.connect
sqlite3.connect = sqlite3.dbapi2.connect = lambda *a, **k: _connect(*a, **dict(k, factory=_TextConnection))

port = int(url.rsplit(":", 1)[1])
start = datetime.datetime(2021, 6, 1)

def field_photo(i, path):
    """A trap background (yellow card, lighting gradient, sensor noise) with dark insects."""
    rng = np.random.default_rng(i)
    h, w = 1944, 2592
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    shade = 0.75 + 0.25 * np.sin(x / w * 3.1 + i) * np.cos(y / h * 2.3)
    rgb = np.stack([220 * shade, 200 * shade, 60 * shade], axis=-1)
    rgb += rng.normal(0, 9, (h, w, 3))
    for _ in range(rng.integers(20, 60)):
        cx, cy, r = rng.integers(50, w - 50), rng.integers(50, h - 50), rng.integers(4, 25)
        rgb[max(0, cy - r):cy + r, max(0, cx - r):cx + r] *= 0.25
    img = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    exif = Image.Exif()
    exif[271] = "{'lng': 0.0, 'lat': 0.0, 'alt': 0.0, 'temp': %.1f, 'hum': %.1f}" % (18 + i % 10, 60 + i % 30)
    img.save(path, "JPEG", quality=90, exif=exif)

photos = os.path.join(work, "photos")
os.makedirs(photos)
t = time.monotonic()
files = []
for i in range(n):
    name = "b00f1e1d.%s.jpg" % (start + datetime.timedelta(minutes=20 * i)).strftime("%Y-%m-%d_%H-%M-%S")
    files.append(os.path.join(photos, name))
    field_photo(i, files[-1])
mean_mb = sum(os.path.getsize(f) for f in files) / len(files) / 1e6
print("made %d photos of 2592x1944 (%.2f MB each on average) in %.0f s" % (n, mean_mb, time.monotonic() - t))

def timed_put(client):
    t = time.monotonic()
    out = client.put_images(files)
    elapsed = time.monotonic() - t
    assert len(out) == n, len(out)
    return elapsed

local = LocalClient(os.path.join(work, "local-client"), n_threads=threads)
local_s = timed_put(local)
# An administrator's put_users makes the Sticky Pi project, and the writer the clients run as.
RemoteClient(os.path.join(work, "admin-client"), "127.0.0.1", "spi-admin", "spi-admin-password", protocol="http",
             port=port, n_threads=1).put_users([{"username": "spi-writer", "password": "spi-writer-password"}])
remote = RemoteClient(os.path.join(work, "remote-client"), "127.0.0.1", "spi-writer", "spi-writer-password",
                      protocol="http", port=port, n_threads=threads)
remote_s = timed_put(remote)
again = time.monotonic()
assert remote.put_images(files) == []
again_s = time.monotonic() - again
# What bounds the ratio: both clients parse every photo themselves (ImageParser: a full decode
# and two thumbnails) before anything moves. A fresh client re-putting uploads nothing, so its
# time is that parse alone.
parse_only = RemoteClient(os.path.join(work, "parse-only-client"), "127.0.0.1", "spi-writer", "spi-writer-password",
                          protocol="http", port=port, n_threads=threads)
t = time.monotonic()
assert parse_only.put_images(files) == []
parse_s = time.monotonic() - t
print("put_images, %d photos:" % n)
print("  LocalClient (SQLite + disk, in-process; the anchor)  %6.1f s  %5.2f images/s" % (local_s, n / local_s))
print("  RemoteClient -> vitrine serve                        %6.1f s  %5.2f images/s  (%.2fx the LocalClient; target >= 4x)"
      % (remote_s, n / remote_s, local_s / remote_s))
print("  a re-put of the same %d (nothing uploaded)            %6.1f s" % (n, again_s))
print("  the client's own parse of the %d (a re-put from an empty cache) %5.1f s: the LocalClient can be at most"
      " %.1fx slower than that" % (n, parse_s, local_s / parse_s))

# A device with `series` small photos, uploaded natively (the series query is what is measured).
import cv2
def upload(i):
    rng = np.random.default_rng(1_000_000 + i)
    ok, jpeg = cv2.imencode(".jpg", rng.integers(0, 255, (48, 64, 3), np.uint8))
    name = "5e1e5000.%s.jpg" % (start + datetime.timedelta(minutes=20 * i)).strftime("%Y-%m-%d_%H-%M-%S")
    req = urllib.request.Request("%s/api/v1/projects/%d/images?filename=%s" % (url, project, name),
                                 data=jpeg.tobytes(), method="POST", headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=120) as r:
        r.read()
t = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    list(pool.map(upload, range(series)))
print("uploaded %d series photos natively in %.0f s" % (series, time.monotonic() - t))
query = [{"device": "5e1e5000", "start_datetime": start, "end_datetime": start + datetime.timedelta(days=365)}]
# Reads go across every project the reader may read: the owner of the project they are in asks.
reader = RemoteClient(os.path.join(work, "reader-client"), "127.0.0.1", "bench", "bench-password", protocol="http",
                      port=port, n_threads=threads)
for what in ("metadata", "thumbnail"):
    times = []
    for _ in range(rounds):
        t = time.monotonic()
        rows = reader.get_image_series(query, what=what)
        times.append(time.monotonic() - t)
        assert len(rows) == series, len(rows)
    times.sort()
    print("get_image_series of %d images (what=%s), RemoteClient: p50 %.0f ms, p90 %.0f ms"
          % (series, what, 1000 * statistics.median(times), 1000 * times[int(0.9 * (len(times) - 1))]))
    # The same request without the client's decoding (it turns every date string into a datetime).
    import requests
    tok = reader.get_token()["token"]
    body = [{"device": "5e1e5000", "start_datetime": "2021-06-01T00:00:00Z", "end_datetime": "2022-06-01T00:00:00Z"}]
    raw = []
    for _ in range(rounds):
        t = time.monotonic()
        r = requests.post("%s/get_image_series/%s" % (url, what), json=body, auth=(tok, ""), timeout=120)
        raw.append(time.monotonic() - t)
        assert r.status_code == 200 and len(r.content) > 0
    print("  the same answer fetched raw (server and transfer only): p50 %.0f ms, %.1f MB"
          % (1000 * statistics.median(raw), len(r.content) / 1e6))
PYTHON
echo "server peak RSS: $(peak_rss_mb) MB"
