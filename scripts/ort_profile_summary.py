#!/usr/bin/env python3
"""Per-op-type breakdown of an ONNX Runtime profile, per graph call.

FISHTTS_ORT_PROFILE=<prefix> writes one JSON profile per session (slow transformer, fast transformer, codec);
this prints, per file: the calls, the median call, and each op type's time per call, its share and its node
count, then the time outside any node (dispatch, thread hand-offs).

    FISHTTS_ORT_PROFILE=/tmp/prof/p fishtts say --model DIR "Some text." && scripts/ort_profile_summary.py /tmp/prof/p_*.json
"""
import collections
import json
import statistics
import sys


def summarize(path):
    events = json.load(open(path))
    runs = [e["dur"] for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"]
    nodes = [e for e in events if e.get("cat") == "Node" and e["name"].endswith("_kernel_time")]
    if not runs:
        print(f"{path}: no model_run events")
        return
    time, count = collections.Counter(), collections.Counter()
    for n in nodes:
        op = n.get("args", {}).get("op_name", "?")
        time[op] += n["dur"]
        count[op] += 1
    total = sum(runs)
    print(f"== {path}: {len(runs)} calls, median {statistics.median(runs) / 1000:.2f} ms, total {total / 1000:.1f} ms")
    for op, us in time.most_common():
        print(f"  {op:30s} {us / len(runs) / 1000:8.3f} ms/call {100 * us / total:5.1f}%  {count[op] / len(runs):6.1f} nodes/call")
    outside = total - sum(time.values())
    print(f"  {'(outside nodes)':30s} {outside / len(runs) / 1000:8.3f} ms/call {100 * outside / total:5.1f}%")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for p in sys.argv[1:]:
        summarize(p)
