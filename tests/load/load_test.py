#!/usr/bin/env python3
"""Load and abuse against a real `vitrine serve` on loopback, bounded in time and count.

While 1,000 keep-alive connections are held open, slow clients trickle their headers and bodies
a byte a second, a flood of wrong passwords arrives, and large uploads run in parallel, a prober
asks /api/v1/health on a fresh connection every 50 ms. It checks that:
  - every probe is answered, p99 within PROBE_P99_MS and none slower than PROBE_MAX_MS;
  - the server's peak RSS stays under RSS_LIMIT_MB;
  - every acknowledged upload comes back byte for byte;
  - the password flood is slowed (429) after its free allowance, and costs no 5xx.
Prints its figures, then 'N passed, M failed'. Usage: load_test.py VITRINE_BINARY WORK_DIR
"""
import asyncio
import hashlib
import http.client
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

PROBE_P99_MS = 500
PROBE_MAX_MS = 2000
RSS_LIMIT_MB = 1024
KEEPALIVE_CONNECTIONS = 1000
SLOW_CLIENTS = 40
SLOW_SECONDS = 12
WRONG_PASSWORDS = 600
UPLOADS = 8
UPLOAD_MB = 24

results = []


def check(name, ok, detail=""):
    results.append((name, ok))
    print(("PASS " if ok else "FAIL ") + name + (": " + detail if detail else ""), flush=True)


def start_server(binary, data):
    log = open(os.path.join(os.path.dirname(data), "serve.log"), "w+")
    proc = subprocess.Popen([binary, "serve", "--data", data, "--listen", "127.0.0.1:0", "--no-access-log",
                             "--max-connections", "2000"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 20
    while time.time() < deadline:
        log.seek(0)
        m = re.search(r"http://127\.0\.0\.1:(\d+)", log.read())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("the server did not start")


def request(port, method, path, body=None, headers=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def peak_rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return -1


class Prober(threading.Thread):
    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.latencies, self.failures, self.stop = port, [], 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                status, _ = request(self.port, "GET", "/api/v1/health", timeout=10)
                if status != 200:
                    self.failures += 1
            except Exception:
                self.failures += 1
            self.latencies.append((time.perf_counter() - t0) * 1000)
            self.stop.wait(0.05)


async def hold_keepalive(port, count, hold_until):
    """Opens `count` connections, asks /health on each, keeps them open until `hold_until`."""
    opened, answered = [], 0
    for _ in range(count):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            opened.append((reader, writer))
        except OSError:
            break
    for reader, writer in opened:
        writer.write(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
    for reader, writer in opened:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
            await reader.readexactly(length)
            answered += 1
        except Exception:
            pass
    await asyncio.sleep(max(0, hold_until - time.time()))
    for _, writer in opened:
        writer.close()
    return len(opened), answered


async def slow_client(port, seconds, with_body):
    """Sends a request one byte a second for `seconds`; returns True if the server stayed civil."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    text = (b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + b"{" * 1000
            if with_body else b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 1000)
    start = b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" if with_body else b""
    writer.write(start)
    sent = len(start)
    for i in range(seconds):
        if sent >= len(text):
            break
        writer.write(text[sent:sent + 1])
        sent += 1
        try:
            await writer.drain()
        except OSError:
            break
        await asyncio.sleep(1)
    writer.close()
    return True


async def background_load(port, hold_until):
    keep = asyncio.create_task(hold_keepalive(port, KEEPALIVE_CONNECTIONS, hold_until))
    slow = [asyncio.create_task(slow_client(port, SLOW_SECONDS, i % 2 == 0)) for i in range(SLOW_CLIENTS)]
    held = await keep
    await asyncio.gather(*slow)
    return held


def main():
    binary, work = sys.argv[1], sys.argv[2]
    # 1,000 sockets here and as many in the server (which inherits this limit).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    data = os.path.join(work, "data")
    proc, port = start_server(binary, data)
    try:
        with open(os.path.join(data, "admin-password")) as f:
            password = f.read().strip()
        status, body = request(port, "POST", "/api/v1/auth/token",
                               json.dumps({"username": "admin", "password": password}))
        token = json.loads(body)["token"]
        auth = {"Authorization": "Bearer " + token}
        status, body = request(port, "POST", "/api/v1/projects", json.dumps({"name": "load"}), auth)
        project = json.loads(body)["id"]

        # Distinct large images: a noise TIFF each, so nothing is deduplicated.
        files = []
        for i in range(UPLOADS):
            path = os.path.join(work, "big%d.tif" % i)
            side = int((UPLOAD_MB * 1024 * 1024) ** 0.5)  # one band of bytes
            subprocess.run(["vips", "gaussnoise", path + ".v", str(side), str(side), "--mean", str(100 + i)],
                           check=True)
            subprocess.run(["vips", "cast", path + ".v", path + "[compression=none]", "uchar"], check=True)
            os.remove(path + ".v")
            files.append(path)

        prober = Prober(port)
        prober.start()
        hold_until = time.time() + SLOW_SECONDS + 2
        loop_result = {}
        loop_thread = threading.Thread(
            target=lambda: loop_result.update(held=asyncio.run(background_load(port, hold_until))))
        loop_thread.start()
        time.sleep(1)  # the held connections open first

        def upload(path):
            with open(path, "rb") as f:
                payload = f.read()
            status, body = request(port, "POST", "/api/v1/projects/%d/images?filename=%s" %
                                   (project, os.path.basename(path)), payload, auth, timeout=300)
            return status, body, hashlib.sha256(payload).hexdigest()

        def wrong_password(i):
            status, _ = request(port, "POST", "/api/v1/auth/token",
                                json.dumps({"username": "admin" if i % 2 else "nobody%d" % i, "password": "wrong-%d" % i}))
            return status

        with ThreadPoolExecutor(max_workers=UPLOADS + 4) as pool:
            uploads = [pool.submit(upload, f) for f in files]
            flood = list(pool.map(wrong_password, range(WRONG_PASSWORDS)))
            uploaded = [u.result() for u in uploads]
        loop_thread.join()
        prober.stop.set()
        prober.join()

        opened, answered = loop_result.get("held", (0, 0))
        check("1,000 keep-alive connections are accepted and answered",
              opened == KEEPALIVE_CONNECTIONS and answered == opened, "%d opened, %d answered" % (opened, answered))
        lat = sorted(prober.latencies)
        p50 = lat[len(lat) // 2] if lat else -1
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else -1
        print("health probes: %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms, failures %d" %
              (len(lat), p50, p99, lat[-1] if lat else -1, prober.failures), flush=True)
        check("/health answers throughout", prober.failures == 0 and len(lat) > 50)
        check("/health p99 within %d ms" % PROBE_P99_MS, 0 <= p99 <= PROBE_P99_MS, "%.1f ms" % p99)
        check("/health never slower than %d ms" % PROBE_MAX_MS, lat and lat[-1] <= PROBE_MAX_MS, "%.1f ms" % lat[-1])
        counts = {s: flood.count(s) for s in set(flood)}
        print("wrong-password flood: %s" % counts, flush=True)
        check("the password flood is slowed and causes no server error",
              counts.get(429, 0) > 0 and not any(s >= 500 for s in flood))
        acknowledged = [(json.loads(b)["id"], sha) for s, b, sha in uploaded if s == 201]
        check("every large upload is acknowledged", len(acknowledged) == UPLOADS,
              "; ".join("%d %s" % (s, b[:120]) for s, b, _ in uploaded if s != 201))
        lost = 0
        for image, sha in acknowledged:
            status, body = request(port, "GET", "/api/v1/images/%d/file" % image, headers=auth, timeout=120)
            lost += status != 200 or hashlib.sha256(body).hexdigest() != sha
        check("nothing acknowledged is lost", lost == 0, "%d damaged or missing" % lost)
        rss = peak_rss_mb(proc.pid)
        print("server peak RSS: %.0f MB" % rss, flush=True)
        check("peak RSS under %d MB" % RSS_LIMIT_MB, 0 < rss < RSS_LIMIT_MB, "%.0f MB" % rss)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = -1
        check("the server stops cleanly under SIGTERM", code == 0, "exit %s" % code)
    failed = sum(1 for _, ok in results if not ok)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
