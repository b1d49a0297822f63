#!/usr/bin/env bash
# Installs everything fishtts needs to build and test on a Debian bookworm machine:
#   - the Debian packages (apt-get, as root or through sudo), only those missing;
#   - ONNX Runtime (C/C++ headers + Linux x64 library, pinned, integrity-checked) into third_party/onnxruntime;
#   - the node packages of the browser test and the client SDK tests (tests/{browser,clients}/package-lock.json)
#     with npm ci.
# Idempotent: a second run checks and changes nothing. Fails loudly, naming what went wrong.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ORT_DIR="$ROOT/third_party/onnxruntime"

# ONNX Runtime 1.29.0 from the npm registry: the only package there that ships headers matching its Linux
# library (shared/notes/dependencies.md). The integrity is pinned here and also compared with the registry's.
ORT_NPM_PACKAGE="com.github.asus4.onnxruntime"
ORT_NPM_VERSION="0.4.9"
ORT_VERSION="1.29.0"
ORT_INTEGRITY="sha512-BkzxduSZ9IkeDP6Q8lz2TFU2ie7hSSvS7ZIfzMooExoq0CNzJnuuGaUJ7IsojBgqO4ouD1jXah8OYyJbCN29Fg=="
ORT_LIB_IN_PACKAGE="package/Plugins/Linux/x64/libonnxruntime.so"
ORT_HEADERS_IN_PACKAGE="package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64/onnxruntime.framework/Headers"

DEBIAN_PACKAGES=(
  build-essential cmake pkg-config clang libclang-rt-14-dev   # toolchain; clang's libFuzzer for fuzz tests
  openssl ca-certificates                                     # this script: ORT's integrity check, npm over https
  libgtest-dev libgmock-dev libbenchmark-dev                  # tests and benchmarks
  libcli11-dev nlohmann-json3-dev                             # CLI, JSON
  libpcre2-dev                                                # tokenizer regex
  libminizip-dev zlib1g-dev libssl-dev                        # checkpoint zips, crc32, base64/sha256
  libonnx-dev libprotobuf-dev protobuf-compiler               # writing ONNX graphs
  libcpu-features-dev                                         # ISA detection
  libeigen3-dev                                               # vectorized sin (fused Snake op)
  libdnnl-dev ocl-icd-opencl-dev                              # oneDNN: bf16 codec convs (its CMake config wants OpenCL)
  libsndfile1-dev libsoxr-dev libmp3lame-dev                  # audio I/O, resampling, mp3 streams
  libsoundtouch-dev                                           # speed keeping pitch
  libavcodec-dev libavformat-dev libavutil-dev                # aac (FFmpeg's native encoder, ADTS muxer)
  libboost-dev libpoco-dev libmsgpack-cxx-dev                # HTTP server: Boost.Beast, Poco (multipart forms)
  libcpp-httplib-dev                                          # test-only: the server tests' HTTP client
  python3-torch python3-numpy                                 # test-only: torch.load checks of written checkpoints
  python3-cffi python3-numpy python3-soundfile               # the Python package (python/): cffi binding, arrays, audio files
  python3-venv python3-setuptools python3-wheel python3-pytest # pip install ./python offline (README), its tests
  chromium chromium-driver fonts-liberation                   # test-only: the web page in a real browser
  ffmpeg                                                      # test-only: ffprobe/ffmpeg decode the client tests' answers
  haproxy                                                     # test-only: two replicas behind a balancer (deploy/)
  python3-yaml python3-kubernetes curl                        # test-only: deploy/ manifests parsed and schema-checked, HEALTHCHECK run
)

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

install_debian_packages() {
  command -v dpkg-query >/dev/null 2>&1 || die "this script needs a Debian-based system (dpkg-query not found)"
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    say "Debian packages: all ${#DEBIAN_PACKAGES[@]} present"
    return
  fi
  say "Debian packages: installing ${missing[*]}"
  as_root apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
}

ensure_npm() {
  command -v npm >/dev/null 2>&1 && return
  say "npm not found: installing Debian's npm"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq npm || die "could not install npm"
}

ort_installed() {
  [ -f "$ORT_DIR/lib/libonnxruntime.so.1" ] && [ -f "$ORT_DIR/include/onnxruntime_cxx_api.h" ] &&
    [ "$(cat "$ORT_DIR/VERSION" 2>/dev/null)" = "$ORT_VERSION $ORT_INTEGRITY" ]
}

install_onnxruntime() {
  if ort_installed; then
    say "ONNX Runtime $ORT_VERSION: present in third_party/onnxruntime"
    return
  fi
  ensure_npm
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  say "ONNX Runtime $ORT_VERSION: npm pack $ORT_NPM_PACKAGE@$ORT_NPM_VERSION"
  (cd "$tmp" && npm pack --silent "$ORT_NPM_PACKAGE@$ORT_NPM_VERSION" >/dev/null) \
    || die "npm pack $ORT_NPM_PACKAGE@$ORT_NPM_VERSION failed (is the npm registry reachable?)"
  local tgz
  tgz="$(ls "$tmp"/*.tgz 2>/dev/null | head -n 1)"
  [ -n "$tgz" ] || die "npm pack produced no tarball"

  local actual registry
  actual="sha512-$(openssl dgst -sha512 -binary "$tgz" | openssl base64 -A)"
  [ "$actual" = "$ORT_INTEGRITY" ] || die "integrity mismatch for $ORT_NPM_PACKAGE@$ORT_NPM_VERSION: got $actual, pinned $ORT_INTEGRITY"
  registry="$(npm view "$ORT_NPM_PACKAGE@$ORT_NPM_VERSION" dist.integrity 2>/dev/null || true)"
  if [ -n "$registry" ] && [ "$registry" != "$actual" ]; then
    die "integrity mismatch: registry says $registry, tarball is $actual"
  fi
  say "ONNX Runtime: integrity verified ($actual)"

  tar -xzf "$tgz" -C "$tmp" "$ORT_LIB_IN_PACKAGE" "$ORT_HEADERS_IN_PACKAGE" \
    || die "the package does not contain $ORT_LIB_IN_PACKAGE and $ORT_HEADERS_IN_PACKAGE"
  rm -rf "$ORT_DIR.partial"
  mkdir -p "$ORT_DIR.partial/lib" "$ORT_DIR.partial/include"
  cp "$tmp/$ORT_LIB_IN_PACKAGE" "$ORT_DIR.partial/lib/libonnxruntime.so.$ORT_VERSION"
  # The library's soname is libonnxruntime.so.1: the loader looks for that name, the linker for the bare one.
  ln -s "libonnxruntime.so.$ORT_VERSION" "$ORT_DIR.partial/lib/libonnxruntime.so.1"
  ln -s "libonnxruntime.so.1" "$ORT_DIR.partial/lib/libonnxruntime.so"
  cp "$tmp/$ORT_HEADERS_IN_PACKAGE"/*.h "$ORT_DIR.partial/include/"
  echo "$ORT_VERSION $ORT_INTEGRITY" > "$ORT_DIR.partial/VERSION"
  # Swap in whole so an interrupted run never leaves a half-filled folder that looks installed.
  rm -rf "$ORT_DIR"
  mv "$ORT_DIR.partial" "$ORT_DIR"
  say "ONNX Runtime $ORT_VERSION: installed into third_party/onnxruntime"
}

# A test folder's npm packages exactly as its package-lock.json says; skipped (no network) when its node_modules
# already holds this lock. $1 = folder under tests/, $2 = what it is for the log.
install_test_packages() {
  local dir="$ROOT/tests/$1" stamp="$ROOT/tests/$1/node_modules/.fishtts-lock"
  if cmp -s "$dir/package-lock.json" "$stamp"; then
    say "$2 packages: present in tests/$1/node_modules"
    return
  fi
  ensure_npm
  say "$2 packages: npm ci in tests/$1"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in tests/$1 failed (is the npm registry reachable?)"
  cp "$dir/package-lock.json" "$stamp"
}

install_debian_packages
install_onnxruntime
install_test_packages browser 'browser test (playwright-core)'
install_test_packages clients 'client SDK test (openai, fish-audio)'
say "done"
