#!/usr/bin/env python3
"""Two `fishtts serve` replicas (demo model) on loopback sharing one voices folder and one cache, Debian's haproxy
in front with deploy/haproxy.cfg:
- a voice added through replica A speaks through replica B;
- 4 clients synthesize through the balancer for --seconds while replica A gets SIGTERM half way: no client sees
  a failure (haproxy retries 503s and refused connections on B), A exits 0, B's resident memory stays flat.

usage: check_replicas.py FISHTTS_BINARY HAPROXY_CFG [--seconds 20]
Exit 77 (skipped) when haproxy is not installed.
"""
import argparse
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import wave


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def post(url, body, headers=None, timeout=60):
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data, {"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def wait_ready(url, limit=60):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url + "/v1/ready", timeout=1) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False


def start_replica(fishtts, port, voices, cache, log):
    return subprocess.Popen([fishtts, "serve", "--listen", f"127.0.0.1:{port}", "--references-dir", voices,
                             "--cache-dir", cache, "--shutdown-grace", "10"], stdout=log, stderr=log)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fishtts")
    ap.add_argument("haproxy_cfg")
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
    if not haproxy:
        print("haproxy is not installed (scripts/setup.sh installs it): skipped")
        return 77

    work = tempfile.mkdtemp(prefix="fishtts-scale-")
    voices, cache = os.path.join(work, "voices"), os.path.join(work, "cache")
    log = open(os.path.join(work, "replicas.log"), "w")
    port_a, port_b, port_lb = free_port(), free_port(), free_port()
    a = start_replica(args.fishtts, port_a, voices, cache, log)
    b = start_replica(args.fishtts, port_b, voices, cache, log)
    url_a, url_b, url_lb = (f"http://127.0.0.1:{p}" for p in (port_a, port_b, port_lb))
    env = dict(os.environ, FISHTTS_LB_BIND=f"127.0.0.1:{port_lb}", FISHTTS_REPLICA_A=f"127.0.0.1:{port_a}",
               FISHTTS_REPLICA_B=f"127.0.0.1:{port_b}")
    lb = subprocess.Popen([haproxy, "-db", "-f", args.haproxy_cfg], env=env, stdout=log, stderr=log)
    failures = []
    try:
        if not (wait_ready(url_a) and wait_ready(url_b)):
            print("the replicas did not become ready"); return 1
        if not wait_ready(url_lb, 10):
            print("haproxy did not answer"); return 1

        # A voice added through A speaks through B: one store on a shared folder.
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1); w.setsampwidth(2); w.setframerate(44100)
            w.writeframes(b"\x10\x00" * 44100)
        form = json.dumps({"id": "shared-voice", "text": "Hello there.",
                           "audio": __import__("base64").b64encode(buf.getvalue()).decode()})
        status, _ = post(url_a + "/v1/references/add?format=json", json.loads(form))
        assert status == 200, status
        tts = {"text": "Hello.", "max_new_tokens": 8, "seed": 1, "reference_id": "shared-voice"}
        status, body = post(url_b + "/v1/tts", tts)
        assert status == 200 and body[:4] == b"RIFF", (status, body[:40])
        print("voice added through A, spoken by B: ok")

        rss_b_start = rss_mb(b.pid)
        stop_at = time.monotonic() + args.seconds
        counts = {"ok": 0}
        lock = threading.Lock()

        def client(i):
            while time.monotonic() < stop_at:
                body = {"text": "Hello.", "max_new_tokens": 8, "seed": i}
                if i % 2:
                    body["reference_id"] = "shared-voice"
                # Half the clients name their voice for haproxy's consistent hash, half are spread round-robin.
                headers = {"X-Fishtts-Voice-Key": "shared-voice"} if i % 2 else {}
                try:
                    status, audio = post(url_lb + "/v1/tts", body, headers)
                    ok = status == 200 and audio[:4] == b"RIFF"
                except (urllib.error.URLError, OSError) as e:
                    ok, status = False, getattr(e, "code", repr(e))
                with lock:
                    if ok:
                        counts["ok"] += 1
                    else:
                        failures.append(str(status))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        time.sleep(args.seconds / 2)
        with urllib.request.urlopen(url_a + "/metrics", timeout=5) as r:
            served_by_a = int(re.search(r"^fishtts_syntheses_total (\d+)", r.read().decode(), re.M).group(1))
        a.send_signal(signal.SIGTERM)
        a_code = a.wait(timeout=30)
        for t in threads:
            t.join()
        rss_b_end = rss_mb(b.pid)
        print(f"through haproxy: {counts['ok']} ok, {len(failures)} failed; replica A exit {a_code} after SIGTERM; "
              f"replica B RSS {rss_b_start:.0f} -> {rss_b_end:.0f} MB; A had served {served_by_a} before SIGTERM")
        # A must have carried load, or its SIGTERM proves nothing.
        bad = bool(failures) or a_code != 0 or served_by_a < 5 or rss_b_end - rss_b_start > 50
        for f in failures[:5]:
            print("  failure:", f)
        return 1 if bad else 0
    finally:
        for p in (lb, a, b):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
        log.close()
        if os.environ.get("FISHTTS_KEEP_SCALE_DIR") is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept", work)


if __name__ == "__main__":
    sys.exit(main())
