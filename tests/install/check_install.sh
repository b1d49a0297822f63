#!/usr/bin/env bash
# `cmake --install` of the build into a scratch prefix, then a C program built against that tree four ways
# (CMake package: fishtts::fishtts and fishtts::fishtts_static; pkg-config: fishtts and fishtts-static) and run:
# each must load the installed library, report the build's version and speak with the demo model.
# Also the installed CLI runs from the prefix (it finds its libraries by rpath).
# usage: check_install.sh BUILD_DIR WORK_DIR VERSION
set -euo pipefail
build="$1" work="$2" version="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rm -rf "$work" && mkdir -p "$work"
prefix="$work/prefix" cache="$work/cache"

cmake --install "$build" --prefix "$prefix" >"$work/install.log"

cmake -S "$here/consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  >"$work/configure.log"
cmake --build "$work/cmake-build" -j 2 >"$work/build.log"

libdir="$(dirname "$(find "$prefix" -name fishtts.pc -path '*pkgconfig*' | head -n 1)")"
export PKG_CONFIG_PATH="$libdir"
cc -std=c11 -Wall -Wextra -o "$work/speak-pc-shared" "$here/consumer/speak.c" $(pkg-config --cflags --libs fishtts)
cc -std=c11 -Wall -Wextra -o "$work/speak-pc-static" "$here/consumer/speak.c" \
  $(pkg-config --cflags --libs fishtts-static)

for program in "$work/cmake-build/speak-shared" "$work/cmake-build/speak-static" \
               "$work/speak-pc-shared" "$work/speak-pc-static"; do
  echo "$(basename "$program"): $("$program" "$version" "$cache")"
done

# The shared forms must really load the installed libfishtts.so, the static ones must not need it.
# (ldd's output is read whole first: grep -q closing the pipe early fails the pipeline under pipefail.)
shared_libs="$(ldd "$work/cmake-build/speak-shared")" static_libs="$(ldd "$work/speak-pc-static")"
grep -q "$prefix/.*libfishtts.so" <<<"$shared_libs" \
  || { echo "speak-shared does not load the installed libfishtts.so"; exit 1; }
if grep -q "libfishtts.so" <<<"$static_libs"; then
  echo "speak-pc-static loads libfishtts.so"; exit 1
fi
"$prefix/bin/fishtts" --version | grep -q "$version" || { echo "installed CLI: wrong version"; exit 1; }
echo "install tree OK: $prefix"
