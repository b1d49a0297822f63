#!/usr/bin/env python3
"""A live `fishtts serve` (demo model) under a mix of good and hostile clients, the way an attacker on the
network would try it: slow heads, lying Content-Lengths, chunked and compressed bodies over the limit, header
floods, deep JSON, broken multipart, rebound Host and foreign Origin headers, idle connections, abandoned
streams, beside clients asking for real speech.

Passes when: no answer is a 5xx other than 503, /v1/health answers within 1 s every time it is asked during the
run, the server's resident memory is stable (it grows less than --rss-growth-mb from the end of the run's first
third, when the largest answers have set the high-water mark, to its end) and stays under --rss-peak-mb, and
SIGTERM ends it with exit status 0.

usage: hostile_load.py FISHTTS_BINARY [--seconds 30] [--clients 8] [--rss-growth-mb 50] [--rss-peak-mb 600]
"""
import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

LOCAL = "Host: 127.0.0.1\r\n"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def exchange(port, data, timeout=10.0, trickle=None):
    """Sends raw bytes (optionally trickled), returns the status code of the answer (0 = none)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            if trickle:
                for piece in trickle:
                    s.sendall(piece)
                    time.sleep(0.3)
            else:
                s.sendall(data)
        except OSError:
            pass  # the server may refuse before we finish sending
        got = b""
        try:
            while b"\r\n" not in got:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except OSError:
            pass
    m = re.match(rb"HTTP/1\.1 (\d{3})", got)
    return int(m.group(1)) if m else 0


def post(path, body, content_type="application/json", extra=""):
    return (f"POST {path} HTTP/1.1\r\n{LOCAL}Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            f"{extra}Connection: close\r\n\r\n").encode() + body


def attacks(port):
    tts = json.dumps({"text": "Hello there.", "max_new_tokens": 8}).encode()
    chunked_big = b"".join(b"%x\r\n%s\r\n" % (4096, b" " * 4096) for _ in range(20000)) + b"0\r\n\r\n"
    deep = b'{"text":"x","normalize":' + b"[" * 100000 + b"]" * 100000 + b"}"
    form = b'--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b'
    return {
        "good tts": lambda: exchange(port, post("/v1/tts", tts), timeout=60),
        "good openai": lambda: exchange(port, post("/v1/audio/speech", json.dumps(
            {"input": "Hi.", "voice": "alloy", "response_format": "wav"}).encode()), timeout=60),
        "abandoned stream": lambda: exchange(port, post("/v1/tts", json.dumps(
            {"text": "Gone.", "streaming": True, "max_new_tokens": 40}).encode())),
        "slow head": lambda: exchange(port, None, timeout=20, trickle=[b"POST /v1/tts HTTP/1.1\r\n"] +
                                      [b"X-a: b\r\n"] * 60),
        "lying length": lambda: exchange(port, f"POST /v1/tts HTTP/1.1\r\n{LOCAL}Content-Length: 1000000000000\r\n"
                                               "Content-Type: application/json\r\n\r\n{".encode()),
        "chunked flood": lambda: exchange(port, f"POST /v1/tts HTTP/1.1\r\n{LOCAL}Transfer-Encoding: chunked\r\n"
                                                "Content-Type: application/json\r\n\r\n".encode() + chunked_big),
        "gzip body": lambda: exchange(port, post("/v1/tts", b"\x1f\x8b" + b"\0" * 100, extra="Content-Encoding: gzip\r\n")),
        "header flood": lambda: exchange(port, b"GET /v1/health HTTP/1.1\r\n" + b"X-f: y\r\n" * 200000 + b"\r\n"),
        "deep json": lambda: exchange(port, post("/v1/tts", deep)),
        "broken form": lambda: exchange(port, post("/v1/tts", form, "multipart/form-data; boundary=b")),
        "rebound host": lambda: exchange(port, b"GET /v1/references/list HTTP/1.1\r\nHost: evil.example\r\n\r\n"),
        "foreign origin": lambda: exchange(port, post("/v1/tts", tts, extra="Origin: https://evil.example\r\n")),
        "garbage": lambda: exchange(port, os.urandom(2048)),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fishtts")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--rss-growth-mb", type=float, default=50)
    ap.add_argument("--rss-peak-mb", type=float, default=600)
    ap.add_argument("--only", action="append", help="run only these kinds (repeatable), to find what costs memory")
    args = ap.parse_args()

    server = subprocess.Popen([args.fishtts, "serve", "--listen", "127.0.0.1:0", "--head-timeout", "2",
                               "--body-timeout", "5", "--max-body-mb", "2"],
                              stderr=subprocess.PIPE, text=True)
    port = None
    for line in server.stderr:
        m = re.search(r"listening on http://[^:]+:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    if not port:
        print("the server did not start"); return 1
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()

    table = attacks(port)
    names = args.only or list(table)
    for _ in range(2):
        table["good tts"]()  # warm-up: sessions, arenas
    rss_start = rss_kib(server.pid)
    counts, bad, lock = {}, [], threading.Lock()
    stop_at = time.monotonic() + args.seconds

    def client(seed):
        rnd = random.Random(seed)
        while time.monotonic() < stop_at:
            name = rnd.choice(names)
            status = table[name]()
            with lock:
                counts.setdefault(name, {}).setdefault(status, 0)
                counts[name][status] += 1
                if status >= 500 and status != 503:
                    bad.append(f"{name}: {status}")

    slow_health = []

    def health():
        while time.monotonic() < stop_at:
            t = time.monotonic()
            status = exchange(port, f"GET /v1/health HTTP/1.1\r\n{LOCAL}Connection: close\r\n\r\n".encode(), timeout=1)
            took = time.monotonic() - t
            if status != 200 or took > 1.0:
                slow_health.append(f"{status} in {took:.2f} s")
            time.sleep(0.2)

    rss_samples = []

    def memory():
        while time.monotonic() < stop_at:
            rss_samples.append((time.monotonic(), rss_kib(server.pid)))
            time.sleep(0.1)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    threads += [threading.Thread(target=health), threading.Thread(target=memory)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rss_end = rss_kib(server.pid)
    alive = server.poll() is None
    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill(); code = "timeout"

    for name in names:
        print(f"  {name:16s} {dict(sorted(counts.get(name, {}).items()))}")
    third = stop_at - args.seconds * 2 / 3
    rss_warm = max([kib for t, kib in rss_samples if t <= third] or [rss_start])
    peak_mb = max([kib for _, kib in rss_samples] + [rss_end]) / 1024
    growth_mb = (rss_end - rss_warm) / 1024
    print(f"RSS {rss_start / 1024:.0f} MB at start, {rss_warm / 1024:.0f} after a third, {rss_end / 1024:.0f} at the end "
          f"({growth_mb:+.1f}), peak {peak_mb:.0f}; health misses: {len(slow_health)}; "
          f"5xx: {len(bad)}; alive: {alive}; exit on SIGTERM: {code}")
    failed = (bad or slow_health or not alive or code != 0 or growth_mb > args.rss_growth_mb or
              peak_mb > args.rss_peak_mb)
    for line in (bad + slow_health)[:10]:
        print("  !", line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
