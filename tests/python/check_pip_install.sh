#!/usr/bin/env bash
# The README's Python install, offline as on a machine prepared by scripts/setup.sh: a venv over the system's
# Debian packages, `pip install --no-build-isolation ./python` with the build's libfishtts.so, then the README's
# example run from outside the source tree: the installed package must carry its own copy of the library.
# usage: check_pip_install.sh SOURCE_DIR LIBRARY WORK_DIR
set -euo pipefail
source_dir="$1" library="$2" work="$3"
rm -rf "$work" && mkdir -p "$work"
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
# A copy of the package sources, so that pip's in-tree build leaves the checkout clean.
cp -r "$source_dir/python" "$work/python-src"
FISHTTS_LIBRARY="$library" FISHTTS_HEADER="$source_dir/include/fishtts/fishtts.h" \
  "$work/venv/bin/pip" install --quiet --no-index --no-build-isolation "$work/python-src" >"$work/pip.log" 2>&1 \
  || { cat "$work/pip.log"; exit 1; }
rm -rf "$work/python-src"
cd "$work"
FISHTTS_CACHE_DIR="$work/cache" "$work/venv/bin/python" - <<'PY'
import fishtts, numpy as np
engine = fishtts.Engine(precision="fp32", threads=1)
audio, sample_rate = engine.say("Hello from the installed package.", max_new_tokens=8)
assert "site-packages" in str(fishtts.library_path()), fishtts.library_path()
assert audio.dtype == np.float32 and audio.ndim == 1 and audio.size > 0 and sample_rate > 0, (audio, sample_rate)
print(f"pip install OK: {audio.size} samples at {sample_rate} Hz from {fishtts.library_path()}")
PY
