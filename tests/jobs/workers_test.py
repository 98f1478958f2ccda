#!/usr/bin/env python3
"""Job workers as real processes against a real `vitrine serve`, all on loopback:
  - kill -9 of a worker in the middle of a job: another worker runs it again, it ends COMPLETE
    once, with attempt 2 in its status;
  - a worker frozen (SIGSTOP) past its lease comes back late: its result is refused, the job
    keeps the result of the attempt that took over;
  - four worker processes and 1,000 jobs: each runs to completion exactly once;
  - external analytics from bundles: success with outputs, a crash, a timeout, a memory limit, a
    missing required output, a log over the cap, and kill while running (the child is ended);
  - vitrine serve killed with queued and running jobs: after a restart the running one is
    recovered by lease expiry and the queued ones run.
Prints 'N passed, M failed'; exits non-zero on any failure. Usage: workers_test.py VITRINE WORK_DIR
"""
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

results = []
LEASE = 2  # seconds: short, so that lost workers are noticed within a test's patience


def check(name, ok, detail=""):
    results.append((name, ok))
    print(("PASS " if ok else "FAIL ") + name + (": " + detail if detail else ""), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, port, token=None):
        self.port, self.token = port, token

    def call(self, method, path, body=None, raw=None, timeout=90):
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
            try:
                return r.status, json.loads(payload) if payload else None
            except ValueError:
                return r.status, payload
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            return 0, str(e)
        finally:
            conn.close()

    def job(self, job_id, wait=0, seen=None):
        query = "?wait=%d&state=%s" % (wait, seen) if wait else ""
        return self.call("GET", "/api/v1/jobs/%d%s" % (job_id, query))[1]

    def until(self, job_id, predicate, seconds=60):
        """Long-polls the job until `predicate(job)` holds; bounded by `seconds`."""
        deadline = time.monotonic() + seconds
        job = self.job(job_id)
        while not predicate(job) and time.monotonic() < deadline:
            job = self.job(job_id, wait=max(1, min(10, int(deadline - time.monotonic()))), seen=job["state"])
        return job


class Server:
    def __init__(self, binary, data, workers=0):
        self.binary, self.data, self.port, self.proc = binary, data, free_port(), None
        self.workers = workers

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data", self.data, "--listen", "127.0.0.1:%d" % self.port, "--no-access-log",
             "--job-workers", str(self.workers), "--job-lease-seconds", str(LEASE)],
            stdout=open(os.path.join(self.data + ".log"), "ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if Api(self.port).call("GET", "/api/v1/analytics")[0] in (200, 401):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("vitrine serve did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_worker(binary, port, token, name, work, extra=()):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "VITRINE_TOKEN": token, "HOME": work}
    return subprocess.Popen(
        [binary, "worker", "--server", "http://127.0.0.1:%d" % port, "--name", name, "--scratch",
         os.path.join(work, "scratch-" + name)] + list(extra),
        env=env, stdout=open(os.path.join(work, name + ".log"), "ab"), stderr=subprocess.STDOUT)


def stop_all(procs):
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def admin_token(api, data):
    with open(os.path.join(data, "admin-password")) as f:
        password = f.read().strip()
    status, body = api.call("POST", "/api/v1/auth/token", {"username": "admin", "password": password})
    assert status in (200, 201), body
    return body["token"]


def noop(api, project, **parameters):
    status, body = api.call("POST", "/api/v1/jobs", {"project": project, "analytic": "vitrine/noop",
                                                    "parameters": parameters, "auto_start": True})
    assert status == 201, body
    return body["id"]


def full_log(api, job_id):
    """The whole log, page after page (x-log-next)."""
    text, after = b"", 0
    for _ in range(100):
        conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=60)
        conn.request("GET", "/api/v1/jobs/%d/log?after=%d" % (job_id, after),
                     headers={"Authorization": "Bearer " + api.token})
        r = conn.getresponse()
        page = r.read()
        next_seq = int(r.getheader("x-log-next", str(after)))
        conn.close()
        if not page:
            break
        text, after = text + page, next_seq
    return text


def messages(job):
    return [m["message"] for m in job.get("messages", [])]


def bundle(path, doc, script):
    with tarfile.open(path, "w:gz") as tar:
        for name, text, mode in (("analytic.json", json.dumps(doc), 0o644), ("run.py", script, 0o755)):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))


def external_doc(name, outputs=(), wall_time=None):
    doc = {"info": {"name": "tests/" + name, "version": "1", "entrypoint": "run.py"},
           "inputs": [], "parameters": [],
           "outputs": [{"name": o, "type": "file", "filename": o + ".txt", "required": True} for o in outputs]}
    if wall_time:
        doc["info"]["wall_time_seconds"] = wall_time
    return doc


SCRIPTS = {
    "ok": (["result"], None,
           "#!/usr/bin/env python3\nimport json, os\n"
           "task = json.load(open(os.environ['VITRINE_TASK']))\n"
           "print('progress: 50', flush=True)\n"
           "open(os.path.join(os.environ['VITRINE_OUTPUT_DIR'], 'result.txt'), 'w').write('job %d' % task['job_id'])\n"
           "print('secret in env:', 'VITRINE_TEST_SECRET' in os.environ)\n"),
    "crash": ([], None, "#!/usr/bin/env python3\nimport sys\nprint('about to fail: bad input 42')\nsys.exit(3)\n"),
    "slow": ([], 1, "#!/usr/bin/env python3\nimport time\ntime.sleep(60)\n"),
    "hog": ([], None, "#!/usr/bin/env python3\nx = bytearray(1 << 30)\nprint('allocated', len(x))\n"),
    "forgetful": (["result"], None, "#!/usr/bin/env python3\nprint('no output written')\n"),
    "chatty": ([], None, "#!/usr/bin/env python3\nimport sys\nline = 'x' * 1023 + '\\n'\n"
                         "for _ in range(17 * 1024):\n    sys.stdout.write(line)\n"),
    "sleeper": ([], None, "#!/usr/bin/env python3\nimport os, time\nprint('pid', os.getpid(), flush=True)\n"
                          "time.sleep(120)\n"),
}


def main():
    binary, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    os.chmod(work, 0o755)  # external analytics run as nobody when this runs as root
    data = os.path.join(work, "data")
    server = Server(binary, data)
    workers = []
    try:
        server.start()
        api = Api(server.port)
        api.token = admin_token(api, data)
        status, body = api.call("POST", "/api/v1/users", {"username": "robot", "password": "robot-password-1"})
        robot_id = body["id"]
        check("an administrator grants the worker capability",
              api.call("PATCH", "/api/v1/users/%d" % robot_id, {"worker": True})[0] == 200)
        robot = Api(server.port)
        status, body = robot.call("POST", "/api/v1/auth/token", {"username": "robot", "password": "robot-password-1"})
        robot.token = body["token"]
        project = api.call("POST", "/api/v1/projects", {"name": "jobs"})[1]["id"]

        # --- kill -9 in the middle of a job ---
        a = start_worker(binary, server.port, robot.token, "a", work)
        workers.append(a)
        job = noop(api, project, sleep_ms=4000)
        running = api.until(job, lambda j: j["state"] == "RUNNING", 30)
        check("worker a runs the job", running["state"] == "RUNNING" and running["worker"] == "a#1", str(running["worker"]))
        a.send_signal(signal.SIGKILL)
        a.wait()
        b = start_worker(binary, server.port, robot.token, "b", work)
        workers.append(b)
        done = api.until(job, lambda j: j["state"] in ("COMPLETE", "FAILED"), 60)
        check("after kill -9 another worker completes the job", done["state"] == "COMPLETE", done["state"])
        check("... on attempt 2", done["attempt"] == 2, str(done["attempt"]))
        check("... the loss is in its messages", any("lost" in m for m in messages(done)), str(messages(done)))
        check("... and it completed once", messages(done).count("Complete") == 1)

        # --- a frozen worker comes back after its lease was taken over ---
        stop_all(workers)
        workers.clear()
        c = start_worker(binary, server.port, robot.token, "c", work)
        workers.append(c)
        job = noop(api, project, sleep_ms=3000)
        running = api.until(job, lambda j: j["state"] == "RUNNING", 30)
        c.send_signal(signal.SIGSTOP)
        d = start_worker(binary, server.port, robot.token, "d", work)
        workers.append(d)
        done = api.until(job, lambda j: j["state"] in ("COMPLETE", "FAILED"), 60)
        check("a frozen worker's job is completed by another", done["state"] == "COMPLETE" and done["attempt"] == 2,
              "%s attempt %s: %s" % (done["state"], done["attempt"], messages(done)))
        c.send_signal(signal.SIGCONT)
        # c wakes up, finds its lease gone at its next renewal (or its finish refused) and drops
        # its result; give it a lease period and its noop's remainder, then check nothing changed.
        later = api.until(job, lambda j: False, LEASE * 2 + 4)
        check("the late worker's result is refused: one completion, attempt 2 kept",
              later["attempt"] == 2 and messages(later).count("Complete") == 1 and later["worker"] == "",
              str(messages(later)))
        stop_all(workers)
        workers.clear()

        # --- four workers, 1,000 jobs ---
        for name in ("w1", "w2", "w3", "w4"):
            workers.append(start_worker(binary, server.port, robot.token, name, work))
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(lambda _: noop(api, project), range(1000)))
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            _, listed = api.call("GET", "/api/v1/jobs?project=%d&state=COMPLETE&limit=1" % project)
            if listed["total"] >= 1000 + 2:  # and the two jobs above
                break
            time.sleep(0.5)
        with ThreadPoolExecutor(8) as pool:
            jobs = list(pool.map(api.job, ids))
        once = [j for j in jobs if j["state"] == "COMPLETE" and j["attempt"] == 1 and messages(j).count("Complete") == 1
                and sum("Scheduled" in m for m in messages(j)) == 1]
        by_worker = {}
        for j in jobs:
            for m in messages(j):
                if m.startswith("Scheduled on "):
                    w = m.split()[2].split("#")[0]
                    by_worker[w] = by_worker.get(w, 0) + 1
        check("1,000 jobs on 4 workers: each completed exactly once", len(once) == 1000,
              "%d of 1000; per worker %s" % (len(once), by_worker))
        check("... every worker took part", len(by_worker) == 4, str(by_worker))
        stop_all(workers)
        workers.clear()

        # --- external analytics ---
        os.environ["VITRINE_TEST_SECRET"] = "do-not-leak"
        ids = {}
        for name, (outputs, wall_time, script) in SCRIPTS.items():
            path = os.path.join(work, name + ".tar.gz")
            bundle(path, external_doc(name, outputs, wall_time), script)
            with open(path, "rb") as f:
                status, body = api.call("POST", "/api/v1/analytics", raw=f.read())
            check("bundle %s registered" % name, status == 201, str(body)[:200])
        ext = start_worker(binary, server.port, robot.token, "ext", work, ["--concurrency", "4", "--max-memory-mib", "256"])
        workers.append(ext)
        for name in SCRIPTS:
            status, body = api.call("POST", "/api/v1/jobs", {"project": project, "analytic": "tests/" + name,
                                                            "auto_start": True})
            ids[name] = body["id"]
        sleeper = api.until(ids["sleeper"], lambda j: j["state"] == "RUNNING" and j["log_bytes"] > 0, 60)
        log = full_log(api, ids["sleeper"])
        pid = int(log.split()[1]) if log.startswith(b"pid") else 0
        killed = api.call("POST", "/api/v1/jobs/%d/kill" % ids["sleeper"])[1]
        check("kill while running: FAILED (USER) at once", killed["state"] == "FAILED" and killed["failure_type"] == "USER")
        deadline = time.monotonic() + 30
        while pid and os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        check("... and the analytic's process is ended", pid > 0 and not os.path.exists("/proc/%d" % pid),
              "pid %d, log %r" % (pid, log[:100]))
        final = {n: api.until(i, lambda j: j["state"] in ("COMPLETE", "FAILED"), 120) for n, i in ids.items()}
        ok = final["ok"]
        out = api.call("GET", "/api/v1/jobs/%d/outputs/result" % ids["ok"])[1]
        log = full_log(api, ids["ok"])
        check("external success: COMPLETE with its output", ok["state"] == "COMPLETE" and out == b"job %d" % ids["ok"],
              "%s %r" % (ok["state"], out))
        check("... its log captured, no server secret in its environment",
              b"secret in env: False" in log and b"progress: 50" in log, repr(log[:200]))
        crash = final["crash"]
        check("a crash: FAILED (ANALYTIC), exit status and log tail in the reason",
              crash["state"] == "FAILED" and crash["failure_type"] == "ANALYTIC" and "status 3" in crash["failure_reason"]
              and "bad input 42" in crash["failure_reason"], crash["failure_reason"][:200])
        slow = final["slow"]
        check("a timeout: FAILED (ANALYTIC), wall time named", slow["state"] == "FAILED" and "wall time" in slow["failure_reason"],
              slow["failure_reason"][:200])
        hog = final["hog"]
        check("a memory limit hit: FAILED (ANALYTIC)", hog["state"] == "FAILED" and hog["failure_type"] == "ANALYTIC"
              and "MemoryError" in hog["failure_reason"], hog["failure_reason"][:200])
        forgetful = final["forgetful"]
        check("a missing required output: FAILED (ANALYTIC), output named",
              forgetful["state"] == "FAILED" and "result" in forgetful["failure_reason"], forgetful["failure_reason"][:200])
        chatty = final["chatty"]
        log = full_log(api, ids["chatty"])
        check("a log over the cap: kept at 16 MiB, truncation marked, job still COMPLETE",
              chatty["state"] == "COMPLETE" and chatty["log_bytes"] == 16 << 20 and b"[log truncated at" in log[-200:],
              "%s %d" % (chatty["state"], chatty["log_bytes"]))
        stop_all(workers)
        workers.clear()

        # --- serve killed with running and queued jobs ---
        server.stop()
        server.workers = 1
        server.start()
        first = noop(api, project, sleep_ms=3000)
        queued = [noop(api, project) for _ in range(2)]
        api.until(first, lambda j: j["state"] == "RUNNING", 30)
        server.kill()
        server.start()
        ends = [api.until(i, lambda j: j["state"] in ("COMPLETE", "FAILED"), 60) for i in [first] + queued]
        check("after a crash of serve the running job is recovered and completes (attempt 2)",
              ends[0]["state"] == "COMPLETE" and ends[0]["attempt"] == 2, "%s %s" % (ends[0]["state"], ends[0]["attempt"]))
        check("... and the queued ones run", all(e["state"] == "COMPLETE" for e in ends[1:]))
    finally:
        stop_all(workers)
        server.stop()
    passed = sum(1 for _, ok in results if ok)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    sys.exit(0 if passed == len(results) and results else 1)


if __name__ == "__main__":
    main()
