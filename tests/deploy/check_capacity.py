#!/usr/bin/env python3
"""scripts/capacity.py on the built-in demo model, 1 core, 1 and 2 clients (short streams): its JSON holds sane
figures and its derived "streams per replica at RTF < 1" is the one its own rows give.

usage: check_capacity.py FISHTTS_BINARY CAPACITY_SCRIPT
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)
    return ok


def main():
    fishtts, script = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="fishtts-capacity-")
    try:
        bad = subprocess.run([sys.executable, script, fishtts, "--cores", str(len(os.sched_getaffinity(0)) + 1)],
                             capture_output=True, text=True, timeout=30)
        check(bad.returncode == 2 and "--cores" in bad.stderr, f"more cores than allowed is refused, naming --cores "
              f"(exit {bad.returncode}: {bad.stderr.strip()[-120:]})")

        out = os.path.join(work, "capacity.json")
        r = subprocess.run([sys.executable, script, fishtts, "--cores", "1", "--clients", "1,2", "--max-new-tokens",
                            "24", "--cache-dir", os.path.join(work, "cache"), "--json", out],
                           capture_output=True, text=True, timeout=120)
        if not check(r.returncode == 0 and os.path.exists(out), f"capacity.py runs (exit {r.returncode})"):
            print(r.stdout[-2000:], r.stderr[-2000:])
            return 1
        with open(out) as f:
            report = json.load(f)
        runs = report["runs"]
        check([(x["cores"], x["clients"]) for x in runs] == [(1, 1), (1, 2)], "one run per (cores, clients)")
        for run in runs:
            name = f"{run['cores']} core x {run['clients']} clients"
            streams = run["streams"]
            check(len(streams) == run["clients"] and all(s["ok"] for s in streams), f"{name}: every stream ok")
            check(all(s["audio_s"] > 0 and s["wall_s"] > 0 and s["rtf"] > 0 for s in streams),
                  f"{name}: audio, wall and RTF > 0")
            check(all(abs(s["rtf"] - s["wall_s"] / s["audio_s"]) < 1e-9 for s in streams), f"{name}: RTF = wall / audio")
            check(all(0 < s["ttfb_s"] <= s["first_audio_s"] <= s["wall_s"] for s in streams),
                  f"{name}: 0 < first byte <= first audio <= end")
            # One text, one seed: every stream carries the same samples, so the same audio length.
            check(len({round(s["audio_s"], 6) for s in streams}) == 1, f"{name}: the same audio length in every stream")
            total = sum(s["audio_s"] for s in streams)
            check(abs(run["audio_s"] - total) < 1e-9 and run["audio_s_per_wall_s"] > 0, f"{name}: aggregate audio")
            check(run["peak_rss_mb"] > 10 and run["idle_rss_mb"] > 10, f"{name}: peak and idle RSS measured "
                  f"({run['peak_rss_mb']:.0f}, {run['idle_rss_mb']:.0f} MB)")
            check(run["all_real_time"] == all(s["rtf"] < 1 for s in streams), f"{name}: all_real_time matches RTFs")
        expected = max([x["clients"] for x in runs if all(s["ok"] and s["rtf"] < 1 for s in x["streams"])],
                       default=0)
        check(report["streams_at_rtf_below_1"] == {"1": expected},
              f"streams at RTF < 1 derived from the rows: {report['streams_at_rtf_below_1']} (rows give {expected})")
        check(f"| 1 | {expected} |" in r.stdout, "the markdown table shows the derived figure")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
