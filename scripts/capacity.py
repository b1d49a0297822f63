#!/usr/bin/env python3
"""How many real-time streams one `fishtts serve` replica carries, measured (#20, docs/deploy.md "Capacity").

For each core count K: starts `taskset -c 0-(K-1) fishtts serve --threads K` with the given model flags, waits for
/v1/ready, sends one warm-up request, then for each client count C runs C clients at once, each streaming the same
text through POST /v1/tts ("streaming": true, wav). Per stream: audio seconds (from the WAV received), wall seconds
(request sent to last byte), stream RTF (wall / audio), time to first byte and to first audio. Per run: aggregate
audio seconds per wall second, the server's peak RSS during the run (VmHWM, reset before each run) and its idle
RSS once the run is over. "Streams at RTF < 1" per K is the largest measured C whose every stream succeeded at
RTF < 1 (0 if none): derived from the rows, never estimated.

Prints a markdown table and writes the figures as JSON. The replica has one inference worker, so concurrent
streams queue: a stream's wall time includes its wait, as a listener's would.

usage: capacity.py FISHTTS [--model DIR] [--precision P] [--codec-precision C] [--cores 1,2] [--clients 1,2,4]
                   [--text T] [--max-new-tokens N] [--cache-dir D] [--json OUT]
Run it on a quiet machine: another process on the same cores makes every figure wrong.
"""
import argparse
import http.client
import json
import os
import platform
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

DEFAULT_TEXT = ("The quick brown fox jumps over the lazy dog. A journey of a thousand miles begins with a single "
                "step. She sells sea shells by the sea shore, and the shells she sells are surely sea shells.")


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status_mb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


def reset_peak_rss(pid):
    """Resets VmHWM to the current RSS (Linux's clear_refs 5); False where the kernel refuses."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def wait_ready(base, server, limit):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(base + "/v1/ready", timeout=2) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    return False


def wav_data_offset(head):
    """Offset of the samples in a streamed WAV (whose sizes are 0xFFFFFFFF), and (rate, channels, bytes/sample);
    None while `head` is too short to tell."""
    if len(head) < 12:
        return None
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise ValueError("the answer is not a WAV stream")
    pos, fmt = 12, None
    while pos + 8 <= len(head):
        tag, size = head[pos:pos + 4], struct.unpack("<I", head[pos + 4:pos + 8])[0]
        if tag == b"data":
            if fmt is None:
                raise ValueError("WAV stream: data before fmt")
            return pos + 8, fmt
        if pos + 8 + size > len(head):
            return None
        if tag == b"fmt ":
            _, channels, rate, _, _, bits = struct.unpack("<HHIIHH", head[pos + 8:pos + 24])
            fmt = (rate, channels, bits // 8)
        pos += 8 + size + (size & 1)
    return None


def stream_once(port, body, start_barrier):
    """One streaming POST /v1/tts; returns the stream's figures (or its error)."""
    payload = json.dumps(body).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start_barrier.wait()
    t0 = time.monotonic()
    out = {"ok": False}
    try:
        conn.request("POST", "/v1/tts", payload, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        if resp.status != 200:
            out["error"] = f"HTTP {resp.status}: {resp.read()[:200].decode(errors='replace')}"
            return out
        received, first_byte, first_audio, layout = bytearray(), None, None, None
        while True:
            chunk = resp.read1(65536)
            if not chunk:
                break
            now = time.monotonic()
            if first_byte is None:
                first_byte = now - t0
            received += chunk
            if layout is None:
                layout = wav_data_offset(bytes(received[:4096]))
            if layout is not None and first_audio is None and len(received) > layout[0]:
                first_audio = now - t0
        wall = time.monotonic() - t0
        if layout is None:
            out["error"] = f"no WAV header in {len(received)} bytes"
            return out
        offset, (rate, channels, width) = layout
        audio = (len(received) - offset) / (rate * channels * width)
        out.update(ok=audio > 0, audio_s=audio, wall_s=wall, rtf=wall / audio if audio > 0 else None,
                   ttfb_s=first_byte, first_audio_s=first_audio)
        if audio <= 0:
            out["error"] = "no audio samples in the stream"
    except (OSError, http.client.HTTPException, ValueError) as e:
        out["error"] = f"{type(e).__name__}: {e}"
    finally:
        conn.close()
    return out


def run_clients(port, pid, clients, body):
    barrier = threading.Barrier(clients + 1)
    results = [None] * clients

    def client(i):
        results[i] = stream_once(port, body, barrier)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    peak_reset = reset_peak_rss(pid)
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.monotonic()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    peak = proc_status_mb(pid, "VmHWM")
    time.sleep(1.0)  # let the worker settle before the idle reading
    ok = [s for s in results if s["ok"]]
    audio = sum(s["audio_s"] for s in ok)
    return {
        "clients": clients,
        "streams": results,
        "failures": clients - len(ok),
        "wall_s": wall,
        "audio_s": audio,
        "audio_s_per_wall_s": audio / wall if wall > 0 else 0.0,
        "max_rtf": max((s["rtf"] for s in ok), default=None),
        "all_real_time": len(ok) == clients and all(s["rtf"] < 1 for s in ok),
        "peak_rss_mb": peak,
        "peak_rss_is_run_only": peak_reset,  # False: VmHWM could not be reset, so it is the process's lifetime peak
        "idle_rss_mb": proc_status_mb(pid, "VmRSS"),
    }


def measure_cores(args, cores):
    port = free_port()
    cmd = ["taskset", "-c", f"0-{cores - 1}", args.fishtts, "serve", "--listen", f"127.0.0.1:{port}",
           "--threads", str(cores), "--max-queue", str(max(args.clients)),
           "--max-connections", str(max(32, max(args.clients) + 2))]
    for flag in ("model", "precision", "codec_precision", "cache_dir"):
        value = getattr(args, flag)
        if value:
            cmd += ["--" + flag.replace("_", "-"), value]
    log = tempfile.TemporaryFile(mode="w+")
    server = subprocess.Popen(cmd, stdout=log, stderr=log)
    try:
        if not wait_ready(f"http://127.0.0.1:{port}", server, args.ready_timeout):
            log.seek(0)
            raise RuntimeError(f"fishtts serve ({cores} cores) did not get ready:\n{log.read()[-2000:]}")
        ready_rss = proc_status_mb(server.pid, "VmRSS")
        body = {"text": args.text, "format": "wav", "streaming": True, "seed": args.seed}
        if args.max_new_tokens is not None:
            body["max_new_tokens"] = args.max_new_tokens
        warmup = stream_once(port, body, threading.Barrier(1))
        if not warmup["ok"]:
            raise RuntimeError(f"warm-up request failed: {warmup.get('error')}")
        runs = []
        for c in args.clients:
            run = run_clients(port, server.pid, c, body)
            run.update(cores=cores, ready_rss_mb=ready_rss)
            runs.append(run)
            print(f"  {cores} cores x {c} clients: max RTF {run['max_rtf']}, {run['failures']} failures",
                  file=sys.stderr)
        return runs
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def streams_at_real_time(runs):
    """Per core count: the largest measured client count whose every stream ran at RTF < 1 (0 if none)."""
    out = {}
    for r in runs:
        key = str(r["cores"])
        out.setdefault(key, 0)
        if r["all_real_time"]:
            out[key] = max(out[key], r["clients"])
    return out


def fmt(v, digits=2):
    return "-" if v is None else f"{v:.{digits}f}"


def markdown(runs, derived):
    lines = ["| cores | clients | failures | audio s / stream | max stream RTF | max TTFB s | audio s per wall s "
             "| peak RSS MB | idle RSS MB |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in runs:
        ok = [s for s in r["streams"] if s["ok"]]
        per = sum(s["audio_s"] for s in ok) / len(ok) if ok else None
        ttfb = max((s["ttfb_s"] for s in ok), default=None)
        lines.append(f"| {r['cores']} | {r['clients']} | {r['failures']} | {fmt(per)} | {fmt(r['max_rtf'])} "
                     f"| {fmt(ttfb)} | {fmt(r['audio_s_per_wall_s'])} | {r['peak_rss_mb']:.0f} "
                     f"| {r['idle_rss_mb']:.0f} |")
    lines += ["", "| cores | streams per replica at RTF < 1 |", "| ---: | ---: |"]
    lines += [f"| {k} | {v} |" for k, v in derived.items()]
    return "\n".join(lines)


def int_list(text):
    values = [int(v) for v in text.split(",") if v.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a comma-separated list of positive integers")
    return values


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("fishtts", help="the fishtts binary")
    ap.add_argument("--model", help="checkpoint folder or bundle (default: the built-in demo model)")
    ap.add_argument("--precision", help="transformer precision (pin it: the default follows the CPU)")
    ap.add_argument("--codec-precision", help="codec decode precision")
    ap.add_argument("--cache-dir", help="bundle cache (default: the server's)")
    ap.add_argument("--cores", type=int_list, default=[1, 2], help="core counts to pin the server to (1,2)")
    ap.add_argument("--clients", type=int_list, default=[1, 2, 4], help="concurrent clients per run (1,2,4)")
    ap.add_argument("--text", default=DEFAULT_TEXT, help="what every client says")
    ap.add_argument("--max-new-tokens", type=int, help="frames per chunk (default: the server's, 1024)")
    ap.add_argument("--seed", type=int, default=42, help="one seed for all: every stream does the same work")
    ap.add_argument("--ready-timeout", type=float, default=1800, help="seconds to wait for /v1/ready (conversion)")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    args.clients = sorted(set(args.clients))
    available = len(os.sched_getaffinity(0))
    if max(args.cores) > available:
        ap.error(f"--cores {max(args.cores)}: this process may use only {available} cores")
    if not os.access(args.fishtts, os.X_OK):
        ap.error(f"{args.fishtts}: not an executable")

    load_before = os.getloadavg()
    if load_before[0] > 0.5:
        print(f"capacity.py: warning: load average {load_before[0]:.2f} before the run; other work on these cores "
              "slows every stream, so these figures are not the machine's", file=sys.stderr)
    runs = []
    for k in args.cores:
        runs += measure_cores(args, k)
    derived = streams_at_real_time(runs)
    report = {
        "config": {k: getattr(args, k) for k in ("model", "precision", "codec_precision", "cores", "clients",
                                                 "text", "max_new_tokens", "seed")},
        "machine": {"cpu": cpu_name(), "cores_available": available,
                    "loadavg_before": load_before, "loadavg_after": os.getloadavg()},
        "runs": runs,
        "streams_at_rtf_below_1": derived,
    }
    print(markdown(runs, derived))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError) as e:
        print(f"capacity.py: {e}", file=sys.stderr)
        sys.exit(1)
