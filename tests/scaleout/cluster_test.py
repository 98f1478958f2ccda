#!/usr/bin/env python3
"""Scale-out against real servers: tools/local-cluster.sh's PostgreSQL, moto S3, two `vitrine serve`
processes and nginx, all on loopback. Checks, in this order (the last one empties the S3 server):
  - two servers on one catalog: what one writes the other reads, permissions identical;
  - the same bytes uploaded through both at once: one image, one 201 and one 409;
  - kill -9 of a server during uploads: every acknowledged upload is whole, no half image;
  - PostgreSQL stopped under load: 503s, and answers again once it is back, no server restart;
  - vitrine migrate folder -> PostgreSQL + S3, killed and resumed, then back to a folder: the same
    answers from a server on each copy;
  - moto stopped during a multipart upload: the upload fails cleanly, no image refers to it.
Prints 'N passed, M failed'. Usage: cluster_test.py VITRINE_BINARY WORK_DIR
"""
import hashlib
import http.client
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PHOTOS = os.path.join(ROOT, "..", "shared", "data", "stickypi", "raw_images")
results = []


def check(name, ok, detail=""):
    results.append((name, ok))
    print(("PASS " if ok else "FAIL ") + name + (": " + detail if detail else ""), flush=True)


def request(port, method, path, body=None, token=None, headers=None, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = "Bearer " + token
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=body, headers=all_headers)
        r = conn.getresponse()
        data = r.read()
        return r.status, data
    except (ConnectionError, http.client.HTTPException, OSError) as e:
        return 0, str(e).encode()
    finally:
        conn.close()


def json_of(answer):
    status, data = answer
    try:
        return status, json.loads(data) if data else None
    except ValueError:
        return status, {"raw": data[:200].decode(errors="replace")}


def sign_in(port, username, password):
    status, body = json_of(request(port, "POST", "/api/v1/auth/token", {"username": username, "password": password}))
    if status != 200:
        raise SystemExit("sign-in of %s failed: %s %s" % (username, status, body))
    return body["token"]


def load_env(path):
    env = {}
    for line in open(path):
        m = re.match(r"(\w+)=(.*)", line.strip())
        if m:
            env[m.group(1)] = m.group(2).strip("'\"")
    return env


def photos():
    out = []
    for device in sorted(os.listdir(PHOTOS)):
        folder = os.path.join(PHOTOS, device)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".jpg"):
                out.append(os.path.join(folder, name))
    return out


def random_png(width, height):
    """A PNG of random pixels, stored without compression: distinct, valid, and as large as asked."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 0)) +
            chunk(b"IEND", b""))


def wait_until(predicate, seconds, step=0.1):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


class Cluster:
    def __init__(self, vitrine, work):
        self.vitrine = vitrine
        self.dir = os.path.join(work, "cluster")
        env = dict(os.environ, VITRINE=vitrine)
        up = subprocess.run([os.path.join(ROOT, "tools", "local-cluster.sh"), "up", self.dir], env=env,
                            capture_output=True, text=True, timeout=300)
        print(up.stdout + up.stderr, flush=True)
        check("local-cluster.sh up starts the cluster with one command", up.returncode == 0)
        if up.returncode != 0:
            raise SystemExit(1)
        self.env = load_env(os.path.join(self.dir, "cluster.env"))
        self.lb = int(self.env["URL"].rsplit(":", 1)[1])
        self.ports = [int(p) for p in self.env["SERVER_PORTS"].split()]
        self.pids = [int(p) for p in self.env["SERVER_PIDS"].split()]
        self.admin_password = open(self.env["ADMIN_PASSWORD_FILE"]).read().strip()
        self.child_env = dict(os.environ, AWS_ACCESS_KEY_ID=self.env["AWS_ACCESS_KEY_ID"],
                              AWS_SECRET_ACCESS_KEY=self.env["AWS_SECRET_ACCESS_KEY"])
        self.restarted = []

    def restart_server(self, n):
        """Starts server n again on its port, as the cluster script did."""
        folder = os.path.join(self.dir, "server%d" % (n + 1))
        log = open(os.path.join(folder, "server-restarted.log"), "a")
        proc = subprocess.Popen([self.vitrine, "serve", "--data", folder, "--catalog", self.env["CATALOG"], "--blobs",
                                 self.env["BLOBS"], "--listen", "127.0.0.1:%d" % self.ports[n], "--trusted-proxy",
                                 "127.0.0.1", "--threads", "2"], stdout=log, stderr=subprocess.STDOUT,
                                env=self.child_env)
        self.restarted.append(proc)
        ok = wait_until(lambda: request(self.ports[n], "GET", "/api/v1/health")[0] == 200, 60)
        self.pids[n] = proc.pid
        return ok

    def pg(self, *args):
        binary = sorted(d for d in os.listdir("/usr/lib/postgresql"))[-1]
        command = [os.path.join("/usr/lib/postgresql", binary, "bin", "pg_ctl"), "-D",
                   os.path.join(self.env["PG_DIR"], "data"), "-w", "-t", "60"] + list(args)
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--"] + command
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    def down(self):
        for proc in self.restarted:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        subprocess.run([os.path.join(ROOT, "tools", "local-cluster.sh"), "down", self.dir], timeout=300)


def two_servers_one_catalog(c):
    a, b = c.ports
    admin = sign_in(a, "admin", c.admin_password)
    for name in ("alice", "bob"):
        status, _ = json_of(request(a, "POST", "/api/v1/users", {"username": name, "password": name + "-password-1"},
                                    admin))
        check("user %s created through server 1" % name, status == 201, str(status))
    alice = sign_in(b, "alice", "alice-password-1")  # a token made by one server works on the other
    bob = sign_in(a, "bob", "bob-password-1")
    status, project = json_of(request(a, "POST", "/api/v1/projects", {"name": "traps"}, alice))
    check("project created through server 1", status == 201, str(status))
    pid = project["id"]
    first = photos()[0]
    data = open(first, "rb").read()
    status, image = json_of(request(a, "POST", "/api/v1/projects/%d/images?filename=%s" % (pid, os.path.basename(first)),
                                    data, alice))
    check("image uploaded through server 1", status == 201, str(status))
    status, copy = request(b, "GET", "/api/v1/images/%d/file" % image["id"], token=alice)
    check("server 2 returns the bytes server 1 stored", status == 200 and copy == data)
    status, _ = request(b, "GET", "/api/v1/images/%d/thumbnail?max_size=64" % image["id"], token=alice)
    check("server 2 makes the thumbnail from the shared store", status == 200, str(status))
    status, ann = json_of(request(a, "POST", "/api/v1/annotations",
                                  {"image_id": image["id"], "wkt": "POLYGON((10 10,60 10,60 60,10 60,10 10))"}, alice))
    check("annotation stored through server 1", status == 201, str(status))
    status, found = json_of(request(b, "GET", "/api/v1/annotations?image=%d&bbox=50,50,70,70" % image["id"],
                                    token=alice))
    check("server 2 finds it by box", status == 200 and [x["id"] for x in found["items"]] == [ann["id"]], str(found))
    # Permissions: the same answer from either server, before and after a change made on one.
    before = [request(p, "GET", "/api/v1/images/%d" % image["id"], token=bob)[0] for p in c.ports]
    check("bob, not a member, is refused alike by both servers", before == [404, 404], str(before))
    status, _ = request(b, "PUT", "/api/v1/projects/%d/members/%d" % (pid, json_of(
        request(a, "GET", "/api/v1/users/me", token=bob))[1]["id"]), {"role": "viewer"}, alice)
    check("membership granted through server 2", status == 200, str(status))
    after = [request(p, "GET", "/api/v1/images/%d" % image["id"], token=bob)[0] for p in c.ports]
    check("bob, now a viewer, reads through both servers", after == [200, 200], str(after))
    writes = [request(p, "DELETE", "/api/v1/images/%d" % image["id"], token=bob)[0] for p in c.ports]
    check("bob, a viewer, may not delete through either server", writes == [403, 403], str(writes))
    return admin, alice, pid


def same_bytes_at_once(c, alice, pid):
    data = open(photos()[1], "rb").read()
    barrier = threading.Barrier(2)

    def upload(port):
        barrier.wait()
        return request(port, "POST", "/api/v1/projects/%d/images?filename=same.jpg" % pid, data, alice)[0]

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(upload, c.ports))
    check("same bytes through both servers at once: one 201, one 409", statuses == [201, 409], str(statuses))
    sha = hashlib.sha256(data).hexdigest()
    status, page = json_of(request(c.lb, "GET", "/api/v1/projects/%d/images?limit=1000" % pid, token=alice))
    same = [i for i in page["items"] if i.get("sha256") == sha]
    check("one image holds those bytes", len(same) == 1, str(len(same)))


def kill_during_uploads(c, alice, pid):
    # Distinct bodies of a few MiB each, so that uploads are in flight when the server dies.
    bodies = [random_png(1024, 1024) for _ in range(24)]
    acknowledged = []
    lock = threading.Lock()

    def upload(i):
        status, body = json_of(request(c.ports[0], "POST", "/api/v1/projects/%d/images?filename=noise%d.png"
                                       % (pid, i), bodies[i], alice))
        if status == 201:
            with lock:
                acknowledged.append((body["id"], hashlib.sha256(bodies[i]).hexdigest()))
        return status

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(upload, i) for i in range(len(bodies))]
        wait_until(lambda: len(acknowledged) >= 3, 60, 0.01)
        os.kill(c.pids[0], 9)
        statuses = [f.result() for f in futures]
    check("some uploads were acknowledged before the kill, some cut off", 0 < len(acknowledged) < len(bodies),
          "%d of %d; statuses %s" % (len(acknowledged), len(bodies), statuses))
    whole = all(request(c.ports[1], "GET", "/api/v1/images/%d/file" % i, token=alice)[1] and
                hashlib.sha256(request(c.ports[1], "GET", "/api/v1/images/%d/file" % i, token=alice)[1]).hexdigest() == s
                for i, s in acknowledged)
    check("every acknowledged upload reads back whole through the other server", whole)
    status, page = json_of(request(c.ports[1], "GET", "/api/v1/projects/%d/images?limit=1000" % pid, token=alice))
    broken = []
    for image in page["items"]:
        status, data = request(c.ports[1], "GET", "/api/v1/images/%d/file" % image["id"], token=alice)
        if status != 200 or hashlib.sha256(data).hexdigest() != image["sha256"]:
            broken.append(image["id"])
    check("no listed image is half stored", not broken, str(broken))
    check("the killed server starts again on the same catalog", c.restart_server(0))


def postgres_restart(c, alice, pid):
    port = c.ports[1]
    path = "/api/v1/projects/%d/images?limit=5" % pid
    check("reads work before PostgreSQL stops", request(port, "GET", path, token=alice)[0] == 200)
    stop = c.pg("-m", "fast", "stop")
    check("PostgreSQL stopped", stop.returncode == 0, stop.stderr)
    down = [request(port, "GET", path, token=alice)[0] for _ in range(5)]
    check("while it is down, requests get 503 (never 500)", set(down) == {503}, str(down))
    start = c.pg("-o", "-p %s -k %s -c listen_addresses=127.0.0.1" % (c.env["PG_PORT"], c.env["PG_DIR"]), "-l",
                 os.path.join(c.env["PG_DIR"], "server.log"), "start")
    check("PostgreSQL started again", start.returncode == 0, start.stderr)
    recovered = wait_until(lambda: all(request(p, "GET", path, token=alice)[0] == 200 for p in c.ports), 30)
    check("both servers answer again without a restart", recovered)


def api_answers(port, token):
    """What a client sees of a store, without the fields that differ between copies (none should)."""
    out = {}
    status, projects = json_of(request(port, "GET", "/api/v1/projects?limit=1000", token=token))
    out["projects"] = projects["items"] if status == 200 else status
    for p in projects.get("items", []) if status == 200 else []:
        pid = p["id"]
        out["images%d" % pid] = json_of(request(port, "GET", "/api/v1/projects/%d/images?limit=1000" % pid,
                                                token=token))[1]
        out["annotations%d" % pid] = json_of(request(port, "GET", "/api/v1/annotations?project=%d&limit=10000" % pid,
                                                     token=token))[1]
        out["runs%d" % pid] = json_of(request(port, "GET", "/api/v1/annotation-runs?project=%d" % pid, token=token))[1]
        out["ontology%d" % pid] = json_of(request(port, "GET", "/api/v1/projects/%d/ontology" % pid, token=token))[1]
        for image in out["images%d" % pid].get("items", []):
            out["file%d" % image["id"]] = hashlib.sha256(
                request(port, "GET", "/api/v1/images/%d/file" % image["id"], token=token)[1]).hexdigest()
    out["ontologies"] = json_of(request(port, "GET", "/api/v1/ontologies", token=token))[1]
    return out


def serve_folder(vitrine, args, log_path, env):
    log = open(log_path, "w+")
    proc = subprocess.Popen([vitrine, "serve", "--listen", "127.0.0.1:0"] + args, stdout=log,
                            stderr=subprocess.STDOUT, env=env)
    port = None

    def started():
        nonlocal port
        log.seek(0)
        m = re.search(r"http://127\.0\.0\.1:(\d+)", log.read())
        port = int(m.group(1)) if m else None
        return port is not None or proc.poll() is not None

    wait_until(started, 60)
    if port is None or not wait_until(lambda: request(port, "GET", "/api/v1/health")[0] == 200, 30):
        proc.kill()
        log.seek(0)
        raise SystemExit("server did not start: " + log.read()[-2000:])
    return proc, port


def stop(proc):
    proc.terminate()
    proc.wait(60)


def migrate_both_ways(c, work):
    env = c.child_env
    source = os.path.join(work, "folder")
    proc, port = serve_folder(c.vitrine, ["--data", source], os.path.join(work, "folder.log"), env)
    admin = sign_in(port, "admin", open(os.path.join(source, "admin-password")).read().strip())
    _, project = json_of(request(port, "POST", "/api/v1/projects", {"name": "to move"}, admin))
    _, ontology = json_of(request(port, "POST", "/api/v1/ontologies", {"name": "insects"}, admin))
    _, term = json_of(request(port, "POST", "/api/v1/ontologies/%d/terms" % ontology["id"],
                              {"name": "fly", "color": "#ff0000"}, admin))
    request(port, "PUT", "/api/v1/projects/%d/ontology" % project["id"], {"ontology_id": ontology["id"]}, admin)
    images = []
    for path in photos():
        status, image = json_of(request(port, "POST", "/api/v1/projects/%d/images?filename=%s"
                                        % (project["id"], os.path.basename(path)), open(path, "rb").read(), admin))
        images.append(image)
    many = [{"image_id": images[0]["id"], "wkt": "POINT(%d %d)" % (i % 500, i // 500), "terms": [term["id"]]}
            for i in range(5000)]
    status, _ = json_of(request(port, "POST", "/api/v1/annotations", many, admin))
    check("source folder filled (images, 5,000 annotations, an ontology)", status == 201, str(status))
    status, _ = json_of(request(port, "POST", "/api/v1/annotation-runs", {
        "image_id": images[1]["id"], "algorithm": "detector", "algorithm_version": "1",
        "annotations": [{"wkt": "POLYGON((1 1,9 1,9 9,1 9,1 1))"}]}, admin))
    check("an annotation run stored", status == 201, str(status))
    expected = api_answers(port, admin)
    stop(proc)

    psql = ["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "postgresql://vitrine@127.0.0.1:%s/postgres" % c.env["PG_PORT"]]
    subprocess.run(psql + ["-c", "CREATE DATABASE moved"], check=True)
    catalog = "postgresql://vitrine@127.0.0.1:%s/moved" % c.env["PG_PORT"]
    blobs = c.env["BLOBS"].replace("s3://vitrine?", "s3://vitrine/moved?")
    command = [c.vitrine, "migrate", "--data", source, "--to-catalog", catalog, "--to-blobs", blobs]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    # Killed as soon as it is copying rows, blobs being done: an interruption mid-copy.
    for line in first.stderr:
        if line.startswith("annotations:"):
            break
    first.kill()
    first.wait()
    refused = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    check("a second migrate without --resume refuses the non-empty target", refused.returncode != 0 and
          "resume" in refused.stderr, refused.stderr[-300:])
    resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True, env=env, timeout=600)
    check("migrate --resume finishes the interrupted copy", resumed.returncode == 0, resumed.stderr[-500:])

    scratch = os.path.join(work, "on-postgres")
    proc, port = serve_folder(c.vitrine, ["--data", scratch, "--catalog", catalog, "--blobs", blobs],
                              os.path.join(work, "on-postgres.log"), env)
    moved = api_answers(port, sign_in(port, "admin", open(os.path.join(source, "admin-password")).read().strip()))
    stop(proc)
    differ = [k for k in expected if expected[k] != moved.get(k)]
    check("PostgreSQL + S3 copy answers exactly as the folder did", not differ and expected.keys() == moved.keys(),
          str(differ[:5]))

    back = os.path.join(work, "back")
    home = subprocess.run([c.vitrine, "migrate", "--catalog", catalog, "--blobs", blobs, "--data", scratch,
                           "--to-data", back], capture_output=True, text=True, env=env, timeout=600)
    check("migrate back to a folder", home.returncode == 0, home.stderr[-500:])
    proc, port = serve_folder(c.vitrine, ["--data", back], os.path.join(work, "back.log"), env)
    returned = api_answers(port, sign_in(port, "admin", open(os.path.join(source, "admin-password")).read().strip()))
    stop(proc)
    differ = [k for k in expected if expected[k] != returned.get(k)]
    check("the folder made from PostgreSQL + S3 answers exactly as the first", not differ, str(differ[:5]))


def s3_restart_during_multipart(c, alice, pid):
    body = random_png(6000, 6000)  # 103 MiB: several parts of 16 MiB
    answer = {}

    def upload():
        answer["status"] = request(c.ports[0], "POST", "/api/v1/projects/%d/images?filename=large.png" % pid, body,
                                   alice, timeout=600)[0]

    def multipart_in_progress():
        status, listing = request(int(c.env["S3_PORT"]), "GET", "/vitrine?uploads")
        return status == 200 and b"<UploadId>" in listing

    thread = threading.Thread(target=upload)
    thread.start()
    caught = wait_until(multipart_in_progress, 300, 0.01)
    check("a multipart upload to S3 was caught in progress", caught)
    os.kill(int(c.env["MOTO_PID"]), 9)
    thread.join(600)
    status = answer.get("status")
    check("an upload whose S3 server dies mid-way fails cleanly (503), not half-stored", status == 503, str(status))
    _, page = json_of(request(c.ports[1], "GET", "/api/v1/projects/%d/images?limit=1000" % pid, token=alice))
    check("no image refers to the failed upload", all(i.get("filename") != "large.png" for i in page["items"]))


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    vitrine, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    c = Cluster(vitrine, work)
    try:
        _, alice, pid = two_servers_one_catalog(c)
        same_bytes_at_once(c, alice, pid)
        kill_during_uploads(c, alice, pid)
        postgres_restart(c, alice, pid)
        migrate_both_ways(c, work)
        s3_restart_during_multipart(c, alice, pid)
    finally:
        c.down()
    failed = [name for name, ok in results if not ok]
    print("%d passed, %d failed" % (len(results) - len(failed), len(failed)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
