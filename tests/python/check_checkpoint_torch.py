#!/usr/bin/python3
"""Reference check of fishtts' checkpoint reader and writer against PyTorch itself.

usage: check_checkpoint_torch.py FISHTTS_CLI FIXTURE_DIR WORK_DIR

1. `fishtts dev make-checkpoint --preset tiny` writes a checkpoint; torch.load(weights_only=True) must read
   both .pth files, with the keys, shapes and dtypes of the upstream-made fixture.
2. For the writer's files and the fixture's, `fishtts dev tensor-stats` (fishtts' own reader) must agree
   with torch on every tensor: dtype, shape, the first values exactly and the sum.

Exits 77 (ctest SKIP_RETURN_CODE) when this Python has no torch: Debian's python3-torch provides it.
"""
import json
import math
import os
import shutil
import subprocess
import sys

try:
    import torch
except ImportError:
    print("SKIP: /usr/bin/python3 has no torch (apt-get install python3-torch)")
    sys.exit(77)

DTYPES = {torch.float32: "float32", torch.bfloat16: "bfloat16", torch.float16: "float16",
          torch.int64: "int64", torch.int32: "int32", torch.bool: "bool", torch.uint8: "uint8"}


def fishtts_stats(cli, path):
    out = subprocess.run([cli, "dev", "tensor-stats", path, "--head", "16"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def compare(cli, path):
    state = torch.load(path, map_location="cpu", weights_only=True)
    ours = fishtts_stats(cli, path)
    assert list(ours) == list(state), f"{path}: key order/sets differ"
    for name, tensor in state.items():
        mine = ours[name]
        assert mine["dtype"] == DTYPES[tensor.dtype], f"{path}:{name}: dtype {mine['dtype']} vs {tensor.dtype}"
        assert mine["shape"] == list(tensor.shape), f"{path}:{name}: shape {mine['shape']} vs {list(tensor.shape)}"
        flat = tensor.reshape(-1).float()
        head = flat[:16].tolist()
        assert mine["head"] == head, f"{path}:{name}: first values {mine['head'][:4]} vs {head[:4]}"
        ref_sum = flat.double().sum().item()
        assert math.isclose(mine["sum"], ref_sum, rel_tol=1e-9, abs_tol=1e-9), f"{path}:{name}: sum {mine['sum']} vs {ref_sum}"
    return state


def main():
    cli, fixture, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run([cli, "dev", "make-checkpoint", "--preset", "tiny", "--seed", "11", "--out", work], check=True,
                   capture_output=True)
    for stem in ("model", "codec"):
        ref = compare(cli, os.path.join(fixture, stem + ".pth"))
        written = compare(cli, os.path.join(work, stem + ".pth"))
        assert set(written) == set(ref), f"{stem}: keys differ from the fixture: {set(written) ^ set(ref)}"
        for name in ref:
            assert written[name].shape == ref[name].shape and written[name].dtype == ref[name].dtype, name
        print(f"{stem}.pth: {len(written)} tensors read by torch {torch.__version__}, values agree with fishtts")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
