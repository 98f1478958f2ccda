#!/usr/bin/env python3
"""Feature descriptors over HTTP against a real `vitrine serve` on loopback, each checked against an
independent reference computed here with Debian's NumPy and OpenCV:
  - HTD against a NumPy (float64 FFT) implementation of the published Gabor bank, written below from
    the formulas in docs/features.md;
  - Moments and HuMoments against cv2.moments / cv2.HuMoments of the binarised image;
  - Pixel_Intensity_Statistics against NumPy;
  - ORB, SIFT and BRISK against OpenCV's detectors run here on the same pixels (keypoints and
    descriptors, compared as sets);
  - the HDF5 table read back with PyTables as bqapi reads it (root.values[:]['feature'],
    root.status, get_where_list) and with h5py; CSV and JSON;
  - masks with several labels, annotations (polygon with a hole, point, line), regions at the
    image's edge, a 16-bit image, status rows for what a descriptor refuses, an image of another
    user's project (404 row), an unknown descriptor (404).
Prints 'N passed, M failed'; exits non-zero on any failure. Usage: features_test.py VITRINE WORK_DIR
"""
import csv
import http.client
import io
import json
import math
import os
import shutil
import subprocess
import sys
import time

import cv2
import h5py
import numpy as np
import tables
from skimage.feature import hog, local_binary_pattern

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from live_server import start_server  # noqa: E402

results = []


def check(name, ok, detail=""):
    results.append((name, ok))
    print(("PASS " if ok else "FAIL ") + name + (": " + detail if detail and not ok else ""), flush=True)


class Api:
    def __init__(self, port, token=None):
        self.port, self.token = port, token

    def call(self, method, path, body=None, raw=None, timeout=120):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=headers)
            r = conn.getresponse()
            payload = r.read()
            if r.getheader("content-type", "").startswith("application/json"):
                return r.status, json.loads(payload)
            return r.status, payload
        finally:
            conn.close()

    def upload(self, project, name, array):
        ok, encoded = cv2.imencode(os.path.splitext(name)[1], array)
        assert ok
        status, body = self.call("POST", "/api/v1/projects/%d/images?filename=%s" % (project, name),
                                 raw=encoded.tobytes())
        assert status == 201, (status, body)
        return body["id"]

    def extract(self, name, resources, fmt="json", parameters=None):
        body = {"resources": resources}
        if parameters:
            body["parameters"] = parameters
        return self.call("POST", "/api/v1/features/%s?format=%s" % (name, fmt), body)


# ---- references ----------------------------------------------------------------------------------

def gabor_kernel(scale, orientation, scales=4, orientations=6, ul=0.05, uh=0.5, side=81):
    """Manjunath & Ma's filter, as docs/features.md defines HTD's bank."""
    a = (uh / ul) ** (1.0 / (scales - 1))
    su = (a - 1) * uh / ((a + 1) * math.sqrt(2 * math.log(2)))
    z = -2 * math.log(2) * su * su / uh
    sv = math.tan(math.pi / (2 * orientations)) * (uh + z) / math.sqrt(2 * math.log(2) - z * z / (su * su))
    sx, sy = 1 / (2 * math.pi * su), 1 / (2 * math.pi * sv)
    half = side // 2
    y, x = np.mgrid[-half:half + 1, -half:half + 1].astype(np.float64)
    theta = orientation * math.pi / orientations
    shrink = a ** -scale
    xr = shrink * (x * math.cos(theta) + y * math.sin(theta))
    yr = shrink * (-x * math.sin(theta) + y * math.cos(theta))
    envelope = shrink / (2 * math.pi * sx * sy) * np.exp(-0.5 * (xr ** 2 / sx ** 2 + yr ** 2 / sy ** 2))
    return envelope * np.exp(2j * math.pi * uh * xr)


def htd_reference(grey, labels=None):
    """{label: 48 values}: circular convolution by FFT, kernel centred on pixel (0, 0)."""
    h, w = grey.shape
    spectrum = np.fft.fft2(grey.astype(np.float64))
    if labels is None:
        labels = np.zeros_like(grey, dtype=np.int64)
    out = {int(l): np.zeros(48) for l in np.unique(labels)}
    for s in range(4):
        for n in range(6):
            k = gabor_kernel(s, n)
            placed = np.zeros((h, w), np.complex128)
            half = k.shape[0] // 2
            for ky in range(k.shape[0]):
                rows = (ky - half) % h
                cols = (np.arange(k.shape[1]) - half) % w
                np.add.at(placed[rows], cols, k[ky])
            r = np.abs(np.fft.ifft2(spectrum * np.fft.fft2(placed)))
            for l in out:
                sel = r[labels == l]
                out[l][s * 6 + n] = sel.mean()
                out[l][24 + s * 6 + n] = sel.std()
    return out


def binary_moments(grey):
    return cv2.moments((grey > 0).astype(np.uint8), binaryImage=True)


MOMENT_KEYS = ["m00", "m10", "m01", "m20", "m11", "m02", "m30", "m21", "m12", "m03", "mu20", "mu11", "mu02",
               "mu30", "mu21", "mu12", "mu03", "nu20", "nu11", "nu02", "nu30", "nu21", "nu12", "nu03"]


def keypoint_reference(detector, grey):
    keypoints = detector.detect(grey, None)
    keypoints = sorted(keypoints, key=lambda k: -k.response)[:500]
    keypoints, descriptors = detector.compute(grey, keypoints)
    return {(round(k.pt[0], 2), round(k.pt[1], 2)): d for k, d in zip(keypoints, descriptors)}


def entropy(q):
    q = q[q > 0]
    return float(-(q * np.log2(q)).sum())


def haralick_reference(im):
    """mahotas.features.haralick's 13 statistics x 4 directions, from their definitions."""
    im = im.astype(np.int64)
    n = int(im.max()) + 1
    out = []
    for dy, dx in [(0, 1), (1, 1), (1, 0), (1, -1)]:
        h, w = im.shape
        a = im[0:h - dy, max(0, -dx):w - max(0, dx)]
        b = im[dy:h, max(0, dx):w - max(0, -dx)]
        c = np.zeros((n, n))
        np.add.at(c, (a.ravel(), b.ravel()), 1)
        c = c + c.T
        p = c / c.sum()
        i, j = np.mgrid[0:n, 0:n]
        px, py = p.sum(0), p.sum(1)
        k = np.arange(n)
        ux, uy = (k * px).sum(), (k * py).sum()
        vx, vy = (k * k * px).sum() - ux ** 2, (k * k * py).sum() - uy ** 2
        psum = np.bincount((i + j).ravel(), p.ravel(), minlength=2 * n)
        pdiff = np.bincount(np.abs(i - j).ravel(), p.ravel(), minlength=n)
        sx, sy = math.sqrt(vx), math.sqrt(vy)
        hxy = entropy(p)
        pxpy = np.outer(px, py)
        nz = pxpy > 0
        hxy1 = -(p[nz] * np.log2(pxpy[nz])).sum()
        hxy2 = entropy(pxpy)
        s = np.arange(2 * n)
        sum_average = (s * psum).sum()
        out += [(p ** 2).sum(), (k * k * pdiff).sum(),
                1.0 if sx == 0 or sy == 0 else ((i * j * p).sum() - ux * uy) / (sx * sy),
                vx, (p / (1 + (i - j) ** 2)).sum(), sum_average, (s * s * psum).sum() - sum_average ** 2,
                entropy(psum), hxy, pdiff.var(), entropy(pdiff),
                (hxy - hxy1) / max(entropy(px), entropy(py)), math.sqrt(max(0, 1 - math.exp(-2 * (hxy2 - hxy))))]
    return np.array(out)


def tas_reference(im, thresh, margin):
    im = im.astype(np.float64)
    mu = (im * (im > thresh)).sum() / ((im > thresh).sum() + 1e-8)
    sets = [(im > mu - margin) & (im < mu + margin), im > mu - margin, im > mu]
    sets += [~b for b in sets]
    out = []
    for b in sets:
        padded = np.pad(b.astype(np.int64), 1, mode="edge")
        h, w = b.shape
        neighbours = sum(padded[1 + oy:1 + oy + h, 1 + ox:1 + ox + w] for oy in (-1, 0, 1) for ox in (-1, 0, 1)
                         if (oy, ox) != (0, 0))
        counts = np.bincount(neighbours[~b], minlength=9)[:9].astype(np.float64)
        out += list(counts / counts.sum() if counts.sum() else counts)
    return np.array(out)


def otsu_reference(im):
    hist = np.bincount(im.ravel(), minlength=256).astype(np.float64)
    best, best_t = -1, 0
    for t in range(int(im.max()) + 1):
        nb, no = hist[:t + 1].sum(), hist[t + 1:].sum()
        if no == 0:
            break
        if nb == 0:
            continue
        v = np.arange(256)
        diff = (v[:t + 1] * hist[:t + 1]).sum() / nb - (v[t + 1:] * hist[t + 1:]).sum() / no
        if nb * no * diff * diff > best:
            best, best_t = nb * no * diff * diff, t
    return best_t


def zernike_reference(im):
    im = im.astype(np.float64)
    y, x = np.mgrid[0:im.shape[0], 0:im.shape[1]]
    cy, cx = (y * im).sum() / im.sum(), (x * im).sum() / im.sum()
    yn, xn = (y - cy) / 8, (x - cx) / 8
    rho = np.maximum(np.hypot(xn, yn), 1e-9)
    keep = (rho <= 1) & (im > 0)
    w = im[keep] / im[keep].sum()
    phase = (xn[keep] + 1j * yn[keep]) / rho[keep]
    out = []
    for n in range(9):
        for l in range(n % 2, n + 1, 2):
            r = sum((-1) ** m * math.factorial(n - m) / (math.factorial(m) * math.factorial((n + l) // 2 - m) *
                    math.factorial((n - l) // 2 - m)) * rho[keep] ** (n - 2 * m) for m in range((n - l) // 2 + 1))
            out.append(abs((n + 1) / math.pi * (w * np.conj(r * phase ** l)).sum()))
    return np.array(out)


def close(a, b, rtol, atol=0.0):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol)


# ---- the server ----------------------------------------------------------------------------------

def token_for(api, username, password):
    status, body = api.call("POST", "/api/v1/auth/token", {"username": username, "password": password})
    assert status in (200, 201), body
    return body["token"]


def synthetic_images():
    rng = np.random.default_rng(17)
    y, x = np.mgrid[0:200, 0:240]
    stripes = (127 + 100 * np.sin(2 * np.pi * (x * math.cos(math.pi / 3) + y * math.sin(math.pi / 3)) / 9))
    textured = np.clip(stripes + rng.normal(0, 20, stripes.shape), 0, 255).astype(np.uint8)
    blobs = np.full((240, 320), 235, np.uint8)
    for _ in range(40):
        cx, cy, r = rng.integers(20, 300), rng.integers(20, 220), rng.integers(3, 12)
        cv2.circle(blobs, (int(cx), int(cy)), int(r), int(rng.integers(0, 120)), -1)
    blobs = cv2.GaussianBlur(blobs, (5, 5), 1.2)
    shape = np.zeros((150, 170), np.uint8)
    cv2.fillPoly(shape, [np.array([[20, 30], [140, 10], [150, 120], [60, 140]], np.int32)], 200)
    labels = np.zeros((200, 240), np.uint8)
    labels[:, 120:] = 1
    labels[40:100, 20:80] = 7
    deep = (np.clip(stripes, 0, 255) * 64).astype(np.uint16)
    return textured, blobs, shape, labels, deep


def main():
    binary, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    data = os.path.join(work, "data")
    proc, port = start_server(binary, data)
    try:
        with open(os.path.join(data, "admin-password")) as f:
            api = Api(port, token_for(Api(port), "admin", f.read().strip()))
        run(api, port, work)
        run_cli(binary, api, port, work, 1, 1, htd_reference(synthetic_images()[0])[0])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    failed = sum(1 for _, ok in results if not ok)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


def cli(binary, port, token, *args):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
           "VITRINE_URL": "http://127.0.0.1:%d" % port, "VITRINE_TOKEN": token}
    return subprocess.run([binary] + list(args), env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def run_cli(binary, api, port, work, project, textured_id, expected_htd):
    r = cli(binary, port, api.token, "features", "list")
    check("vitrine features list shows the catalogue", r.returncode == 0 and "HTD" in r.stdout and "SIFT" in r.stdout,
          r.stderr)
    r = cli(binary, port, api.token, "features", "show", "HTD", "--json")
    check("vitrine features show HTD", r.returncode == 0 and json.loads(r.stdout)["length"] == 48, r.stderr)
    r = cli(binary, port, api.token, "features", "show", "NOPE")
    check("an unknown descriptor is a message and exit 1", r.returncode == 1 and "NOPE" in r.stderr)
    out = os.path.join(work, "cli-htd.h5")
    r = cli(binary, port, api.token, "features", "extract", "HTD", "--project", str(project), "--filename",
            "textured%", "-o", out)
    ok = r.returncode == 0 and os.path.exists(out)
    if ok:
        with tables.open_file(out, "r") as h5:
            ok = (h5.root.values.nrows == 1 and close(h5.root.values[0]["feature"], expected_htd, rtol=1e-3, atol=1e-4)
                  and h5.root.status[0]["status"] == 200)
    check("vitrine features extract writes BisQue's HDF5 table for a project's images", ok, r.stderr)
    out = os.path.join(work, "cli-annotations.csv")
    r = cli(binary, port, api.token, "features", "extract", "HTD", "--images", str(textured_id), "--annotations",
            "-o", out)
    rows = list(csv.DictReader(open(out))) if os.path.exists(out) else []
    # The polygon (200), the line and the sub-pixel polygon (400) on that image: failed rows make
    # the exit code 1.
    check("--annotations describes each annotation of the images, failures in their rows",
          r.returncode == 1 and sorted(row["status"] for row in rows) == ["200", "400", "400"] and
          "2 resources" in r.stderr,
          r.stderr + str(rows))
    r = cli(binary, port, api.token, "features", "extract", "HTD", "--images", str(textured_id), "-o", "x.txt")
    check("an output of an unknown format is refused before any work", r.returncode == 1 and ".h5" in r.stderr)


def open_stream(api, port, name, resources):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/api/v1/features/%s?format=json" % name, body=json.dumps({"resources": resources}),
                 headers={"Authorization": "Bearer " + api.token, "Content-Type": "application/json"})
    return conn, conn.getresponse()


def read_at_most(response, limit):
    """Reads a body in pieces, up to `limit` bytes: "ended", "broken" (cut off) or "more"."""
    total = 0
    try:
        while total < limit:
            piece = response.read(1 << 20)
            if not piece:
                return "ended"
            total += len(piece)
    except (http.client.IncompleteRead, ConnectionError):
        return "broken"
    return "more"


def hold_streams(api, port, resources, most=64):
    """Opens streamed answers until one is refused: the ones held, and the refusal (status, message)."""
    held = []
    while len(held) < most:
        conn, r = open_stream(api, port, "Color_Histogram", resources)
        if r.status != 200:
            body = r.read()
            conn.close()
            message = json.loads(body).get("error", {}).get("message", "") if body.startswith(b"{") else ""
            return held, (r.status, message)
        held.append((conn, r))
    return held, (200, "")


def check_streams_are_bounded(api, eve, eve_id, colours, labels, others, port):
    """A few streamed answers at once per account (as many as the machine has CPUs, at least two),
    four times that in all; one more is 503 until one ends. A stream whose account is disabled
    meanwhile breaks off."""
    project = eve.call("POST", "/api/v1/projects", {"name": "eve's streams"})[1]["id"]
    resource = {"image": eve.upload(project, "colours.png", colours), "mask": eve.upload(project, "labels.png", labels)}
    status, _ = eve.extract("Color_Histogram", [resource])  # computed once; the streams read the cache
    # 10,000 resources of 1,000 rows each: gigabytes, so each stream waits on its unread socket.
    many = [resource] * 10000
    held, (refusal, message) = hold_streams(eve, port, many)
    per_account = len(held)
    check("an account streaming as many answers as the machine has CPUs gets 503 for one more, saying why",
          status == 200 and refusal == 503 and per_account >= 2 and
          message.startswith("%d feature answers of this account are streaming" % per_account),
          "%d after %d streams: %s" % (refusal, per_account, message))
    others_held = []
    for n in range(3):
        username = "streamer%d" % n
        created = api.call("POST", "/api/v1/users", {"username": username, "password": username + "-password"})[1]
        api.call("PUT", "/api/v1/projects/%d/members/%d" % (project, created["id"]), {"role": "viewer"})
        streamer = Api(port, token_for(Api(port), username, username + "-password"))
        more, _ = hold_streams(streamer, port, many, most=per_account)
        others_held += more
    conn, r = open_stream(api, port, "Color_Histogram", others)
    body = r.read() if r.status != 200 else b""
    conn.close()
    check("other accounts stream meanwhile, up to four times as many in all; then 503",
          len(others_held) == 3 * per_account and r.status == 503 and
          ("%d feature answers are streaming" % (4 * per_account)).encode() in body,
          "%d held, then %d %s" % (len(others_held), r.status, body[:200]))

    status, _ = api.call("PATCH", "/api/v1/users/%d" % eve_id, {"enabled": False})
    ending = read_at_most(held[0][1], 256 << 20)
    check("a stream whose account is disabled meanwhile breaks off", status == 200 and ending == "broken", ending)
    for conn, _ in held + others_held:
        conn.close()
    deadline = time.monotonic() + 30
    while True:  # until the server has seen the closed connections
        conn, r = open_stream(api, port, "Color_Histogram", others)
        body = r.read()
        conn.close()
        if r.status != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    check("once the streams end, another is answered", r.status == 200 and len(json.loads(body)["rows"]) == 70,
          "%d %s" % (r.status, body[:200]))
    api.call("PATCH", "/api/v1/users/%d" % eve_id, {"enabled": True})


def run(api, port, work):
    project = api.call("POST", "/api/v1/projects", {"name": "features"})[1]["id"]
    textured, blobs, shape, labels, deep = synthetic_images()
    ids = {name: api.upload(project, name + ".png", array) for name, array in
           [("textured", textured), ("blobs", blobs), ("shape", shape), ("labels", labels), ("deep", deep)]}

    # The catalogue.
    status, catalogue = api.call("GET", "/api/v1/features")
    names = {f["name"]: f for f in catalogue["features"]}
    check("the catalogue lists HTD with BisQue's length", status == 200 and names.get("HTD", {}).get("length") == 48)
    status, one = api.call("GET", "/api/v1/features/HuMoments")
    check("one descriptor's entry", status == 200 and one["length"] == 7 and one["accepts"] == ["image", "region"])
    status, body = api.call("GET", "/api/v1/features/htd")
    check("an unknown name is 404 with its reason", status == 404 and "GET /api/v1/features" in body["error"]["message"])
    status, body = api.extract("NOPE", [ids["textured"]])
    check("extracting an unknown descriptor is 404", status == 404)

    # HTD against the NumPy bank: float32 FFTs against float64, so a relative 1e-3.
    status, table = api.extract("HTD", [ids["textured"]])
    reference = htd_reference(textured)[0]
    got = table["rows"][0]["feature"] if status == 200 else []
    check("HTD equals the NumPy Gabor bank", close(got, reference, rtol=1e-3, atol=1e-4),
          "max diff %s" % (np.max(np.abs(np.array(got) - reference)) if len(got) == 48 else got))
    means = np.array(got[:24]).reshape(4, 6) if len(got) == 48 else np.zeros((4, 6))
    check("HTD's strongest orientation is the stripes' (60 degrees: orientation 2)",
          int(np.argmax(means.max(axis=0))) == 2, str(means))

    # Larger than one 512-pixel tile both ways: transformed in tiles of the periodic image, the same numbers.
    rng = np.random.default_rng(5)
    large = np.clip(cv2.resize(textured, (700, 600)) + rng.normal(0, 10, (600, 700)), 0, 255).astype(np.uint8)
    large_labels = np.zeros((600, 700), np.uint8)
    large_labels[100:550, 450:690] = 3
    lid, llid = api.upload(project, "large.png", large), api.upload(project, "large-labels.png", large_labels)
    status, table = api.extract("HTD", [lid, {"image": lid, "mask": llid}])
    ref, ref_labels = htd_reference(large)[0], htd_reference(large, large_labels.astype(np.int64))
    rows = table["rows"] if status == 200 else []
    check("HTD of an image larger than a tile equals the reference (whole and per label)",
          len(rows) == 3 and close(rows[0]["feature"], ref, rtol=1e-3, atol=1e-4) and
          all(close(r["feature"], ref_labels[r["label"]], rtol=1e-3, atol=1e-4) for r in rows[1:]),
          str([np.max(np.abs(np.array(r.get("feature", [0] * 48)) - ref)) for r in rows]))

    status, table = api.extract("HTD", [{"image": ids["textured"], "mask": ids["labels"]}])
    ref = htd_reference(textured, labels.astype(np.int64))
    rows = table["rows"] if status == 200 else []
    check("a mask with three labels gives three rows, in label order", [r.get("label") for r in rows] == [0, 1, 7])
    check("each label's row equals the reference over its pixels",
          len(rows) == 3 and all(close(r["feature"], ref[r["label"]], rtol=1e-3, atol=1e-4) for r in rows))

    # Regions: inside, at the edge (the last pixels), and outside.
    status, table = api.extract("HTD", [{"image": ids["textured"], "region": [200, 150, 40, 50]},
                                        {"image": ids["textured"], "region": "230,190,10,10"},
                                        {"image": ids["textured"], "region": [230, 190, 20, 10]}])
    rows = table["rows"]
    check("a region at the image's edge is described",
          close(rows[0]["feature"], htd_reference(textured[150:200, 200:240])[0], rtol=1e-3, atol=1e-4) and
          rows[1]["status"] == 200)
    check("a region past the edge is a 400 row, the others unaffected",
          rows[2]["status"] == 400 and "not inside" in rows[2]["error"])
    status, table = api.extract("HTD", [{"image": ids["textured"], "region": [1, 0, 9223372036854775807, 1]}])
    check("a region whose sum overflows is a 400 row", status == 200 and table["rows"][0]["status"] == 400,
          str(table)[:300])
    status, body = api.call("POST", "/api/v1/features/HTD?format=xml", {"resources": [ids["textured"]]})
    check("an unknown format is refused before any work", status == 400 and "format" in body["error"]["message"])
    many = (np.arange(200 * 240).reshape(200, 240) % 1500).astype(np.uint16)
    many_id = api.upload(project, "many-labels.png", many)
    status, table = api.extract("HTD", [{"image": ids["textured"], "mask": many_id}, ids["textured"]])
    check("a mask of more than 1,000 labels is a 400 row (one row per label)",
          [r["status"] for r in table["rows"]] == [400, 200] and "labels" in table["rows"][0]["error"])

    # Moments and HuMoments against OpenCV.
    status, table = api.extract("Moments", [ids["shape"]])
    m = binary_moments(shape)
    check("Moments equal cv2.moments of the binarised image",
          close(table["rows"][0]["feature"], [m[k] for k in MOMENT_KEYS], rtol=1e-5, atol=1e-9))
    status, table = api.extract("HuMoments", [ids["shape"]])
    check("HuMoments equal cv2.HuMoments", close(table["rows"][0]["feature"], cv2.HuMoments(m).ravel(), rtol=1e-4, atol=1e-12))

    # Pixel intensity statistics against NumPy: mean, upper median, sample deviation, min, max.
    status, table = api.extract("Pixel_Intensity_Statistics", [ids["blobs"]])
    v = np.sort(blobs.ravel().astype(np.float64))
    expected = [v.mean(), v[len(v) // 2], v.std(ddof=1), v.min(), v.max()]
    check("Pixel_Intensity_Statistics equal NumPy's", close(table["rows"][0]["feature"], expected, rtol=1e-5))

    # Texture and shape descriptors against NumPy implementations of their definitions.
    small = cv2.resize(textured, (96, 80), interpolation=cv2.INTER_AREA)
    sid = api.upload(project, "small.png", small)
    lbp_codes = local_binary_pattern(small, 5, 5, "ror").astype(np.int64)
    m = min(textured.shape)
    for name, reference in [("HAR", haralick_reference(small)),
                            ("LBP", np.bincount(lbp_codes.ravel(), minlength=32)[[0, 1, 3, 5, 7, 11, 15, 31]]),
                            ("TAS", tas_reference(small, 30, 30)),
                            ("PFTAS", tas_reference(small, otsu_reference(small),
                                                    small[small > otsu_reference(small)].std())),
                            ("ZM", zernike_reference(blobs)),
                            ("HOG", hog(textured, pixels_per_cell=(m, m), cells_per_block=(1, 1))[:9])]:
        image = ids["blobs"] if name == "ZM" else ids["textured"] if name == "HOG" else sid
        status, table = api.extract(name, [image])
        got = table["rows"][0].get("feature", []) if status == 200 else []
        check("%s equals its reference (scikit-image for LBP and HOG, NumPy for the others)" % name, close(got, reference, rtol=1e-4, atol=1e-6),
              "got %s, expected %s" % (np.round(got, 5), np.round(reference, 5)))

    # The colour descriptors read RGB; every descriptor answers over HTTP with its length.
    colour = np.dstack([textured, blobs[:200, :240], 255 - textured])
    cid = api.upload(project, "colour.png", colour)
    for name, entry in sorted(names.items()):
        resource = {"image": ids["labels"] if name in ("Moments", "HuMoments") else cid}
        status, table = api.extract(name, [resource])
        rows = table["rows"] if status == 200 else []
        check("%s answers rows of %d values" % (name, entry["length"]),
              rows and all(r["status"] == 200 and len(r["feature"]) == entry["length"] for r in rows) or
              (entry["rows"] == "one per keypoint" and status == 200), str(rows)[:300])
    status, table = api.extract("CLD", [{"image": cid, "mask": ids["labels"]}])
    check("a colour descriptor takes a mask: one row per label",
          [r.get("label") for r in table["rows"]] == [0, 1, 7])
    status, table = api.extract("Color_Histogram", [{"image": cid, "mask": ids["labels"]}])
    check("Color_Histogram gives each label's shares of the 19 colours (summing to 1, bin 0 unused)",
          status == 200 and [r.get("label") for r in table["rows"]] == [0, 1, 7] and
          all(abs(sum(r["feature"]) - 1) < 1e-5 and r["feature"][0] == 0 for r in table["rows"]), str(table)[:300])

    # More than 16 resources in JSON or CSV: streamed (chunked) as computed, the same rows as the
    # same resources asked for in whole answers, and past the 20,000 rows a whole answer takes.
    many = [cid, ids["blobs"], {"image": cid, "mask": ids["labels"]}] * 14
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/api/v1/features/Color_Histogram?format=json", body=json.dumps({"resources": many}),
                 headers={"Authorization": "Bearer " + api.token, "Content-Type": "application/json"})
    r = conn.getresponse()
    streamed = json.loads(r.read()) if r.status == 200 else {}
    chunked = r.getheader("transfer-encoding", "") == "chunked"
    conn.close()
    pieces = []
    for first in range(0, len(many), 14):
        status, piece = api.extract("Color_Histogram", many[first:first + 14])
        pieces += piece["rows"] if status == 200 else []
    check("a JSON answer of 42 resources is streamed and holds the rows of three whole answers",
          r.status == 200 and chunked and streamed.get("feature") == "Color_Histogram" and
          streamed.get("length") == 20 and streamed.get("rows") == pieces and len(pieces) == 14 * 5,
          "status %d, chunked %s, %d rows against %d" % (r.status, chunked, len(streamed.get("rows", [])), len(pieces)))
    ys, xs = np.mgrid[0:50, 0:40]
    thousand = ((ys * 40 + xs) % 1000 + 1).astype(np.uint16)
    mid = api.upload(project, "thousand-labels.png", thousand)
    colours = np.dstack([thousand % 256, thousand // 4 % 256, 255 - thousand % 256]).astype(np.uint8)
    pid = api.upload(project, "thousand-colours.png", colours)
    over = [{"image": pid, "mask": mid}] * 21  # 21,000 rows
    status, csv_text = api.extract("Color_Histogram", over, fmt="csv")
    lines = csv_text.decode().splitlines() if status == 200 else []
    status_h5, refused = api.extract("Color_Histogram", over, fmt="hdf5")
    check("a streamed CSV answer goes past the 20,000 rows a whole answer takes (HDF5: 400)",
          status == 200 and len(lines) == 21001 and lines[-1].startswith("20999,") and status_h5 == 400 and
          "20000" in refused.get("error", {}).get("message", str(refused)),
          "csv %d with %d lines, hdf5 %d %s" % (status, len(lines), status_h5, str(refused)[:200]))

    # Keypoints against OpenCV on the same (grey) pixels.
    for name, detector in [("ORB", cv2.ORB_create(500)), ("SIFT", cv2.SIFT_create()), ("BRISK", cv2.BRISK_create())]:
        status, table = api.extract(name, [ids["blobs"]])
        reference = keypoint_reference(detector, blobs)
        got = {(round(r["x"], 2), round(r["y"], 2)): r["feature"] for r in table["rows"]}
        same_points = set(got) == set(reference) and len(got) > 5
        same_descriptors = same_points and all(close(got[p], reference[p], rtol=0, atol=0.5) for p in got)
        check("%s finds OpenCV's %d keypoints with the same descriptors" % (name, len(reference)),
              same_points and same_descriptors, "%d vs %d points" % (len(got), len(reference)))

    # Annotations: a polygon with a hole (a mask of its inside), a point (a keypoint), a line.
    polygon = "POLYGON((40 40,160 40,160 160,40 160,40 40),(80 80,120 80,120 120,80 120,80 80))"
    status, body = api.call("POST", "/api/v1/annotations", [
        {"image_id": ids["textured"], "wkt": polygon},
        {"image_id": ids["blobs"], "wkt": "POINT(160 120)"},
        {"image_id": ids["textured"], "wkt": "LINESTRING(10 10,100 100)"}])
    area, point, line = body["ids"]
    status, table = api.extract("HTD", [{"annotation": area}])
    rows = table["rows"]
    # The server reads the annotation's box and a 40-pixel margin: (0,0)-(200,200) here.
    # Pixels whose centres are inside: columns and rows 40-159, less 80-119.
    inside = np.zeros((200, 240), np.int64)
    inside[40:160, 40:160] = 1
    inside[80:120, 80:120] = 0
    ref = htd_reference(textured[0:200, 0:200], inside[0:200, 0:200])[1]
    check("a polygon annotation is one row over its inside (hole excluded)",
          len(rows) == 1 and rows[0]["label"] == 255 and rows[0]["image"] == "/api/v1/images/%d" % ids["textured"]
          and close(rows[0]["feature"], ref, rtol=1e-3, atol=1e-4),
          "%s" % (np.max(np.abs(np.array(rows[0].get("feature", [0] * 48)) - ref)) if rows else rows))
    status, table = api.extract("SIFT", [{"annotation": point}])
    rows = table["rows"]
    kp, d = cv2.SIFT_create().compute(blobs, [cv2.KeyPoint(160, 120, 1)])
    check("a point annotation is one SIFT keypoint there",
          len(rows) == 1 and rows[0]["x"] == 160 and rows[0]["y"] == 120 and close(rows[0]["feature"], d[0], rtol=0, atol=0.5))
    status, body = api.call("POST", "/api/v1/annotations", [
        {"image_id": ids["textured"], "wkt": "POLYGON((10.1 10.1,10.3 10.1,10.3 10.3,10.1 10.1))"}])
    status, table = api.extract("HTD", [{"annotation": body["ids"][0]}])
    check("an area covering no pixel's centre is a 400 row, not a missing one",
          [r["status"] for r in table["rows"]] == [400], str(table)[:300])
    status, table = api.extract("HTD", [{"annotation": line}, {"annotation": area, "image": ids["blobs"]},
                                        {"image": ids["textured"], "mask": ids["labels"], "annotation": area}])
    check("a line, an annotation of another image, and mask with annotation are 400 rows",
          [r["status"] for r in table["rows"]] == [400, 400, 400], str(table["rows"]))
    status, table = api.extract("Moments", [{"image": ids["shape"], "mask": ids["labels"]}, {"annotation": area}])
    check("an image-only descriptor refuses masks and areas (400 rows)",
          [r["status"] for r in table["rows"]] == [400, 400])

    # A whole-slide-sized pyramidal TIFF: described at the default max_size from a level of its
    # pyramid (a region of it at full resolution), in the time of a small image.
    slide = os.path.join(work, "slide.tif")
    subprocess.run(["vips", "gaussnoise", os.path.join(work, "noise.v"), "12000", "9000"], check=True)
    subprocess.run(["vips", "tiffsave", os.path.join(work, "noise.v"), slide, "--tile", "--pyramid",
                    "--compression", "jpeg", "--tile-width", "256", "--tile-height", "256"], check=True)
    with open(slide, "rb") as f:
        status, body = api.call("POST", "/api/v1/projects/%d/images?filename=slide.tif" % project, raw=f.read())
    slide_id = body["id"]
    status, table = api.extract("HTD", [slide_id, {"image": slide_id, "region": [6000, 4000, 300, 200]}])
    rows = table["rows"] if status == 200 else []
    check("a 12000x9000 pyramidal slide is described whole (at 2048) and by region",
          [r["status"] for r in rows] == [200, 200] and rows[1]["image"].endswith("?region=6000,4000,300,200"),
          str(rows)[:300])

    # A 16-bit image is read (scaled to 8 bits for display, as views are).
    status, table = api.extract("HTD", [ids["deep"]])
    check("a 16-bit image is described", status == 200 and table["rows"][0]["status"] == 200)

    # Permissions: another user's image is a 404 row among good ones.
    status, user = api.call("POST", "/api/v1/users", {"username": "eve", "password": "eve-password-12"})
    eve = Api(port, token_for(Api(port), "eve", "eve-password-12"))
    eve_project = eve.call("POST", "/api/v1/projects", {"name": "eve's"})[1]["id"]
    eve_image = eve.upload(eve_project, "mine.png", blobs)
    status, table = eve.extract("Pixel_Intensity_Statistics", [eve_image, ids["blobs"], 999999])
    check("images the caller may not read are 404 rows, in request order",
          status == 200 and [r["status"] for r in table["rows"]] == [200, 404, 404])
    status, body = eve.extract("HTD", [])
    check("an empty request is 400", status == 400)
    status, body = eve.call("POST", "/api/v1/features/HTD", raw=b"{\"resources\": [{\"image\": \"x\"}]}")
    check("a malformed resource is 400 naming it", status == 400 and "resources[0]" in body["error"]["message"])
    too_many = json.dumps({"resources": [{"image": "x"}] + [1] * 100000}).encode()
    status, body = eve.call("POST", "/api/v1/features/HTD", raw=too_many)
    check("more resources than a job takes are refused before any is parsed (not resources[0]'s error)",
          status == 400 and "100000" in body["error"]["message"], str(body)[:200])
    check_streams_are_bounded(api, eve, user["id"], colours, thousand, many, port)

    # The HDF5 table as bqapi reads it (PyTables), and as h5py does.
    resources = [ids["textured"], {"image": ids["textured"], "mask": ids["labels"]}, 999999]
    status, payload = api.extract("HTD", resources, fmt="hdf5")
    path = os.path.join(work, "htd.h5")
    with open(path, "wb") as f:
        f.write(payload)
    with tables.open_file(path, "r") as h5:
        values = h5.root.values[:]
        status_rows = h5.root.status[:]["status"]
        check("PyTables reads the table: title, columns, features",
              h5.title == "HDF" and values["feature"].shape == (5, 48) and values["feature"].dtype == np.float32
              and list(h5.root.values.colnames) == ["image", "mask", "gobject", "feature", "label"])
        check("its status rows line up with the value rows",
              list(status_rows) == [200, 200, 200, 200, 404] and list(h5.root.status.get_where_list("status>=400")) == [4])
        check("its rows are in request order, naming their resources",
              [bytes(v).decode() for v in values["image"]] == ["/api/v1/images/%d" % ids["textured"]] * 4 +
              ["/api/v1/images/999999"] and values["mask"][1].decode() == "/api/v1/images/%d" % ids["labels"]
              and list(values["label"][:4]) == [0, 0, 1, 7])
        check("its features equal the JSON answer's",
              close(values["feature"][0], htd_reference(textured)[0], rtol=1e-3, atol=1e-4))
    with h5py.File(path, "r") as h5:
        check("h5py reads the same table", h5["values"]["feature"].shape == (5, 48) and list(h5["status"]["status"]) ==
              [200, 200, 200, 200, 404])
    status, payload = api.extract("SIFT", [ids["blobs"]], fmt="hdf5")
    with open(path, "wb") as f:
        f.write(payload)
    with tables.open_file(path, "r") as h5:
        check("SIFT's features are int32 with keypoint columns",
              h5.root.values.coldtypes["feature"] == np.dtype(("<i4", (128,))) and
              list(h5.root.values.colnames)[4:] == ["x", "y", "response", "size", "angle", "octave"])

    # CSV.
    status, payload = api.extract("HuMoments", [ids["shape"], 999999], fmt="csv")
    rows = list(csv.DictReader(io.StringIO(payload.decode())))
    check("CSV has a header and one line per row",
          len(rows) == 2 and rows[0]["status"] == "200" and rows[1]["status"] == "404" and
          close([float(rows[0]["feature_%d" % i]) for i in range(7)], cv2.HuMoments(binary_moments(shape)).ravel(),
                rtol=1e-4, atol=1e-12))

    # The cache: an identical request is served from it (no new entry, the same numbers); cache=false
    # computes afresh without storing; another annotation, or another region, is another entry.
    def entries(image):
        directory = os.path.join(work, "data", "cache", "views", str(image))
        return len(os.listdir(directory)) if os.path.isdir(directory) else 0
    fresh = api.upload(project, "fresh.png", cv2.flip(textured, 1))
    status, first = api.extract("HAR", [fresh])
    after_first = entries(fresh)
    status, second = api.extract("HAR", [fresh])
    check("a repeated request is answered from the cache", after_first == 1 and entries(fresh) == 1 and first == second,
          "%d entries, then %d" % (after_first, entries(fresh)))
    status, third = api.call("POST", "/api/v1/features/HAR?cache=false", {"resources": [fresh]})
    check("cache=false computes without storing", status == 200 and third == first and entries(fresh) == 1)
    status, body = api.call("POST", "/api/v1/annotations", [
        {"image_id": fresh, "wkt": "POLYGON((10 10,90 10,90 90,10 90,10 10))"},
        {"image_id": fresh, "wkt": "POLYGON((10 10,95 10,95 90,10 90,10 10))"}])
    a1, a2 = body["ids"]
    status, t1 = api.extract("HTD", [{"annotation": a1}])
    status, t2 = api.extract("HTD", [{"annotation": a2}])
    check("a different annotation is a different cache entry with its own values",
          entries(fresh) == 3 and t1["rows"][0]["feature"] != t2["rows"][0]["feature"])

    # One image by URL.
    status, table = api.call("GET", "/api/v1/images/%d/features/HTD?region=0,0,100,100" % ids["textured"])
    check("GET /images/{id}/features/{name} describes one image's region",
          status == 200 and close(table["rows"][0]["feature"], htd_reference(textured[:100, :100])[0], rtol=1e-3, atol=1e-4))


if __name__ == "__main__":
    main()
