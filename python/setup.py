"""Bundles libfishtts into the package at build time (pyproject.toml has the metadata).

`pip install ./python` copies into fishtts/_native/: libfishtts.so.0, the fishtts.h it was built from (the binding
is declared from it), and libonnxruntime.so.1 when the build uses the copy scripts/setup.sh fetched. The library:
  - $FISHTTS_LIBRARY when set (an installed or prebuilt libfishtts.so; its header $FISHTTS_HEADER or beside it);
  - otherwise built from this source tree with CMake: target fishtts_shared in $FISHTTS_BUILD_DIR, else in
    <repo>/build when it is configured, else in <repo>/build-python (configured Release, no tests or benchmarks).
`pip install -e ./python` builds the same target but bundles nothing: the package then loads it from the tree.
"""
import os
import re
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

REPO = Path(__file__).resolve().parent.parent


def build_dir() -> Path:
    """$FISHTTS_BUILD_DIR; else the tree's build/ when `make build` configured it; else a build-python/ of its own
    (so that a later `make build` still configures build/ with the tests)."""
    if os.environ.get("FISHTTS_BUILD_DIR"):
        return Path(os.environ["FISHTTS_BUILD_DIR"])
    return REPO / "build" if (REPO / "build" / "CMakeCache.txt").is_file() else REPO / "build-python"


def build_with_cmake() -> Path:
    build = build_dir()
    if not (REPO / "CMakeLists.txt").is_file():
        raise SystemExit(f"fishtts: no CMakeLists.txt in {REPO}; set FISHTTS_LIBRARY to an installed libfishtts.so")
    if not (build / "CMakeCache.txt").is_file():
        subprocess.check_call(["cmake", "-S", str(REPO), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                               "-DFISHTTS_BUILD_TESTS=OFF", "-DFISHTTS_BUILD_BENCH=OFF"])
    subprocess.check_call(["cmake", "--build", str(build), "--target", "fishtts_shared", "-j",
                           os.environ.get("FISHTTS_JOBS", str(os.cpu_count() or 1))])
    return build / "src" / "api" / "libfishtts.so"


def onnxruntime_of_build() -> "Path | None":
    """The libonnxruntime the build links, if it is a bundled copy (a system one is found by the loader)."""
    cache = build_dir() / "CMakeCache.txt"
    match = re.search(r"^ONNXRUNTIME_LIBRARY:FILEPATH=(.+)$", cache.read_text(), re.M) if cache.is_file() else None
    if not match or "third_party" not in match.group(1):
        return None
    return Path(match.group(1)).parent / "libonnxruntime.so.1"


class build_py_with_library(build_py):
    def run(self) -> None:
        super().run()
        prebuilt = os.environ.get("FISHTTS_LIBRARY")
        library = Path(prebuilt) if prebuilt else build_with_cmake()
        if getattr(self, "editable_mode", False):
            return  # loaded from the source tree
        header = Path(os.environ.get("FISHTTS_HEADER", REPO / "include" / "fishtts" / "fishtts.h"))
        native = Path(self.build_lib) / "fishtts" / "_native"
        native.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(library.resolve(), native / "libfishtts.so.0")
        shutil.copyfile(header, native / "fishtts.h")
        ort = None if prebuilt else onnxruntime_of_build()
        if ort is not None and ort.exists():
            shutil.copyfile(ort.resolve(), native / "libonnxruntime.so.1")


class BinaryDistribution(Distribution):
    def has_ext_modules(self) -> bool:  # a platform wheel: it carries a native library
        return True


setup(cmdclass={"build_py": build_py_with_library}, distclass=BinaryDistribution)
