#!/usr/bin/env bash
# Cytomine's own Python client against `vitrine serve`, with /api/v1 doing the same work in the
# same run as the reference (issue 18):
#   - bulk save of N polygons (default 100,000) through AnnotationCollection.save(): the client's
#     chunks of 15, sent from its thread pool; the reference posts them to /api/v1/annotations in
#     requests of 10,000;
#   - a filtered fetch of 10,000 of them with their WKT: AnnotationCollection(image=..., term=...,
#     showWKT=True).fetch() against GET /api/v1/annotations?image=...&term=...&limit=10000.
# Knobs: N (100000), CLIENT (3 or 4: which client version, default 3).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${N:-100000}
CLIENT=${CLIENT:-3}
CLIENTS_DIR=${CLIENTS_DIR:-$(cd .. && pwd)/shared/clients}
if [ "$CLIENT" = 3 ]; then CLIENT_DIR=$CLIENTS_DIR/cytomine-python-client-3.1.0; else CLIENT_DIR=$CLIENTS_DIR/cytomine-python-client-4.3.0; fi
[ -d "$CLIENT_DIR" ] || { echo "the Cytomine client is not at $CLIENT_DIR (set CLIENTS_DIR)" >&2; exit 1; }

start_server
/usr/bin/python3 - "$URL" "$TOKEN" "$PROJECT" "$N" "$CLIENT_DIR" "$WORK" <<'PYTHON'
import json, os, sys, time, urllib.request
url, token, project, n, client_dir, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
sys.path.insert(0, client_dir)
import cv2, numpy as np
from cytomine import Cytomine
from cytomine.models import Annotation, AnnotationCollection

def native(method, path, body=None, raw=None, content_type="application/json"):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + token, "Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=600) as r:
        return json.loads(r.read() or b"null")

side = 20000
ok, jpeg = cv2.imencode(".jpg", np.full((1000, 1000, 3), 128, np.uint8))
image_ids = []
for name in ("cytomine.jpg", "native.jpg"):
    # Two images of the same size: one for each API, so the two runs do not share rows.
    ok, big = cv2.imencode(".png", np.random.default_rng(len(name)).integers(0, 255, (side // 10, side // 10), np.uint8))
    image_ids.append(native("POST", "/api/v1/projects/%d/images?filename=%s" % (project, name), raw=big.tobytes(),
                            content_type="application/octet-stream")["id"])
height = side // 10
ontology = native("POST", "/api/v1/ontologies", {"name": "bench"})["id"]
term = native("POST", "/api/v1/ontologies/%d/terms" % ontology, {"name": "cell", "color": "#ff0000"})["id"]
native("PUT", "/api/v1/projects/%d/ontology" % project, {"ontology_id": ontology})
keys = native("POST", "/api/v1/users/me/keys", {})

rng = np.random.default_rng(7)
def squares(count):
    xs = rng.uniform(0, height - 20, count); ys = rng.uniform(0, height - 20, count)
    for x, y in zip(xs, ys):
        yield "POLYGON ((%.1f %.1f, %.1f %.1f, %.1f %.1f, %.1f %.1f, %.1f %.1f))" % (
            x, y, x + 12, y, x + 12, y + 12, x, y + 12, x, y)

tagged = 10000  # the first `tagged` of each image's polygons carry the term: the fetch selects them
cytomine = Cytomine(url.replace("http://", ""), keys["public_key"], keys["private_key"], verbose=40)
collection = AnnotationCollection()
for i, wkt in enumerate(squares(n)):
    collection.append(Annotation(location=wkt, id_image=image_ids[0], id_terms=[term] if i < tagged else []))
start = time.perf_counter()
saved = collection.save()
cytomine_save = time.perf_counter() - start
assert saved is True, saved

rows = [{"image_id": image_ids[1], "wkt": wkt, "terms": [term] if i < tagged else []} for i, wkt in enumerate(squares(n))]
start = time.perf_counter()
for i in range(0, n, 10000):
    native("POST", "/api/v1/annotations", rows[i:i + 10000])
native_save = time.perf_counter() - start

start = time.perf_counter()
fetched = AnnotationCollection(image=image_ids[0], term=term, showWKT=True).fetch()
cytomine_fetch = time.perf_counter() - start
assert len(fetched) == tagged, len(fetched)
start = time.perf_counter()
listed = native("GET", "/api/v1/annotations?image=%d&term=%d&limit=10000" % (image_ids[1], term))
native_fetch = time.perf_counter() - start
assert len(listed["items"]) == tagged, len(listed["items"])

print("Cytomine client %s (%s)" % (os.path.basename(client_dir), "thread pool of %d" % os.cpu_count()))
print("  bulk save of %d polygons: Cytomine client %.2f s (%.0f/s, chunks of 15); /api/v1 %.2f s (%.0f/s, requests of 10,000): %.1fx"
      % (n, cytomine_save, n / cytomine_save, native_save, n / native_save, cytomine_save / native_save))
print("  fetch of %d with WKT (image + term filter): Cytomine client %.3f s; /api/v1 %.3f s: %.1fx"
      % (tagged, cytomine_fetch, native_fetch, cytomine_fetch / native_fetch))
PYTHON
