"""A `vitrine serve` for the Python system tests: on a free loopback port, over a data folder,
its log beside the folder, waited for by a bounded loop on /api/v1/health."""
import http.client
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/api/v1/health")
        return conn.getresponse().status == 200
    finally:
        conn.close()


def start_server(binary, data):
    """(process, port) once the server answers; RuntimeError after 30 s or if it exits."""
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--data", data, "--listen", "127.0.0.1:%d" % port, "--no-access-log"],
                            stdout=open(data + ".log", "ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if healthy(port):
                return proc, port
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("vitrine serve did not start (see %s.log)" % data)
